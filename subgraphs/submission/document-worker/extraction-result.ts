// An extraction's result from the ai subgraph (kit/extraction-wire.ts ExtractionResult), read in the document
// worker like an upload: its JSON parsed and checked against the contract, and a scan's page model read by the
// quote reader's layout rules (which, on OCR pages, lower each value's confidence to its least sure word:
// quote-pdf/ocr-provenance.ts). Only plain data goes back to the main thread: a DRAFT's checked values, or the
// quote the scan holds.
import { extractionResultSchema, type ExtractionResult } from '../../kit/extraction-wire.ts';
import { readQuoteFromModel } from '../quote-pdf/parse-quote.ts';
import type { PdfModel } from '../quote-pdf/read-pdf.ts';
import type { QuoteParseResult } from '../quote-pdf/types.ts';

export type DraftResult = Extract<ExtractionResult, { kind: 'DRAFT' }>;

export type ExtractionRead =
  | { ok: true; kind: 'DRAFT'; draft: DraftResult }
  | { ok: true; kind: 'PAGES'; ocrVersion: string; pages: number; quote: QuoteParseResult }
  | { ok: false; error: { code: string; message: string } };

const invalid = (message: string): ExtractionRead => ({
  ok: false,
  error: { code: 'INVALID_RESULT', message },
});

export function readExtractionResult(bytes: Uint8Array): ExtractionRead {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch {
    return invalid('the result is not JSON');
  }
  const parsed = extractionResultSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return invalid(`${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  const result = parsed.data;
  if (result.kind === 'DRAFT') return { ok: true, kind: 'DRAFT', draft: result };
  const complete = result.pages.filter((p) => p.vectorComplete).length;
  const model: PdfModel = {
    pages: result.pages,
    meta: { title: null, creator: null, producer: null },
    vectorLayer: complete === result.pages.length ? 'complete' : complete > 0 ? 'partial' : 'missing',
  };
  return {
    ok: true,
    kind: 'PAGES',
    ocrVersion: result.ocrVersion,
    pages: result.pages.length,
    quote: readQuoteFromModel(model),
  };
}
