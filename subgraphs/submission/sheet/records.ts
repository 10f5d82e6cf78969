// Text -> CSV records, with csv-parse (RFC 4180: quoted fields with delimiters, doubled quotes and line breaks).
// Line ends are made \n first, so CRLF, LF, old-Mac CR and a mix of them all read alike (a line break inside a
// quoted cell becomes \n too). Records come one at a time from the streaming parser, so the caller can stop early.
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { SampleSheetFailure, sampleSheetError } from './errors.ts';
import type { SheetDelimiter, SheetDocumentInfo } from './types.ts';

export interface CsvRecord {
  cells: string[];
  /** 1-based, every record counted (blank ones too): the row a spreadsheet shows. */
  recordNumber: number;
  /** The text line the record starts on. */
  line: number;
}

export interface PreparedText {
  text: string;
  /** Set when the file's first line is Excel's `sep=;` hint (that line is then removed). */
  declaredDelimiter: SheetDelimiter | null;
  /** Lines removed from the top (the `sep=` line), added back to line numbers. */
  lineOffset: number;
  lineEnding: SheetDocumentInfo['lineEnding'];
}

const DELIMITERS: readonly SheetDelimiter[] = [',', ';', '\t'];
const SLICE_CHARS = 64 * 1024;

function detectLineEnding(text: string): SheetDocumentInfo['lineEnding'] {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const cr = (text.match(/\r/g)?.length ?? 0) - crlf;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  const kinds = [crlf > 0, cr > 0, lf > 0].filter(Boolean).length;
  if (kinds === 0) return 'none';
  if (kinds > 1) return 'mixed';
  return crlf > 0 ? 'CRLF' : cr > 0 ? 'CR' : 'LF';
}

/** Normalises line ends and takes off Excel's `sep=X` line. */
export function prepareText(text: string): PreparedText {
  const lineEnding = detectLineEnding(text);
  const normalised = text.replace(/\r\n?/g, '\n');
  const sep = /^sep=(.)\n/i.exec(normalised);
  const declared =
    sep && (DELIMITERS as readonly string[]).includes(sep[1]!) ? (sep[1] as SheetDelimiter) : null;
  return declared
    ? { text: normalised.slice(sep![0].length), declaredDelimiter: declared, lineOffset: 1, lineEnding }
    : { text: normalised, declaredDelimiter: null, lineOffset: 0, lineEnding };
}

/** The delimiter that splits the first non-blank line (the header) most often, outside quotes; comma on a tie. */
export function sniffDelimiter(text: string): SheetDelimiter {
  const header = /^[^\S\n]*\S.*$/m.exec(text)?.[0] ?? '';
  const counts = new Map<SheetDelimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char as SheetDelimiter))
      counts.set(char as SheetDelimiter, counts.get(char as SheetDelimiter)! + 1);
  }
  return DELIMITERS.reduce((best, d) => (counts.get(d)! > counts.get(best)! ? d : best), ',');
}

function* slices(text: string): Generator<string> {
  for (let start = 0; start < text.length; start += SLICE_CHARS) yield text.slice(start, start + SLICE_CHARS);
}

const parserOptions = (delimiter: SheetDelimiter) => ({
  delimiter,
  record_delimiter: '\n',
  relax_column_count: true,
  // A stray quote inside an unquoted cell (5" tube) is a character, not an error.
  relax_quotes: true,
  trim: true,
  info: true,
});

/** Where the record after the first `records` ones starts: re-read up to it (only on the error path). */
function locateRecord(text: string, delimiter: SheetDelimiter, records: number): number {
  if (records === 0) return 1;
  // With info: true every record comes as { record, info }; the sync API's type does not say so.
  const read = parseSync(text, { ...parserOptions(delimiter), to: records }) as unknown as Array<{
    info: { lines: number };
  }>;
  return (read.at(-1)?.info.lines ?? 0) + 1;
}

/** Every record of the text; a structural error (an unclosed quote) throws MALFORMED_CSV naming where. */
export async function* readRecords(
  text: string,
  delimiter: SheetDelimiter,
  lineOffset = 0,
): AsyncGenerator<CsvRecord> {
  const source = Readable.from(slices(text), { objectMode: false });
  const parser = source.pipe(parse(parserOptions(delimiter)));
  let recordNumber = 0;
  let nextLine = 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      recordNumber += 1;
      yield { cells: record, recordNumber, line: nextLine + lineOffset };
      nextLine = info.lines + 1;
    }
  } catch (error) {
    const { code, records } = error as { code?: unknown; records?: unknown };
    if (typeof code !== 'string' || !code.startsWith('CSV_') || typeof records !== 'number') throw error;
    // The stream drops the records it had buffered when it fails, so the parser's own count says where.
    const where = { row: records + 1, line: locateRecord(text, delimiter, records) + lineOffset };
    const why =
      code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'a quoted cell is never closed'
        : code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
          ? 'text follows a closing quote inside a cell'
          : 'the CSV structure is broken';
    throw new SampleSheetFailure(
      sampleSheetError(
        'MALFORMED_CSV',
        `Row ${where.row} (line ${where.line}): ${why}; no row after it can be read.`,
        {
          ...where,
          parserCode: code,
        },
      ),
    );
  } finally {
    source.destroy();
    parser.destroy();
  }
}
