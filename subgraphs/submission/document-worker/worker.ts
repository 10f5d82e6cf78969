// What runs inside the document worker (pool.ts): the quote reader (pdf2json and the vector reader, with the
// document's work budget), the quote reader's layout rules over a scan's page model (from the ai subgraph's OCR,
// each value's confidence lowered to the recognizer's for the words it was read from), or the sheet reader. The
// result is plain data, cloned back to the main thread.
import type { WorkerResult } from '../../kit/worker-pool.ts';
import { readQuote, readQuoteFromModel } from '../quote-pdf/parse-quote.ts';
import { forEachExtracted } from '../quote-pdf/plain-submission.ts';
import { pdf2jsonRunning } from '../quote-pdf/pdf2json.ts';
import type { PdfModel, ReadPdfOptions } from '../quote-pdf/read-pdf.ts';
import type { Box, QuoteParseResult } from '../quote-pdf/types.ts';
import { parseSampleSheet, type ParseSampleSheetOptions } from '../sheet/parse-sheet.ts';
import type { SheetParseResult } from '../sheet/types.ts';

export type DocumentJob =
  | { kind: 'PDF'; bytes: Uint8Array; options: ReadPdfOptions }
  | { kind: 'CSV'; bytes: Uint8Array; options: ParseSampleSheetOptions }
  /** A scan's page model (checked against kit/page-model.ts already) as JSON: jobs carry bytes. */
  | { kind: 'MODEL'; bytes: Uint8Array };

// pdf2json logs parse errors and warnings with console.*; they are reported through the result instead. (Piping
// the worker's stdout to the main thread would keep the process alive for as long as the idle worker lives.)
// eslint-disable-next-line no-console -- silencing, not logging
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) console[method] = () => {};

/** Not reusable after a document that ran out of its budget (whatever it left behind) or left pdf2json running. */
export type DocumentResult = WorkerResult<QuoteParseResult | SheetParseResult>;

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * A scan's values are no surer than the words they were read from: each value with a source box takes the lowest
 * recognizer confidence of the words on its page inside that box (the layout rules' own doubts stay).
 */
export function readScannedQuote(model: PdfModel): QuoteParseResult {
  const result = readQuoteFromModel(model);
  if (!result.ok) return result;
  const words = new Map(
    model.pages.map((page) => [page.number, page.texts.filter((t) => t.confidence !== undefined)]),
  );
  forEachExtracted(result.submission, (_path, value) => {
    const source = value.source;
    if (!source) return;
    for (const word of words.get(source.page) ?? []) {
      if (overlaps(word, source)) value.confidence = Math.min(value.confidence, word.confidence!);
    }
  });
  return result;
}

export async function runJob(job: DocumentJob): Promise<DocumentResult> {
  if (job.kind === 'MODEL') {
    const model = JSON.parse(Buffer.from(job.bytes).toString('utf8')) as PdfModel;
    return { result: readScannedQuote(model), reusable: true };
  }
  const result =
    job.kind === 'PDF'
      ? await readQuote(job.bytes, job.options)
      : await parseSampleSheet(job.bytes, job.options);
  const exhausted = !result.ok && result.error.code === 'PARSE_BUDGET_EXCEEDED';
  return { result, reusable: !exhausted && pdf2jsonRunning() === 0 };
}
