// Header row -> columns. A header names a field (sheet-fields.ts) when it equals the field's name, template name or
// an alias after case, spaces, underscores, hyphens, punctuation and a unit are dropped: "Sample Name",
// "sample-name" and "SAMPLE_NAME" are one; "Volume (mL)" and "volume_ml" are the volume, in mL.
import { sheetIssue } from './issues.ts';
import { SHEET_FIELDS, type FieldSpec } from './sheet-fields.ts';
import type { SheetColumn, SheetField, SheetIssue } from './types.ts';
import { findUnit, isForeignUnit, unitKeys } from './units.ts';

/** A header's comparison key: letters and digits only, lower case, µ/μ as u ("Sample-Name" -> "samplename"). */
export function headerKey(text: string): string {
  return text
    .normalize('NFKC') // U+00B5 micro sign -> U+03BC Greek mu
    .toLowerCase()
    .replaceAll('μ', 'u')
    .replace(/[^a-z0-9]/g, '');
}

const BY_KEY = new Map<string, FieldSpec>();
for (const spec of SHEET_FIELDS) {
  for (const name of [spec.field, spec.template ?? spec.field, ...spec.aliases]) {
    const key = headerKey(name);
    const taken = BY_KEY.get(key);
    if (taken && taken !== spec) throw new Error(`sheet header alias "${key}" names two fields`);
    BY_KEY.set(key, spec);
  }
}

export interface HeaderMatch {
  field: SheetField | null;
  unit: string | null;
  factor: number;
  /** A unit was given that the field cannot be converted from. */
  unsupportedUnit: string | null;
}

const BRACKETED = /[([{]([^)\]}]*)[)\]}]/g;

/** The field a header names, with the unit it gives ("Vol (uL)", "volume_ml", "Concentration [ng/μL]"). */
export function matchHeader(header: string): HeaderMatch {
  const notes = [...header.matchAll(BRACKETED)].map((match) => match[1]!.trim());
  const key = headerKey(header.replace(BRACKETED, ' '));
  let spec = BY_KEY.get(key);
  // A unit written into the name itself: "volume_ul", "conc ng/ul", "total ng" (also when the whole key is a
  // field name such as "volumeUl").
  let glued: string | null = null;
  for (const candidate of spec ? [spec] : SHEET_FIELDS) {
    if (!candidate.dimension) continue;
    glued =
      unitKeys(candidate.dimension).find(
        (u) => key.endsWith(u) && BY_KEY.get(key.slice(0, -u.length)) === candidate,
      ) ?? null;
    if (glued) {
      spec = candidate;
      break;
    }
  }
  if (!spec) return { field: null, unit: null, factor: 1, unsupportedUnit: null };
  const none = { field: spec.field, unit: null, factor: 1, unsupportedUnit: null };
  if (!spec.dimension) return none; // "Sample Type (DNA/RNA)": brackets hold a note, not a unit
  for (const note of glued ? [glued, ...notes] : notes) {
    const unit = findUnit(spec.dimension, note);
    if (unit) return { field: spec.field, unit: unit.label, factor: unit.factor, unsupportedUnit: null };
    if (isForeignUnit(spec.dimension, note)) return { ...none, unsupportedUnit: note };
  }
  return none;
}

/** Spreadsheet column letters: 0 -> A, 25 -> Z, 26 -> AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/** Maps a header row to columns, with the sheet issues it raises. The first column naming a field wins. */
export function mapColumns(headers: readonly string[]): { columns: SheetColumn[]; issues: SheetIssue[] } {
  const issues: SheetIssue[] = [];
  const seen = new Map<SheetField, SheetColumn>();
  const columns = headers.map((header, index): SheetColumn => {
    const letter = columnLetter(index);
    const base = { index, letter, header };
    const path = `columns[${index}]`;
    if (header.trim() === '') return { ...base, field: null, status: 'UNNAMED', unit: null, factor: 1 };
    const match = matchHeader(header);
    if (!match.field) {
      issues.push(
        sheetIssue(
          'UNKNOWN_COLUMN',
          path,
          `Column ${letter} "${header}" is not a known column; its cells are kept as extra data.`,
        ),
      );
      return { ...base, field: null, status: 'UNKNOWN', unit: null, factor: 1 };
    }
    const column: SheetColumn = {
      ...base,
      field: match.field,
      status: 'MAPPED',
      unit: match.unit,
      factor: match.factor,
    };
    const first = seen.get(match.field);
    if (first) {
      issues.push(
        sheetIssue(
          'DUPLICATE_COLUMN',
          path,
          `Column ${letter} "${header}" names the same field as column ${first.letter} "${first.header}", which is the one read.`,
        ),
      );
      return { ...column, status: 'DUPLICATE' };
    }
    if (match.unsupportedUnit) {
      issues.push(
        sheetIssue(
          'UNSUPPORTED_UNIT',
          path,
          `Column ${letter} "${header}" is in ${match.unsupportedUnit}, which cannot be converted; the column is not read.`,
        ),
      );
      return { ...column, status: 'UNSUPPORTED_UNIT', unit: match.unsupportedUnit };
    }
    seen.set(match.field, column);
    if (match.factor !== 1) {
      issues.push(
        sheetIssue(
          'COLUMN_UNIT_CONVERTED',
          path,
          `Column ${letter} "${header}" is in ${match.unit}; its values are converted.`,
        ),
      );
    }
    return column;
  });
  return { columns, issues };
}
