// The quote parser's entry point: PDF bytes -> a submission with per-field provenance and confidence, or a typed
// error. It never throws and never invents a value: what it cannot read is null and listed in `issues`.
// parseQuotePdf reads in a document worker (time, memory and work limits; the calling thread stays free);
// readQuote is the same reading in the calling thread, for the worker itself.
import { DocumentWorkerPool } from '../document-worker/pool.ts';
import { BudgetExceededError } from './budget.ts';
import { readCosts } from './cost-fields.ts';
import { quotePdfError, QuotePdfFailure } from './errors.ts';
import { readFormFields } from './form-fields.ts';
import { readGrid } from './grid.ts';
import { QUOTE_IDENTIFIER, readHeaderFields } from './header-fields.ts';
import { buildLines, type QuoteLayout } from './layout.ts';
import { applyOcrProvenance } from './ocr-provenance.ts';
import { defaultReadPdfOptions, readPdf, type PdfModel, type ReadPdfOptions } from './read-pdf.ts';
import type { QuoteIssue, QuoteParseResult } from './types.ts';

export interface ParseQuoteOptions extends ReadPdfOptions {
  /** The workers to read in; default a pool of two shared by every caller that passes none. */
  pool?: DocumentWorkerPool;
}

const defaultPools = new Map<number, DocumentWorkerPool>();

/** The shared pool for a heap limit (a worker's limit is set when it starts). */
function defaultPool(memoryLimitMb: number): DocumentWorkerPool {
  let pool = defaultPools.get(memoryLimitMb);
  if (!pool) {
    pool = new DocumentWorkerPool({ size: 2, memoryLimitMb, timeoutMs: defaultReadPdfOptions.timeoutMs });
    defaultPools.set(memoryLimitMb, pool);
  }
  return pool;
}

/** How many of the things every iLab quote prints are present (identifier, summary, form, grid). */
function quoteMarkers(layout: QuoteLayout, title: string | null): number {
  const has = (pattern: RegExp): boolean => layout.lines.some((line) => pattern.test(line.text));
  return [
    has(new RegExp(`^Identifier:?\\s*${QUOTE_IDENTIFIER.source}`)) || /^Quote for HTSF--/.test(title ?? ''),
    has(/^Service Requested:?/i) && has(/^Requester:?/i),
    has(/Nanopore Submission Form/i),
    has(/Sample Name/i) && has(/Nanodrop|Qubit/i),
  ].filter(Boolean).length;
}

/**
 * The quote's layout rules over a page model: a digital PDF's (readPdf) or a scanned one's (the ai subgraph's OCR,
 * subgraphs/kit/page-model.ts), so one set of rules reads both.
 */
export function readQuoteFromModel(model: PdfModel): QuoteParseResult {
  const textItems = model.pages.reduce(
    (sum, page) => sum + page.texts.filter((text) => text.text.trim()).length,
    0,
  );
  if (textItems === 0) {
    const images = model.pages.reduce((sum, page) => sum + page.images, 0);
    return {
      ok: false,
      error: quotePdfError('NO_TEXT_LAYER', undefined, { pages: model.pages.length, images }),
    };
  }
  const layout: QuoteLayout = { pages: model.pages, lines: buildLines(model.pages) };
  if (quoteMarkers(layout, model.meta.title) < 2)
    return { ok: false, error: quotePdfError('NOT_AN_ILAB_QUOTE') };

  const issues: QuoteIssue[] = [];
  if (model.vectorLayer !== 'complete') {
    issues.push({
      path: 'form',
      severity: 'warning',
      code: 'VECTOR_LAYER_UNREADABLE',
      message: `the drawn checkbox marks could be read on ${model.vectorLayer === 'partial' ? 'some' : 'no'} pages`,
    });
  }
  const header = readHeaderFields(layout, model.meta.title, issues);
  const form = readFormFields(layout, issues);
  const rows = readGrid(layout, issues);
  const costs = readCosts(layout, issues);
  const submission = { ...header, form, costs, rows, issues };
  if (model.pages.some((page) => page.origin === 'OCR')) applyOcrProvenance(submission, model.pages);
  return {
    ok: true,
    submission,
    document: {
      pageCount: model.pages.length,
      title: model.meta.title || null,
      creator: model.meta.creator || null,
      producer: model.meta.producer || null,
      vectorLayer: model.vectorLayer,
    },
  };
}

/**
 * Parses an iLab quote PDF (the export with the embedded "HTSF Nanopore Submission Form DNA") in a document
 * worker. Resolves to `{ ok: true, submission, document }` or `{ ok: false, error }`; never rejects.
 */
export async function parseQuotePdf(
  bytes: Uint8Array,
  options: ParseQuoteOptions = {},
): Promise<QuoteParseResult> {
  const { pool, ...readOptions } = options;
  const limits = { ...defaultReadPdfOptions, ...readOptions };
  const workers = pool ?? defaultPool(limits.memoryLimitMb);
  const outcome = await workers.run({ kind: 'PDF', bytes, options: readOptions }, limits.timeoutMs);
  if (outcome.ok) return outcome.result as QuoteParseResult;
  return { ok: false, error: quotePdfError(outcome.failure.code, undefined, outcome.failure.detail) };
}

/** parseQuotePdf in the calling thread, without its time and memory limits: for the document worker. */
export async function readQuote(
  bytes: Uint8Array,
  options: ParseQuoteOptions = {},
): Promise<QuoteParseResult> {
  try {
    return readQuoteFromModel(await readPdf(bytes, options));
  } catch (error) {
    if (error instanceof QuotePdfFailure) return { ok: false, error: error.error };
    if (error instanceof BudgetExceededError)
      return {
        ok: false,
        error: quotePdfError('PARSE_BUDGET_EXCEEDED', undefined, { limit: error.limit, max: error.max }),
      };
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: quotePdfError('PARSER_FAILED', undefined, { reason }) };
  }
}
