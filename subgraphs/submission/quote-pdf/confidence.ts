// How sure the parser is of a value: the confidence rules, all in one place.
//
//   confidence = BASE[method] × Π (1 − PENALTY[flag]) × (FIT_FLOOR + (1 − FIT_FLOOR) × fit)
//
// - BASE: what the method is worth. Reading text under its exact label, or a cell under its column header, or a
//   mark inside a drawn control, is strong; anything inferred starts low.
// - PENALTY: each doubt met on the way (flags in types.ts) removes a share.
// - fit (0..1): how well the geometry matched what the layout predicts, e.g. how close a cell's text starts to
//   its column's left edge, or how centred a mark sits in its box. A perfect fit keeps the value; a poor fit costs
//   up to (1 − FIT_FLOOR).
//
// A value whose confidence is below ISSUE_THRESHOLD is listed as an issue (unless it is deliberately empty).
import type { ConfidenceFlag, Extracted, ExtractionMethod, QuoteIssue, SourceBox } from './types.ts';

export const BASE_CONFIDENCE: Readonly<Record<ExtractionMethod, number>> = {
  'cross-check': 0.99,
  'label+geometry': 0.97,
  'column+geometry': 0.97,
  'mark+geometry': 0.96,
  absent: 0.92,
  inferred: 0.72,
  // Scanned pages: the layout method's base, then the recognizer's word confidence (ocr-provenance.ts).
  ocr: 0.97,
  pixels: 0.96,
  'not-found': 0,
};

export const FLAG_PENALTY: Readonly<Record<ConfidenceFlag, number>> = {
  LABEL_FUZZY: 0.2,
  OFF_COLUMN_START: 0.05,
  CROSSES_COLUMN: 0.45,
  LINES_JOINED: 0.02,
  LINES_JOINED_WITHOUT_BORDERS: 0.2,
  UNIT_STRIPPED: 0.1,
  REPUNCTUATED: 0.1,
  NOT_A_NUMBER: 0.6,
  NOT_AN_EMAIL: 0.4,
  NOT_A_DATE: 0.6,
  NO_CONTROL_FRAME: 0.25,
  AMBIGUOUS_MARK: 0.45,
  GROUP_RULE_BROKEN: 0.5,
  OPTION_TEXT_FUZZY: 0.2,
  NO_VECTOR_LAYER: 1,
  DISAGREES_WITH_TITLE: 0.5,
  DISAGREES_WITH_TOTALS: 0.3,
  CONTROL_NAME_LOOSE: 0.25,
  NAME_MISSING: 0.5,
  DUPLICATE_ROW: 0.3,
  ROW_NUMBER_INFERRED: 0.3,
  SPLIT_FROM_ROW_NUMBER: 0.25,
  EMPTY_AMONG_FILLED: 0.2,
  STRAY_MARKS_DROPPED: 0.1,
  OUT_OF_COLUMN_RANGE: 0.3,
};

/** Share of the confidence that depends on geometric fit. */
export const FIT_FLOOR = 0.9;

/** Values below this are listed as issues. */
export const ISSUE_THRESHOLD = 0.8;

export function scoreConfidence(
  method: ExtractionMethod,
  flags: readonly ConfidenceFlag[] = [],
  fit = 1,
): number {
  let score = BASE_CONFIDENCE[method];
  for (const flag of new Set(flags)) score *= 1 - FLAG_PENALTY[flag];
  const clampedFit = Math.min(1, Math.max(0, Number.isFinite(fit) ? fit : 0));
  score *= FIT_FLOOR + (1 - FIT_FLOOR) * clampedFit;
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
}

export interface ExtractedOptions {
  source?: SourceBox | null;
  raw?: string | null;
  flags?: ConfidenceFlag[];
  fit?: number;
}

export function extracted<T>(
  value: T,
  method: ExtractionMethod,
  options: ExtractedOptions = {},
): Extracted<T> {
  const flags = [...new Set(options.flags ?? [])];
  return {
    value,
    confidence: scoreConfidence(method, flags, options.fit ?? 1),
    source: options.source ?? null,
    method,
    raw: options.raw ?? null,
    flags,
  };
}

/** The same value with more doubts (or a new method) and the confidence recomputed. */
export function withFlags<T>(
  value: Extracted<T>,
  flags: ConfidenceFlag[],
  method: ExtractionMethod = value.method,
): Extracted<T> {
  const merged = [...new Set([...value.flags, ...flags])];
  return { ...value, method, flags: merged, confidence: scoreConfidence(method, merged) };
}

const FLAG_TEXT: Readonly<Record<ConfidenceFlag, string>> = {
  LABEL_FUZZY: 'its label only loosely matched',
  OFF_COLUMN_START: 'it does not start at its column edge',
  CROSSES_COLUMN: 'its text runs into the next column',
  LINES_JOINED: 'several lines were joined',
  LINES_JOINED_WITHOUT_BORDERS: 'lines were joined without cell borders to confirm them',
  UNIT_STRIPPED: 'a unit typed into the cell was removed',
  REPUNCTUATED: 'thousands separators were removed',
  NOT_A_NUMBER: 'the text is not a number',
  NOT_AN_EMAIL: 'the text is not an e-mail address',
  NOT_A_DATE: 'the text is not a date',
  NO_CONTROL_FRAME: 'the control has no recognisable frame',
  AMBIGUOUS_MARK: 'the mark in the control is ambiguous',
  GROUP_RULE_BROKEN: 'the group breaks its rule (a radio needs exactly one choice)',
  OPTION_TEXT_FUZZY: 'an option text only loosely matched',
  NO_VECTOR_LAYER: 'the drawn marks could not be read from this PDF',
  DISAGREES_WITH_TITLE: 'the PDF title says otherwise',
  DISAGREES_WITH_TOTALS: 'it does not add up with the other totals',
  CONTROL_NAME_LOOSE: 'the row was taken for a control from a loose name match',
  NAME_MISSING: 'the row has measurements but no sample name',
  DUPLICATE_ROW: 'the row number was printed twice',
  ROW_NUMBER_INFERRED: 'the row number was unreadable and inferred from the rows around it',
  SPLIT_FROM_ROW_NUMBER: 'the text was read run together with the row number and split from it',
  EMPTY_AMONG_FILLED: 'the scanned cell reads empty where its column is filled in the other rows',
  STRAY_MARKS_DROPPED: 'marks without letters or digits beside the value were dropped',
  OUT_OF_COLUMN_RANGE: 'the scanned value is far out of the range of its column',
};

/** The issue a value raises, if any: low confidence, or a label that was not found at all. */
export function issueFor(path: string, value: Extracted<unknown>, required = false): QuoteIssue | null {
  if (value.method === 'not-found') {
    return {
      path,
      severity: required ? 'error' : 'warning',
      code: 'NOT_FOUND',
      message: `${path} was not found in the quote`,
    };
  }
  if (value.confidence >= ISSUE_THRESHOLD) return null;
  const reasons = value.flags.map((flag) => FLAG_TEXT[flag]).join('; ');
  return {
    path,
    severity: 'warning',
    code: 'LOW_CONFIDENCE',
    message: `${path} read with confidence ${value.confidence}${reasons ? `: ${reasons}` : ''}`,
  };
}
