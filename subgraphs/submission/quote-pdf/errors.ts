// Why a file could not be read as a quote at all. Each code has a description and a builder (the registry
// pattern of subgraphs/kit/errors.ts); the subgraph maps them to BAD_USER_INPUT with `extensions.reason`.

export interface QuotePdfError {
  code: QuotePdfErrorCode;
  message: string;
  /** Extra facts for logs and the UI (page count, limit, parser message); never file content. */
  detail?: Record<string, string | number>;
}

const DESCRIPTIONS = {
  EMPTY_FILE: 'The file has no bytes.',
  FILE_TOO_LARGE: 'The file is larger than the parser accepts (maxBytes).',
  NOT_A_PDF: 'The bytes do not start like a PDF.',
  ENCRYPTED: 'The PDF is encrypted or password-protected; iLab exports never are. Export the quote again.',
  CORRUPT_PDF: 'The PDF structure is damaged (truncated or not a complete PDF) and could not be read.',
  TOO_MANY_PAGES: 'The PDF has more pages than a quote can have (maxPages); it is not a single quote.',
  NO_TEXT_LAYER: 'The pages carry no text (a scan or an image); the quote must be the PDF iLab exports.',
  NOT_AN_ILAB_QUOTE: 'The PDF has text, but none of what an iLab quote always has (identifier, form, grid).',
  PARSE_TIMEOUT: 'Reading the PDF took longer than allowed (timeoutMs).',
  PARSE_BUDGET_EXCEEDED:
    'Reading the PDF needs more work than any quote does (detail.limit: decodedBytes, operations, nesting or memory); it was refused.',
  PARSER_FAILED: 'The PDF reader stopped unexpectedly on this file.',
} as const;

export type QuotePdfErrorCode = keyof typeof DESCRIPTIONS;

/** Every error code with what it means, e.g. for documentation or the schema's enum. */
export const QUOTE_PDF_ERROR_CODES: ReadonlyArray<{ code: QuotePdfErrorCode; description: string }> =
  Object.entries(DESCRIPTIONS).map(([code, description]) => ({
    code: code as QuotePdfErrorCode,
    description,
  }));

export function quotePdfError(
  code: QuotePdfErrorCode,
  message: string = DESCRIPTIONS[code],
  detail?: QuotePdfError['detail'],
): QuotePdfError {
  return detail ? { code, message, detail } : { code, message };
}

/** Thrown inside the reader to leave early with a typed error; parseQuotePdf turns it into a result. */
export class QuotePdfFailure extends Error {
  override name = 'QuotePdfFailure';

  constructor(readonly error: QuotePdfError) {
    super(error.message);
  }
}
