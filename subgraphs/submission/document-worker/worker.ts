// What runs inside the document worker: the quote reader (pdf2json and the vector reader, with the document's
// work budget) or the sheet reader. The result is plain data, cloned back to the main thread.
import { readQuote } from '../quote-pdf/parse-quote.ts';
import { pdf2jsonRunning } from '../quote-pdf/pdf2json.ts';
import type { ReadPdfOptions } from '../quote-pdf/read-pdf.ts';
import type { QuoteParseResult } from '../quote-pdf/types.ts';
import { parseSampleSheet, type ParseSampleSheetOptions } from '../sheet/parse-sheet.ts';
import type { SheetParseResult } from '../sheet/types.ts';

export type DocumentJob =
  | { kind: 'PDF'; bytes: Uint8Array; options: ReadPdfOptions }
  | { kind: 'CSV'; bytes: Uint8Array; options: ParseSampleSheetOptions };

export interface DocumentResult {
  result: QuoteParseResult | SheetParseResult;
  /**
   * The worker may read another document: nothing of this one is still running, and it did not run out of its
   * budget (a worker that did is replaced, whatever it left behind).
   */
  reusable: boolean;
}

export async function readDocument(job: DocumentJob): Promise<DocumentResult> {
  const result =
    job.kind === 'PDF'
      ? await readQuote(job.bytes, job.options)
      : await parseSampleSheet(job.bytes, job.options);
  const exhausted = !result.ok && result.error.code === 'PARSE_BUDGET_EXCEEDED';
  return { result, reusable: !exhausted && pdf2jsonRunning() === 0 };
}
