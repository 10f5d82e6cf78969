// Warnings from the lab's advisory QC guidance (docs/domain.md), for sample rows; controls have no expectations. They
// never make a value null or a row invalid: the facility decides, the submitter is told early.
import type { SheetIssueCode } from './issues.ts';
import type { SampleSheetValues, SheetColumn, SheetField } from './types.ts';

export interface SheetQcOptions {
  /** DNA below this concentration is LOW_CONCENTRATION, ng/µL. Default 10. */
  minDnaNgPerUl: number;
  /** DNA A260/280 outside [min, max] is a warning. Default [1.7, 2.0]. */
  a260_280: readonly [number, number];
  /** DNA A260/230 outside [min, max] is a warning. Default [2.0, 2.2]. */
  a260_230: readonly [number, number];
  /** Total amount further than this fraction from concentration x volume is TOTAL_MISMATCH. Default 0.1. */
  totalTolerance: number;
}

export const DEFAULT_SHEET_QC: SheetQcOptions = {
  minDnaNgPerUl: 10,
  a260_280: [1.7, 2.0],
  a260_230: [2.0, 2.2],
  totalTolerance: 0.1,
};

export const CONCENTRATION_FIELDS = ['concentrationNgPerUl', 'qubitNgPerUl', 'nanodropNgPerUl'] as const;

export interface SampleQcInput {
  values: SampleSheetValues;
  raw: Partial<Record<SheetField, string>>;
  /** The mapped column of each field the sheet has. */
  byField: Partial<Record<SheetField, SheetColumn>>;
  qc: SheetQcOptions;
  warn(field: SheetField, code: SheetIssueCode, message: string): void;
}

export const roundMeasurement = (value: number): number => Number(value.toPrecision(12));

export function checkSampleQc({ values, raw, byField, qc, warn }: SampleQcInput): void {
  const isEmpty = (field: SheetField) => byField[field] !== undefined && (raw[field] ?? '').trim() === '';
  if (isEmpty('volumeUl')) warn('volumeUl', 'MISSING_VALUE', 'The sample has no volume.');
  const concentrationColumns = CONCENTRATION_FIELDS.filter((field) => byField[field] !== undefined);
  if (concentrationColumns.length > 0 && concentrationColumns.every(isEmpty)) {
    warn(concentrationColumns[0]!, 'MISSING_VALUE', 'The sample has no concentration.');
  }
  if (values.nucleicAcid === 'RNA') return; // the guidance is for DNA

  const concentration = values.concentrationNgPerUl;
  const from = CONCENTRATION_FIELDS.find((field) => values[field] !== null) ?? 'concentrationNgPerUl';
  if (concentration !== null && concentration < qc.minDnaNgPerUl) {
    warn(
      from,
      'LOW_CONCENTRATION',
      `Concentration ${concentration} ng/µL is below ${qc.minDnaNgPerUl} ng/µL, too low for DNA.`,
    );
  }
  for (const [field, code, name] of [
    ['a260_280', 'A260_280_OUT_OF_RANGE', 'A260/280'],
    ['a260_230', 'A260_230_OUT_OF_RANGE', 'A260/230'],
  ] as const) {
    const [min, max] = qc[field];
    const ratio = values[field];
    if (ratio !== null && (ratio < min || ratio > max))
      warn(field, code, `${name} ${ratio} is outside ${min}-${max}.`);
  }

  const { totalNg, volumeUl } = values;
  if (totalNg === null || concentration === null || volumeUl === null) return;
  const expected = roundMeasurement(concentration * volumeUl);
  const off = expected === 0 ? totalNg > 0 : Math.abs(totalNg - expected) > qc.totalTolerance * expected;
  if (off) {
    warn(
      'totalNg',
      'TOTAL_MISMATCH',
      `Total ${totalNg} ng differs from concentration x volume (${concentration} ng/µL x ${volumeUl} µL = ${expected} ng) by more than ${Math.round(qc.totalTolerance * 100)}%.`,
    );
  }
}
