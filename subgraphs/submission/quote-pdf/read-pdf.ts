// PDF bytes -> a typed page model: text items (from pdf2json) and painted shapes (vector-shapes.ts), all in
// points from the page's top-left corner. Runs inside the document worker (../document-worker/), which enforces
// the time and memory limits; the work limits are the document's budget, shared by every stage. The object
// reader goes first: it refuses a compression bomb or an amplifying drawing before pdf2json, which has no such
// limits, reads a byte. Every way a file can fail ends here as a QuotePdfFailure with a typed code, or a
// BudgetExceededError; nothing else escapes.
import { DocumentBudget, defaultBudgetLimits, type DocumentBudgetLimits } from './budget.ts';
import { QuotePdfFailure, quotePdfError } from './errors.ts';
import { runPdf2json, type Pdf2jsonPage } from './pdf2json.ts';
import { PdfDocument, StreamTooLargeError, type PdfPageNode } from './pdf-objects.ts';
import { readPageShapes, type PaintedShape } from './vector-shapes.ts';
import type { PageModel, TextItem } from '../../kit/page-model.ts';

export interface ReadPdfOptions extends Partial<DocumentBudgetLimits> {
  /** Largest file accepted, in bytes. Default 20 MiB (the real quote is 59 kB). */
  maxBytes?: number;
  /** Most pages accepted; a quote has 5. Default 50. */
  maxPages?: number;
  /** Wall-clock limit for reading the PDF, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Heap limit of the worker that reads the document, in MB. Default 256. */
  memoryLimitMb?: number;
}

export const defaultReadPdfOptions: Required<ReadPdfOptions> = {
  maxBytes: 20 * 1024 * 1024,
  maxPages: 50,
  timeoutMs: 30_000,
  memoryLimitMb: 256,
  ...defaultBudgetLimits,
};

/** Largest decoded stream (or page content) the shape reader reads; a larger one leaves its page incomplete. */
const MAX_STREAM_BYTES = 32 * 1024 * 1024;

/** One run of text (a glyph or a word, depending on the PDF producer; a word for OCR), and the page it is on. */
export type { TextItem };

/** A page as the layout rules read it (kit/page-model.ts: a digital page here, a scanned one from OCR). */
export type PdfPageModel = PageModel;

export interface PdfModel {
  pages: PdfPageModel[];
  meta: { title: string | null; creator: string | null; producer: string | null };
  vectorLayer: 'complete' | 'partial' | 'missing';
}

/** pdf2json's unit: 1/24 of a pixel at its 1.5 viewport scale, i.e. 16 pt. */
const UNIT_PT = 16;
/** pdf2json shifts text by (−0.25, −0.75) units from the glyph origin; undone here. */
const TEXT_SHIFT_X = 0.25;
const TEXT_SHIFT_Y = 0.75;
/** pdf2json's style size is about 1.24 × the font's Tf size (measured on wkhtmltopdf output, Qt 4 and Qt 5). */
const STYLE_SIZE_PER_TF = 1.24;

const fail = (...args: Parameters<typeof quotePdfError>): never => {
  throw new QuotePdfFailure(quotePdfError(...args));
};

function checkBytes(bytes: Uint8Array, options: Required<ReadPdfOptions>): void {
  if (bytes.length === 0) fail('EMPTY_FILE');
  if (bytes.length > options.maxBytes)
    fail('FILE_TOO_LARGE', undefined, { bytes: bytes.length, maxBytes: options.maxBytes });
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  if (!head.includes('%PDF-')) fail('NOT_A_PDF');
}

function failureFromParserMessage(message: string): QuotePdfFailure {
  if (/password|encrypt/i.test(message))
    return new QuotePdfFailure(quotePdfError('ENCRYPTED', undefined, { reason: message }));
  return new QuotePdfFailure(quotePdfError('CORRUPT_PDF', undefined, { reason: message }));
}

/**
 * pdf2json's text width `w` is in the font's text-space units, not page units. The points per `w` unit are
 * measured from the document itself: the advance between consecutive one-glyph items on a line.
 */
function measurePointsPerWidthUnit(pages: Pdf2jsonPage[]): number {
  const ratios: number[] = [];
  for (const page of pages) {
    const texts = page.texts;
    for (let i = 0; i + 1 < texts.length && ratios.length < 2000; i += 1) {
      const a = texts[i]!;
      const b = texts[i + 1]!;
      if (a.y !== b.y || a.size !== b.size || a.text.trim().length !== 1 || a.w <= 0) continue;
      const ratio = ((b.x - a.x) * UNIT_PT) / a.w;
      if (ratio > 0.2 && ratio < 3) ratios.push(ratio);
    }
  }
  if (ratios.length < 10) return 0.75;
  ratios.sort((p, q) => p - q);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/** pdf2json pads a lone "C" or "G" with spaces (a quirk of its symbol-font check); undone here. */
const cleanText = (text: string): string => (text === ' C ' || text === ' G ' ? text.trim() : text);

function toTextItems(page: Pdf2jsonPage, pageNumber: number, pointsPerWidthUnit: number): TextItem[] {
  return page.texts
    .filter((text) => text.text.length > 0)
    .map((text) => {
      const size = (text.size / STYLE_SIZE_PER_TF) * pointsPerWidthUnit;
      const baseline = (text.y + TEXT_SHIFT_Y) * UNIT_PT;
      return {
        page: pageNumber,
        text: cleanText(text.text),
        x: (text.x + TEXT_SHIFT_X) * UNIT_PT,
        y: baseline - 0.8 * size,
        w: Math.max(0, text.w * pointsPerWidthUnit),
        h: size,
        baseline,
        size,
        bold: text.bold,
      };
    });
}

/**
 * The shapes of every page. A rotated page is read too (its drawing costs pdf2json the same work, so it counts
 * against the budget) but its shapes are not used: the geometry rules assume upright pages.
 */
function readShapes(
  document: PdfDocument,
  nodes: PdfPageNode[],
): Array<{ shapes: PaintedShape[]; images: number; complete: boolean }> {
  return nodes.map((node) => {
    try {
      const shapes = readPageShapes(document, node, {
        // No cap per page: the document's budget counts every operator, and running out refuses the document
        // (a page left incomplete would still be drawn in full by pdf2json).
        maxOperators: Number.MAX_SAFE_INTEGER,
        maxStreamBytes: MAX_STREAM_BYTES,
      });
      return node.rotate % 360 === 0 ? shapes : { shapes: [], images: 0, complete: false };
    } catch (error) {
      if (error instanceof StreamTooLargeError) return { shapes: [], images: 0, complete: false };
      throw error;
    }
  });
}

/**
 * Reads a PDF into text items and shapes per page, in the calling thread; throws a QuotePdfFailure, or a
 * BudgetExceededError when the document needs more work than its budget.
 */
export async function readPdf(bytes: Uint8Array, readOptions: ReadPdfOptions = {}): Promise<PdfModel> {
  const options = { ...defaultReadPdfOptions, ...readOptions };
  checkBytes(bytes, options);
  const budget = new DocumentBudget({
    maxDecodedBytes: options.maxDecodedBytes,
    maxOperations: options.maxOperations,
    maxNesting: options.maxNesting,
  });
  const document = PdfDocument.open(bytes, budget);
  if (document.encrypted) fail('ENCRYPTED');
  const declared = document.declaredPageCount();
  const nodes = document.pages(options.maxPages + 1);
  if ((declared ?? 0) > options.maxPages || nodes.length > options.maxPages)
    fail('TOO_MANY_PAGES', undefined, {
      pages: Math.max(declared ?? 0, nodes.length),
      maxPages: options.maxPages,
    });

  // Everything pdf2json will decode or draw is decoded and drawn here first, within the budget.
  document.decodeEveryStream();
  const shapes = readShapes(document, nodes);

  const message = await runPdf2json(bytes, options.maxPages);
  if (message.type === 'error') {
    if (message.code === 'TOO_MANY_PAGES') fail('TOO_MANY_PAGES', undefined, { maxPages: options.maxPages });
    throw failureFromParserMessage(message.message);
  }
  const pointsPerWidthUnit = measurePointsPerWidthUnit(message.pages);
  const usable = nodes.length === message.pages.length;
  const pages = message.pages.map((page, index): PdfPageModel => ({
    number: index + 1,
    width: page.width * UNIT_PT,
    height: page.height * UNIT_PT,
    texts: toTextItems(page, index + 1, pointsPerWidthUnit),
    shapes: usable ? shapes[index]!.shapes : [],
    images: usable ? shapes[index]!.images : 0,
    vectorComplete: usable && shapes[index]!.complete,
  }));
  const complete = pages.filter((page) => page.vectorComplete).length;
  return {
    pages,
    meta: message.meta,
    vectorLayer:
      complete === pages.length && pages.length > 0 ? 'complete' : complete > 0 ? 'partial' : 'missing',
  };
}
