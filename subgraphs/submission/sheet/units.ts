// Units people write in headers ("Volume (mL)") and cells ("50 ng/µL"). µ (U+00B5) and μ (U+03BC) are the same
// unit, as are "u" and "mc". A unit of the field's kind converts to the field's unit; any other unit is refused,
// never ignored: a concentration in nM read as ng/µL would be silently wrong.

/** What a number field measures; `ratio` and `count` take no unit. */
export type Dimension = 'volume' | 'concentration' | 'mass' | 'ratio' | 'count';

export interface UnitMatch {
  /** Normalised label, e.g. `mL`. */
  label: string;
  /** Multiplier to the field's unit. */
  factor: number;
}

/** The unit every value of the dimension is stored in. */
export const FIELD_UNIT: Record<'volume' | 'concentration' | 'mass', string> = {
  volume: 'µL',
  concentration: 'ng/µL',
  mass: 'ng',
};

const unit = (label: string, factor: number, ...keys: string[]) =>
  keys.map((key) => [key, { label, factor }] as const);

const UNITS: Record<Dimension, ReadonlyMap<string, UnitMatch>> = {
  volume: new Map([
    ...unit('µL', 1, 'ul', 'microliter', 'microliters', 'microlitre', 'microlitres'),
    ...unit('mL', 1000, 'ml', 'milliliter', 'milliliters', 'millilitre', 'millilitres'),
    ...unit('nL', 0.001, 'nl', 'nanoliter', 'nanoliters', 'nanolitre', 'nanolitres'),
  ]),
  concentration: new Map([
    ...unit('ng/µL', 1, 'ngul', 'ngperul', 'ngmicroliter', 'ngmicrolitre'),
    ...unit('µg/mL', 1, 'ugml'),
    ...unit('ng/mL', 0.001, 'ngml'),
    ...unit('µg/µL', 1000, 'ugul'),
    ...unit('mg/mL', 1000, 'mgml'),
  ]),
  mass: new Map([
    ...unit('ng', 1, 'ng', 'nanogram', 'nanograms'),
    ...unit('µg', 1000, 'ug', 'microgram', 'micrograms'),
    ...unit('mg', 1_000_000, 'mg', 'milligram', 'milligrams'),
  ]),
  ratio: new Map(),
  count: new Map(),
};

/** Units that look like a measurement's but cannot be converted to one (molarity, moles, percent). */
const FOREIGN_UNITS = new Set([
  'm',
  'mm',
  'um',
  'nm',
  'pm',
  'fm',
  'molar',
  'mol',
  'umol',
  'nmol',
  'pmol',
  'fmol',
]);

/** Lower case, µ/μ/mc as u, "per" dropped, letters and digits only: "ng / µL" and "ng per ul" -> "ngul". */
export function unitKey(text: string): string {
  return text
    .normalize('NFKC') // U+00B5 micro sign -> U+03BC Greek mu
    .toLowerCase()
    .replaceAll('μ', 'u')
    .replace(/\bmc(?=[glm])/g, 'u')
    .replace(/\bper\b/g, '')
    .replace(/[^a-z0-9%]/g, '');
}

/** The unit of `dimension` the text names, or null. */
export function findUnit(dimension: Dimension, text: string): UnitMatch | null {
  return UNITS[dimension].get(unitKey(text)) ?? null;
}

/** Every unit key of a dimension, longest first (for stripping a unit glued to a header: "volumeul"). */
export function unitKeys(dimension: Dimension): string[] {
  return [...UNITS[dimension].keys()].sort((a, b) => b.length - a.length);
}

/** Whether text names a unit of another kind than `dimension` (e.g. nM for a concentration, ng for a volume). */
export function isForeignUnit(dimension: Dimension, text: string): boolean {
  const key = unitKey(text);
  if (key === '' || UNITS[dimension].has(key)) return false;
  if (FOREIGN_UNITS.has(key) || key === '%') return true;
  return Object.values(UNITS).some((units) => units.has(key));
}
