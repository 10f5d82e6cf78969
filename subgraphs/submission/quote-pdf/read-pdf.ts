// PDF bytes -> a typed page model: text items (from pdf2json, run in a worker with a time and memory limit) and
// painted shapes (vector-shapes.ts), all in points from the page's top-left corner. Every way a file can fail
// ends here as a QuotePdfFailure with a typed code; nothing else escapes.
import { Worker } from 'node:worker_threads';
import { QuotePdfFailure, quotePdfError } from './errors.ts';
import { PdfDocument, StreamTooLargeError, type PdfPageNode } from './pdf-objects.ts';
import { readPageShapes, type PaintedShape } from './vector-shapes.ts';
import type { Box } from './types.ts';

export interface ReadPdfOptions {
  /** Largest file accepted, in bytes. Default 20 MiB (the real quote is 59 kB). */
  maxBytes?: number;
  /** Most pages accepted; a quote has 5. Default 50. */
  maxPages?: number;
  /** Wall-clock limit for reading the PDF, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Heap limit of the worker that runs pdf2json, in MB. Default 256. */
  memoryLimitMb?: number;
}

export const defaultReadPdfOptions: Required<ReadPdfOptions> = {
  maxBytes: 20 * 1024 * 1024,
  maxPages: 50,
  timeoutMs: 30_000,
  memoryLimitMb: 256,
};

/** One run of text as pdf2json reports it (a glyph, or a word, depending on the PDF producer). */
export interface TextItem extends Box {
  page: number;
  text: string;
  /** y of the baseline, points from the top. */
  baseline: number;
  /** Approximate font size, points. */
  size: number;
  bold: boolean;
}

export interface PdfPageModel {
  number: number;
  width: number;
  height: number;
  texts: TextItem[];
  shapes: PaintedShape[];
  images: number;
  /** The page's drawings were read in full. */
  vectorComplete: boolean;
}

export interface PdfModel {
  pages: PdfPageModel[];
  meta: { title: string | null; creator: string | null; producer: string | null };
  vectorLayer: 'complete' | 'partial' | 'missing';
}

interface WorkerText {
  x: number;
  y: number;
  w: number;
  text: string;
  size: number;
  bold: boolean;
}

interface WorkerPage {
  width: number;
  height: number;
  texts: WorkerText[];
}

type WorkerMessage =
  | { type: 'done'; meta: PdfModel['meta']; pages: WorkerPage[] }
  | { type: 'error'; code?: 'TOO_MANY_PAGES'; message: string };

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

function runPdf2json(bytes: Uint8Array, options: Required<ReadPdfOptions>): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    // A copy: pdf2json ignores a view's byteOffset (STACK.md), and the copy is transferred, not cloned.
    const copy = new Uint8Array(bytes);
    const worker = new Worker(new URL('./pdf2json-worker.mjs', import.meta.url), {
      workerData: { bytes: copy, maxPages: options.maxPages },
      transferList: [copy.buffer],
      resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb },
      stdout: true,
      stderr: true,
      env: { PDF2JSON_DISABLE_LOGS: '1' },
    });
    // pdf2json logs parse errors with console.error; they are reported through the result instead.
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const timer = setTimeout(() => {
      const error = quotePdfError('PARSE_TIMEOUT', undefined, { timeoutMs: options.timeoutMs });
      finish(() => reject(new QuotePdfFailure(error)));
    }, options.timeoutMs);
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      action();
    };
    worker.on('message', (message: WorkerMessage) => finish(() => resolve(message)));
    worker.on('error', (error) =>
      finish(() =>
        reject(
          new QuotePdfFailure(
            quotePdfError('PARSER_FAILED', undefined, {
              reason: error instanceof Error ? error.message : String(error),
            }),
          ),
        ),
      ),
    );
    worker.on('exit', (code) =>
      finish(() =>
        reject(new QuotePdfFailure(quotePdfError('PARSER_FAILED', undefined, { exitCode: code }))),
      ),
    );
  });
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
function measurePointsPerWidthUnit(pages: WorkerPage[]): number {
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

function toTextItems(page: WorkerPage, pageNumber: number, pointsPerWidthUnit: number): TextItem[] {
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

function readShapes(
  document: PdfDocument,
  nodes: PdfPageNode[],
  pageCount: number,
): Array<{ shapes: PaintedShape[]; images: number; complete: boolean }> {
  const usable = nodes.length === pageCount;
  return Array.from({ length: pageCount }, (_, index) => {
    const node = nodes[index];
    if (!usable || !node || node.rotate % 360 !== 0) return { shapes: [], images: 0, complete: false };
    try {
      return readPageShapes(document, node, { maxOperators: 2_000_000, maxStreamBytes: 32 * 1024 * 1024 });
    } catch (error) {
      if (error instanceof StreamTooLargeError) return { shapes: [], images: 0, complete: false };
      throw error;
    }
  });
}

/** Reads a PDF into text items and shapes per page, or throws a QuotePdfFailure. */
export async function readPdf(bytes: Uint8Array, readOptions: ReadPdfOptions = {}): Promise<PdfModel> {
  const options = { ...defaultReadPdfOptions, ...readOptions };
  checkBytes(bytes, options);
  const document = PdfDocument.open(bytes);
  if (document.encrypted) fail('ENCRYPTED');
  const declared = document.declaredPageCount();
  const nodes = document.pages(options.maxPages + 1);
  if ((declared ?? 0) > options.maxPages || nodes.length > options.maxPages)
    fail('TOO_MANY_PAGES', undefined, {
      pages: Math.max(declared ?? 0, nodes.length),
      maxPages: options.maxPages,
    });

  const message = await runPdf2json(bytes, options);
  if (message.type === 'error') {
    if (message.code === 'TOO_MANY_PAGES') fail('TOO_MANY_PAGES', undefined, { maxPages: options.maxPages });
    throw failureFromParserMessage(message.message);
  }
  const pointsPerWidthUnit = measurePointsPerWidthUnit(message.pages);
  const shapes = readShapes(document, nodes, message.pages.length);
  const pages = message.pages.map((page, index): PdfPageModel => ({
    number: index + 1,
    width: page.width * UNIT_PT,
    height: page.height * UNIT_PT,
    texts: toTextItems(page, index + 1, pointsPerWidthUnit),
    shapes: shapes[index]!.shapes,
    images: shapes[index]!.images,
    vectorComplete: shapes[index]!.complete,
  }));
  const complete = pages.filter((page) => page.vectorComplete).length;
  return {
    pages,
    meta: message.meta,
    vectorLayer:
      complete === pages.length && pages.length > 0 ? 'complete' : complete > 0 ? 'partial' : 'missing',
  };
}
