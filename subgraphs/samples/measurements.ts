// Measurements: validation of what staff type in, and the derived values of docs/domain.md (concentration = Qubit if
// measured, else Nanodrop; total ng = concentration x volume).
import { badUserInput } from '../kit/errors.ts';

export interface MeasurementFields {
  volumeUl: number | null;
  qubitNgPerUl: number | null;
  nanodropNgPerUl: number | null;
  a260_280: number | null;
  a260_230: number | null;
}

/** Upper bounds that no real sample reaches: a value past them is a typo or a unit mix-up. */
const LIMITS: Readonly<Record<keyof MeasurementFields, { max: number; unit: string }>> = {
  volumeUl: { max: 10_000, unit: 'µL' },
  qubitNgPerUl: { max: 10_000, unit: 'ng/µL' },
  nanodropNgPerUl: { max: 10_000, unit: 'ng/µL' },
  a260_280: { max: 5, unit: '' },
  a260_230: { max: 5, unit: '' },
};

/** Throws BAD_USER_INPUT naming the field when a given measurement is negative, not finite, or implausible. */
export function assertValidMeasurements(input: Partial<MeasurementFields>): void {
  for (const [field, { max, unit }] of Object.entries(LIMITS) as [
    keyof MeasurementFields,
    { max: number; unit: string },
  ][]) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (!Number.isFinite(value) || value < 0 || value > max) {
      throw badUserInput(`${field} must be between 0 and ${max}${unit ? ` ${unit}` : ''}, not ${value}`, {
        field,
        rule: 'MEASUREMENT_RANGE',
      });
    }
  }
}

/** Qubit when measured, else Nanodrop; null when neither. */
export function getConcentration(
  m: Pick<MeasurementFields, 'qubitNgPerUl' | 'nanodropNgPerUl'>,
): number | null {
  return m.qubitNgPerUl ?? m.nanodropNgPerUl ?? null;
}

/** concentration x volume, in ng; null when either is unknown. */
export function getTotalNg(m: MeasurementFields): number | null {
  const concentration = getConcentration(m);
  return concentration === null || m.volumeUl === null ? null : concentration * m.volumeUl;
}
