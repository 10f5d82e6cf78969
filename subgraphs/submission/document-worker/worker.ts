// What runs inside the document worker (pool.ts): the quote reader (pdf2json and the vector reader, with the
// document's work budget), the sheet reader, or an extraction's result from the ai subgraph (extraction-result.ts:
// checked, and a scan's page model read by the quote reader's layout rules). The result is plain data, cloned
// back to the main thread.
import type { WorkerResult } from '../../kit/worker-pool.ts';
import { readQuote } from '../quote-pdf/parse-quote.ts';
import { readExtractionResult, type ExtractionRead } from './extraction-result.ts';
import { pdf2jsonRunning } from '../quote-pdf/pdf2json.ts';
import type { ReadPdfOptions } from '../quote-pdf/read-pdf.ts';
import type { QuoteParseResult } from '../quote-pdf/types.ts';
import { parseSampleSheet, type ParseSampleSheetOptions } from '../sheet/parse-sheet.ts';
import type { SheetParseResult } from '../sheet/types.ts';

export type DocumentJob =
  | { kind: 'PDF'; bytes: Uint8Array; options: ReadPdfOptions }
  | { kind: 'CSV'; bytes: Uint8Array; options: ParseSampleSheetOptions }
  /** An extraction's result (JSON) as the ai subgraph served it. */
  | { kind: 'EXTRACTION_RESULT'; bytes: Uint8Array };

// pdf2json logs parse errors and warnings with console.*; they are reported through the result instead. (Piping
// the worker's stdout to the main thread would keep the process alive for as long as the idle worker lives.)
// eslint-disable-next-line no-console -- silencing, not logging
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) console[method] = () => {};

/** Not reusable after a document that ran out of its budget (whatever it left behind) or left pdf2json running. */
export type DocumentResult = WorkerResult<QuoteParseResult | SheetParseResult | ExtractionRead>;

export async function runJob(job: DocumentJob): Promise<DocumentResult> {
  if (job.kind === 'EXTRACTION_RESULT') return { result: readExtractionResult(job.bytes), reusable: true };
  const result =
    job.kind === 'PDF'
      ? await readQuote(job.bytes, job.options)
      : await parseSampleSheet(job.bytes, job.options);
  const exhausted = !result.ok && result.error.code === 'PARSE_BUDGET_EXCEEDED';
  return { result, reusable: !exhausted && pdf2jsonRunning() === 0 };
}
