// A CSV sample sheet -> a ParsedSheet: decode, find the header, map its columns, validate every row. Bad rows are
// returned with their errors beside the good ones; only a file that cannot be read as a sheet at all (not text,
// broken CSV structure, no sample name column, too many rows) is an error result. More than maxRows data rows is
// refused whole (TOO_MANY_ROWS), never cut: a submission silently missing its last rows is worse than none.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decodeSheet } from './decode.ts';
import { SampleSheetFailure, sampleSheetError } from './errors.ts';
import { mapColumns } from './headers.ts';
import { sheetIssue } from './issues.ts';
import { prepareText, readRecords, sniffDelimiter } from './records.ts';
import { DEFAULT_SHEET_QC, type SheetQcOptions } from './sample-qc.ts';
import { summariseSheet } from './summarise-sheet.ts';
import type {
  DecimalSeparator,
  SheetColumn,
  SheetDelimiter,
  SheetIssue,
  SheetParseResult,
  SheetRow,
} from './types.ts';
import { markDuplicateNames, validateRow } from './validate-row.ts';

export interface ParseSampleSheetOptions {
  /** Data rows (non-blank records after the header) one sheet may hold; more is TOO_MANY_ROWS. Default 10,000. */
  maxRows?: number;
  /** Bytes read at most; a larger file is FILE_TOO_LARGE. Default 16 MiB. */
  maxBytes?: number;
  /** Cell delimiter; `auto` takes Excel's `sep=` line, else what splits the header most. Default `auto`. */
  delimiter?: SheetDelimiter | 'auto';
  /** Decimal separator of number cells; `auto` is ',' in ';'-delimited sheets, else '.'. Default `auto`. */
  decimalSeparator?: DecimalSeparator | 'auto';
  /** The lab's QC guidance behind the warnings; each default in DEFAULT_SHEET_QC. */
  qc?: Partial<SheetQcOptions>;
}

export const DEFAULT_MAX_ROWS = 10_000;
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
/** Blank records beyond the data rows tolerated (Excel exports thousands of ",,,," rows after formatted ones). */
const MAX_BLANK_ROWS = 100_000;

const fail = (...args: Parameters<typeof sampleSheetError>) =>
  new SampleSheetFailure(sampleSheetError(...args));

async function readBytes(input: Uint8Array | Readable, maxBytes: number): Promise<Uint8Array> {
  if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes)
      throw fail('FILE_TOO_LARGE', undefined, { maxBytes, bytes: input.byteLength });
    return input;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.byteLength;
    if (size > maxBytes) {
      input.destroy();
      throw fail('FILE_TOO_LARGE', undefined, { maxBytes });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a CSV sample sheet. Stream errors from `input` are rethrown, not turned into a result: they are the
 * transport's failure, not the sheet's.
 */
export async function parseSampleSheet(
  input: Uint8Array | Readable,
  options: ParseSampleSheetOptions = {},
): Promise<SheetParseResult> {
  const { maxRows = DEFAULT_MAX_ROWS, maxBytes = DEFAULT_MAX_BYTES } = options;
  const qc: SheetQcOptions = { ...DEFAULT_SHEET_QC, ...options.qc };
  try {
    const bytes = await readBytes(input, maxBytes);
    if (bytes.byteLength === 0) throw fail('EMPTY_FILE');
    const decoded = decodeSheet(bytes);
    const prepared = prepareText(decoded.text);
    const delimiter =
      options.delimiter && options.delimiter !== 'auto'
        ? options.delimiter
        : (prepared.declaredDelimiter ?? sniffDelimiter(prepared.text));
    const decimal =
      options.decimalSeparator && options.decimalSeparator !== 'auto'
        ? options.decimalSeparator
        : delimiter === ';'
          ? ','
          : '.';

    let columns: SheetColumn[] | null = null;
    let issues: SheetIssue[] = [];
    const rows: SheetRow[] = [];
    let records = 0;
    let blankRows = 0;
    for await (const record of readRecords(prepared.text, delimiter, prepared.lineOffset)) {
      records = record.recordNumber;
      if (record.cells.every((cell) => cell === '')) {
        blankRows += 1;
        if (blankRows > MAX_BLANK_ROWS) {
          const message = `The sheet has more than ${MAX_BLANK_ROWS} blank rows.`;
          throw fail('TOO_MANY_ROWS', message, { maxBlankRows: MAX_BLANK_ROWS });
        }
        continue;
      }
      if (columns === null) {
        ({ columns, issues } = mapColumns(record.cells));
        if (!columns.some((column) => column.field === 'sampleName' && column.status === 'MAPPED')) {
          throw fail(
            'MISSING_REQUIRED_COLUMN',
            `The header row (row ${record.recordNumber}) has no sample name column; expected sample_name or an alias such as "Sample Name".`,
            {
              row: record.recordNumber,
              headers: record.cells.join(' | ').slice(0, 500),
            },
          );
        }
        continue;
      }
      if (rows.length === maxRows) {
        throw fail(
          'TOO_MANY_ROWS',
          `The sheet has more than ${maxRows} data rows; split it into several submissions.`,
          { maxRows },
        );
      }
      rows.push(
        validateRow(
          { rowNumber: record.recordNumber, line: record.line, cells: record.cells },
          { columns, decimal, qc },
        ),
      );
    }
    if (columns === null) throw fail('EMPTY_FILE');

    const nameColumn = columns.find((column) => column.field === 'sampleName' && column.status === 'MAPPED')!;
    markDuplicateNames(rows, nameColumn.header);
    const { stats, issues: summaryIssues } = summariseSheet(columns, rows, { records, blankRows });
    if (decoded.guessed) {
      issues.unshift(
        sheetIssue(
          'ENCODING_GUESSED',
          'document.encoding',
          'The file is not UTF-8; it was read as Windows-1252. Save it as "CSV UTF-8" to be sure every character is right.',
        ),
      );
    }
    return {
      ok: true,
      sheet: { columns, rows, issues: [...issues, ...summaryIssues], stats },
      document: {
        bytes: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        encoding: decoded.encoding,
        bom: decoded.bom,
        delimiter,
        decimalSeparator: decimal,
        lineEnding: prepared.lineEnding,
      },
    };
  } catch (error) {
    if (error instanceof SampleSheetFailure) return { ok: false, error: error.error };
    throw error;
  }
}
