// Number cells: "50.5", "1,010.0", "50 ng/µL", "0.5 mL", and with a decimal comma ("50,5") in sheets from locales
// that write one (those save CSV with ';', so the delimiter picks the default). Nothing is guessed: text that is no
// number, or a number that reads two ways, is an error rather than a value.
import type { DecimalSeparator } from './types.ts';
import { findUnit, type Dimension, type UnitMatch } from './units.ts';

export type NumberReading =
  | { ok: true; value: number | null; unit: UnitMatch | null }
  | { ok: false; code: 'NOT_A_NUMBER' | 'AMBIGUOUS_NUMBER' | 'UNKNOWN_UNIT'; reason: string };

/** Cells that mean "no value" in a measurement column. */
const NO_VALUE = new Set(['n/a', 'na', '-', '--', '—', '–', 'none', 'nd', 'n.d.']);

const SIGNED = /^([+-]?)(.*)$/s;
const NUMBER_THEN_REST = /^([+-]?[\d.,]*\d(?:[eE][+-]?\d+)?)\s*(.*)$/s;

/** The digits and separators as a JS number string, or why not. */
function readDigits(text: string, decimal: DecimalSeparator): { value: string } | { ambiguous: true } | null {
  const [, sign, digits] = SIGNED.exec(text)!;
  const group = decimal === '.' ? ',' : '.';
  const plain = decimal === '.' ? /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/ : /^(?:\d+(?:,\d*)?|,\d+)$/;
  const grouped = decimal === '.' ? /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/ : /^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;
  if (plain.test(digits!)) return { value: sign + digits!.replace(',', '.') };
  if (decimal === ',') {
    // Dots typed as decimals in a decimal-comma sheet ("20.0") are common; only "1.010" reads two ways.
    if (/^\d{1,3}\.\d{3}$/.test(digits!)) return { ambiguous: true };
    if (/^\d+\.\d+$/.test(digits!)) return { value: sign + digits! };
  }
  if (grouped.test(digits!)) return { value: sign + digits!.replaceAll(group, '').replace(',', '.') };
  return null;
}

/**
 * Reads one number cell of a field measured in `dimension`. Empty and "n/a"-like cells are null. A unit in the
 * cell must be one of the dimension's (it is returned, for the caller to convert and say so).
 */
export function readNumber(text: string, dimension: Dimension, decimal: DecimalSeparator): NumberReading {
  const cell = text.normalize('NFKC').replace(/\s+/g, ' ').replace(/^[−‐]/, '-').trim();
  if (cell === '' || NO_VALUE.has(cell.toLowerCase())) return { ok: true, value: null, unit: null };
  const match = NUMBER_THEN_REST.exec(cell);
  if (!match) return { ok: false, code: 'NOT_A_NUMBER', reason: 'is not a number' };
  const [, number, rest] = match;
  let unit: UnitMatch | null = null;
  if (rest !== '') {
    unit = findUnit(dimension, rest!);
    if (!unit) {
      return !/\p{L}/u.test(rest!) || dimension === 'ratio' || dimension === 'count'
        ? { ok: false, code: 'NOT_A_NUMBER', reason: 'is not a number' }
        : { ok: false, code: 'UNKNOWN_UNIT', reason: `has a unit ("${rest}") this column cannot take` };
    }
  }
  const digits = readDigits(number!, decimal);
  if (digits === null) {
    const hint =
      decimal === '.' && /^[+-]?\d+,\d+$/.test(number!) ? ' (use "." as the decimal separator)' : '';
    return { ok: false, code: 'NOT_A_NUMBER', reason: `is not a number${hint}` };
  }
  if ('ambiguous' in digits) {
    return {
      ok: false,
      code: 'AMBIGUOUS_NUMBER',
      reason: 'reads two ways (a decimal point or a thousands separator)',
    };
  }
  const value = Number(digits.value);
  if (!Number.isFinite(value)) return { ok: false, code: 'NOT_A_NUMBER', reason: 'is not a number' };
  return { ok: true, value, unit };
}
