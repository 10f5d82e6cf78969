// The codes of sheet and row problems, each with its severity and meaning (one registry, as errors.ts), and the
// flattening of row problems into QuoteIssue-shaped issues so a submission's issues read alike from both sources.
import type { IssueSeverity, ParsedSheet, SheetIssue } from './types.ts';

const CODES = {
  // The sheet and its columns.
  UNKNOWN_COLUMN: ['warning', "A header names no known field; its cells are kept in each row's `extra`."],
  DUPLICATE_COLUMN: [
    'warning',
    'Two headers name the same field; the first is read, the other kept in `extra`.',
  ],
  UNNAMED_COLUMN: ['warning', 'Cells hold values under an empty header; they are kept in `extra`.'],
  UNSUPPORTED_UNIT: [
    'error',
    'A header gives a unit that cannot be converted (e.g. nM); the column is not read.',
  ],
  COLUMN_UNIT_CONVERTED: [
    'info',
    'A header gives another unit of the field (e.g. mL); its values are converted.',
  ],
  MISSING_COLUMN: ['warning', 'A column the lab needs for QC (volume, concentration) is not in the sheet.'],
  NO_SAMPLES: ['error', 'No row holds a sample or a control.'],
  ENCODING_GUESSED: [
    'warning',
    "The file is not UTF-8; it was read as Windows-1252 (Excel's older CSV export).",
  ],
  // Row errors: the cell's value is null.
  REQUIRED_MISSING: ['error', 'A row with measurements has no sample name.'],
  NOT_A_NUMBER: ['error', 'A number cell holds something else.'],
  AMBIGUOUS_NUMBER: ['error', 'A number could be read two ways (1.010: one, or one thousand and ten).'],
  UNKNOWN_UNIT: ['error', "A number cell carries a unit that is not one of the column's."],
  NEGATIVE: ['error', 'A measurement is below zero.'],
  OUT_OF_RANGE: ['error', 'A value is past what any real sample reaches (a typo or a unit mix-up).'],
  NOT_A_POSITIVE_INTEGER: ['error', 'The flow cell count is not a whole number of at least 1.'],
  INVALID_EMAIL: ['error', 'The e-mail address is malformed.'],
  DUPLICATE_NAME: ['error', 'The sample name is already used by an earlier row of the sheet.'],
  TOO_LONG: ['error', 'A text cell is longer than allowed.'],
  // Row warnings: the row is kept as read.
  LOW_CONCENTRATION: ['warning', 'DNA concentration below the QC minimum (10 ng/µL by default).'],
  A260_280_OUT_OF_RANGE: ['warning', 'A260/280 outside the DNA purity range (1.7-2.0 by default).'],
  A260_230_OUT_OF_RANGE: ['warning', 'A260/230 outside the DNA purity range (2.0-2.2 by default).'],
  TOTAL_MISMATCH: ['warning', 'Total amount differs from concentration x volume by more than 10%.'],
  MISSING_VALUE: ['warning', 'A sample has no volume or no concentration.'],
  UNKNOWN_PRIORITY: ['warning', 'The priority is not urgent, high, normal or low; NORMAL is used.'],
  UNKNOWN_SAMPLE_TYPE: ['warning', 'The sample type is not a known DNA or RNA kind; it is left empty.'],
  UNKNOWN_FLOW_CELL_TYPE: ['warning', 'The flow cell type names no chemistry, format or product code.'],
  UNIT_CONVERTED: ['warning', 'A cell gives its value in another unit of the field; it was converted.'],
  EXTRA_CELLS: ['warning', 'The row has values past the last header; they are kept in `extra`.'],
  NAME_DIFFERS_ONLY_BY_CASE: ['warning', "Another row's sample name is the same but for letter case."],
  NO_SAMPLE_NAME: [
    'warning',
    'The row has values but no sample name and no measurement; it is not a sample.',
  ],
} as const satisfies Record<string, readonly [IssueSeverity, string]>;

export type SheetIssueCode = keyof typeof CODES;

export const getIssueSeverity = (code: SheetIssueCode): IssueSeverity => CODES[code][0];

export function sheetIssue(code: SheetIssueCode, path: string, message: string): SheetIssue {
  return { path, severity: getIssueSeverity(code), code, message };
}

/** Sheet issues, then every row's errors and warnings, as one QuoteIssue-shaped list (paths index `rows`). */
export function listSheetIssues(sheet: ParsedSheet): SheetIssue[] {
  const issues = [...sheet.issues];
  sheet.rows.forEach((row, index) => {
    for (const [severity, problems] of [
      ['error', row.errors],
      ['warning', row.warnings],
    ] as const) {
      for (const problem of problems) {
        issues.push({
          path: problem.field ? `rows[${index}].${problem.field}` : `rows[${index}]`,
          severity,
          code: problem.code,
          message: `Row ${row.rowNumber}: ${problem.message}`,
          rowNumber: row.rowNumber,
        });
      }
    }
  });
  return issues;
}
