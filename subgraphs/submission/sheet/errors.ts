// Why a file could not be read as a sample sheet at all (the registry pattern of ../quote-pdf/errors.ts). Row and
// column problems are not here: they are issues on a sheet that was read (issues.ts), and never sink good rows.

export interface SampleSheetError {
  code: SampleSheetErrorCode;
  message: string;
  /** Extra facts for logs and the UI (limit, line, headers found); never cell content beyond headers. */
  detail?: Record<string, string | number>;
}

const DESCRIPTIONS = {
  EMPTY_FILE: 'The file has no bytes, or only blank lines: there is no header row.',
  FILE_TOO_LARGE: 'The file is larger than the parser accepts (maxBytes).',
  NOT_TEXT:
    'The bytes are not text (a binary file, a spreadsheet workbook, a PDF or an image); save the sheet as CSV.',
  MALFORMED_CSV:
    'The CSV structure is broken (a quote opened and never closed, or text right after a closing quote), so no row after it can be located.',
  MISSING_REQUIRED_COLUMN: 'The header row has no sample name column (sample_name or one of its aliases).',
  TOO_MANY_ROWS: 'The sheet has more data rows than one submission may hold (maxRows); nothing was taken.',
  PARSE_TIMEOUT: 'Reading the sheet took longer than allowed.',
  PARSE_BUDGET_EXCEEDED:
    'Reading the sheet needs more memory than any sheet does (detail.limit); it was refused.',
  PARSER_FAILED: 'The sheet reader stopped unexpectedly on this file.',
} as const;

export type SampleSheetErrorCode = keyof typeof DESCRIPTIONS;

export function sampleSheetError(
  code: SampleSheetErrorCode,
  message: string = DESCRIPTIONS[code],
  detail?: SampleSheetError['detail'],
): SampleSheetError {
  return detail ? { code, message, detail } : { code, message };
}

/** Thrown inside the reader to leave early with a typed error; parseSampleSheet turns it into a result. */
export class SampleSheetFailure extends Error {
  override name = 'SampleSheetFailure';

  constructor(readonly error: SampleSheetError) {
    super(error.message);
  }
}
