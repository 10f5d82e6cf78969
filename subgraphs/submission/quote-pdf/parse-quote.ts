// The quote parser's entry point: PDF bytes -> a submission with per-field provenance and confidence, or a typed
// error. It never throws and never invents a value: what it cannot read is null and listed in `issues`.
import { readCosts } from './cost-fields.ts';
import { quotePdfError, QuotePdfFailure } from './errors.ts';
import { readFormFields } from './form-fields.ts';
import { readGrid } from './grid.ts';
import { QUOTE_IDENTIFIER, readHeaderFields } from './header-fields.ts';
import { buildLines, type QuoteLayout } from './layout.ts';
import { readPdf, type PdfModel, type ReadPdfOptions } from './read-pdf.ts';
import type { QuoteIssue, QuoteParseResult } from './types.ts';

export type ParseQuoteOptions = ReadPdfOptions;

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

function readSubmission(model: PdfModel): QuoteParseResult {
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
  return {
    ok: true,
    submission: { ...header, form, costs, rows, issues },
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
 * Parses an iLab quote PDF (the export with the embedded "HTSF Nanopore Submission Form DNA").
 * Resolves to `{ ok: true, submission, document }` or `{ ok: false, error }`; never rejects.
 */
export async function parseQuotePdf(
  bytes: Uint8Array,
  options: ParseQuoteOptions = {},
): Promise<QuoteParseResult> {
  try {
    return readSubmission(await readPdf(bytes, options));
  } catch (error) {
    if (error instanceof QuotePdfFailure) return { ok: false, error: error.error };
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: quotePdfError('PARSER_FAILED', undefined, { reason }) };
  }
}
