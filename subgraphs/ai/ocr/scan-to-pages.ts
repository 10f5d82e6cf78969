// A scanned document → the page model the quote reader's layout rules read (kit/page-model.ts), so one set of
// rules reads digital and scanned quotes. Texts are the OCR words; shapes are the ruling lines, control frames
// and marks found in the straightened page's pixels (page-shapes.ts, in the render worker). Ruled table cells
// holding ink are read cell by cell (stacked into one image), not by tesseract's page layout, which drops the
// quote's narrow Volume column and merges neighbouring cells.
import { readFileSync } from 'node:fs';
import { calibrateOcrWord } from '../../kit/calibration/ocr-word.ts';
import type { PageModel, TextItem } from '../../kit/page-model.ts';
import { OcrError } from './errors.ts';
import type { PageShapes, PixelBox } from './page-shapes.ts';
import { renderJob, renderPage, sharedRenderPool } from './read-scan.ts';
import { createRecognizer, type PageToRead, type Recognizer } from './recognizer.ts';
import { DEFAULT_LIMITS, type OcrOptions, type OcrWord } from './types.ts';

const packageVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(new URL(import.meta.resolve(`${name}/package.json`)), 'utf8')) as {
      version: string;
    }
  ).version;

/** What read the pages, recorded with every reading (a new model or engine reads differently). */
export const OCR_VERSION = `tesseract.js ${packageVersion('tesseract.js')} eng ${packageVersion('@tesseract.js-data/eng')} 4.0.0_best_int`;

/**
 * A line is bold when its median stroke width over size is this many times the page's median (most print is
 * regular). Stroke widths grow with blur and noise, so the page is its own reference. Measured on the real quote
 * (digital bold flags against OCR words): clean 300 dpi regular 0.150, bold 0.204; noisy 200 dpi regular 0.184,
 * bold 0.268. One word is too little ink to tell; a line is enough.
 */
const BOLD_PER_PAGE_STROKE = 1.2;
const MIN_BOLD_LETTERS = 4;
/**
 * The digital page model's sizes are pdf2json's, about 1.24 × the font size (quote-pdf/read-pdf.ts); tesseract's
 * row height is about the font size. OCR sizes are scaled to the digital ones, which the layout rules expect.
 */
const SIZE_PER_ROW_HEIGHT = 1.24;
/** As many shapes as a page model holds (kit/page-model.ts). */
const MAX_SHAPES = 20_000;
/** Cells read one by one on a page at most: past them a page ruled into thousands of cells keeps its layout. */
const MAX_CELL_READS = 600;
/** Cells stacked into one image for one recognition (tesseract's images are at most 32,767 pixels high). */
const CELLS_PER_PASS = 100;

export interface ScanToPagesOptions extends OcrOptions {
  signal?: AbortSignal;
  /** Called after each page is read, with pages done and the document's page count. */
  onPage?: (done: number, total: number) => void;
}

export interface ScannedPages {
  pages: PageModel[];
  ocrVersion: string;
}

function aborted(signal: AbortSignal | undefined): OcrError {
  const reason = signal?.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new OcrError('ABORTED', `Reading the scan was aborted${reason}.`);
}

/** `work`, or an ABORTED error as soon as the signal fires (then `onAbort` stops what is running). */
async function unlessAborted<T>(
  signal: AbortSignal | undefined,
  work: Promise<T>,
  onAbort: () => void,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) throw aborted(signal);
  let listener: (() => void) | undefined;
  const abort = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort();
      reject(aborted(signal));
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  try {
    return await Promise.race([work, abort]);
  } finally {
    signal.removeEventListener('abort', listener!);
  }
}

const inside = (box: PixelBox, x: number, y: number): boolean =>
  x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;

/** The share of a word's box (points) inside a pixel box. */
function overlapShare(word: OcrWord, box: PixelBox, toPx: number): number {
  const [x0, y0] = [word.box.x * toPx, word.box.y * toPx];
  const [x1, y1] = [x0 + word.box.w * toPx, y0 + word.box.h * toPx];
  const w = Math.min(x1, box.x + box.w) - Math.max(x0, box.x);
  const h = Math.min(y1, box.y + box.h) - Math.max(y0, box.y);
  const area = (x1 - x0) * (y1 - y0);
  return w > 0 && h > 0 && area > 0 ? (w * h) / area : 0;
}

/** Tesseract reads a sans-serif capital I as a bar; a table's column border is a bar too. */
const BAR = '|';
/** Below this confidence a word lying in a control is the control's frame misread as a glyph. */
const GLYPH_CONFIDENCE = 0.9;

/**
 * The page's words without the shapes tesseract read as text: a control's frame read as a glyph ("C", "(<", "¥":
 * a word lying mostly inside a control, read with little confidence or without a letter or digit), a column
 * border read as a bar. A bar anywhere else is the capital I of sans-serif print.
 */
function cleanWords(words: readonly OcrWord[], found: PageShapes, toPx: number): OcrWord[] {
  const borders = found.shapes.filter((shape) => shape.box.w <= 2 && shape.box.h >= 20);
  const onBorder = (word: OcrWord): boolean =>
    borders.some(
      (border) =>
        border.box.x + border.box.w >= word.box.x - 1 &&
        border.box.x <= word.box.x + word.box.w + 1 &&
        border.box.y <= word.box.y + word.box.h &&
        border.box.y + border.box.h >= word.box.y,
    );
  const glyph = (word: OcrWord): boolean =>
    (word.confidence < GLYPH_CONFIDENCE || !/[\p{L}\p{N}]/u.test(word.text)) &&
    found.controls.some((box) => overlapShare(word, box, toPx) > 0.5);
  return words
    .filter((word) => !glyph(word))
    .filter((word) => word.text !== BAR || !onBorder(word))
    .map((word) => (word.text === BAR ? { ...word, text: 'I' } : word));
}

/** What stands for ink the recognizer read nothing from: the layout rules see a value they cannot trust. */
export const UNREAD_INK = '?';

/**
 * A word of UNREAD_INK, confidence 0, for each inked cell from which no word was read: an empty reading of a cell
 * with ink is a missed value ("2" lost), not an empty cell, and must go to review rather than pass as empty.
 */
function unreadCells(cells: readonly PixelBox[], read: readonly OcrWord[], dpi: number): OcrWord[] {
  const toPt = 72 / dpi;
  const round = (n: number): number => Math.round(n * toPt * 100) / 100;
  return cells
    .filter((cell) => !read.some((word) => inside(cell, ...centreOf(word, dpi))))
    .map((cell) => ({
      text: UNREAD_INK,
      box: { x: round(cell.x), y: round(cell.y), w: round(cell.w), h: round(cell.h) },
      baseline: round(cell.y + 0.8 * cell.h),
      size: round(0.8 * cell.h),
      stroke: 0,
      line: -1,
      confidence: 0,
    }));
}

const centreOf = (word: OcrWord, dpi: number): [number, number] => [
  ((word.box.x + word.box.w / 2) * dpi) / 72,
  ((word.box.y + word.box.h / 2) * dpi) / 72,
];

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

/** Which words are bold: by their line's median stroke (a re-read cell's word, alone on its line, by its own). */
function boldWords(words: readonly OcrWord[], reread: ReadonlySet<OcrWord>): Set<OcrWord> {
  const ratio = (word: OcrWord): number => (word.size > 0 ? word.stroke / word.size : 0);
  const lines = new Map<number, number[]>();
  for (const word of words) {
    if (reread.has(word)) continue;
    lines.set(word.line, [...(lines.get(word.line) ?? []), ratio(word)]);
  }
  const threshold = BOLD_PER_PAGE_STROKE * median(words.map(ratio));
  const letters = new Map<number, number>();
  for (const word of words) letters.set(word.line, (letters.get(word.line) ?? 0) + word.text.length);
  const bold = new Set<OcrWord>();
  for (const word of words) {
    const line = reread.has(word) ? [ratio(word)] : lines.get(word.line)!;
    // The line says whether it is print in bold; the word says whether it is the bold label of a line whose
    // answer follows in regular print ("Approx. Genome Size  600").
    // A line of a few letters ("EB", a row number) is too little ink to tell: print is regular unless shown.
    const short = !reread.has(word) && (letters.get(word.line) ?? 0) < MIN_BOLD_LETTERS;
    if (!short && median(line) > threshold && ratio(word) > threshold) bold.add(word);
  }
  return bold;
}

function toText(word: OcrWord, page: number, bold: boolean): TextItem {
  return {
    page,
    text: word.text,
    x: word.box.x,
    y: word.box.y,
    w: word.box.w,
    h: word.box.h,
    baseline: word.baseline,
    size: Math.round(word.size * SIZE_PER_ROW_HEIGHT * 100) / 100,
    bold,
    // Calibrated (kit/calibration/): tesseract's own is too sure at 0.8-0.87 and too modest above 0.93. A word
    // read as nothing (0: unread ink) stays 0.
    confidence: word.confidence <= 0 ? 0 : calibrateOcrWord(word.confidence),
  };
}

/**
 * Reads every page of a scanned document into page models. Throws an OcrError for what it refuses (read-scan.ts)
 * and ABORTED when `signal` fires, between pages or within one (the recognizer is stopped).
 */
export async function scanToPages(
  bytes: Uint8Array,
  options: ScanToPagesOptions = {},
): Promise<ScannedPages> {
  const { pool = sharedRenderPool(), signal, onPage, ...rest } = options;
  const limits = { ...DEFAULT_LIMITS, ...rest };
  const job = renderJob(bytes, options, limits);
  const deadline = performance.now() + limits.renderTimeoutMs;
  const pages: PageModel[] = [];
  let recognizer: Recognizer | undefined;
  const stop = (): void => void recognizer?.close();
  try {
    for (let index = 0, count = 1; index < count; index++) {
      if (signal?.aborted) throw aborted(signal);
      const rendered = await unlessAborted(
        signal,
        renderPage(pool, { ...job, index }, deadline - performance.now()),
        () => {},
      );
      count = rendered.count;
      recognizer ??= await unlessAborted(signal, createRecognizer(), () => {});
      const page = await unlessAborted(
        signal,
        readPage(recognizer, rendered, limits.pageTimeoutMs, signal),
        stop,
      );
      pages.push(page);
      onPage?.(index + 1, count);
    }
  } finally {
    await recognizer?.close();
  }
  return { pages, ocrVersion: OCR_VERSION };
}

async function readPage(
  recognizer: Recognizer,
  rendered: Awaited<ReturnType<typeof renderPage>>,
  pageTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<PageModel> {
  const { image, found } = rendered;
  const page: PageToRead = image;
  const started = performance.now();
  const left = (): number => Math.max(1, pageTimeoutMs - (performance.now() - started));
  const toPx = image.dpi / 72;
  // Tesseract's page layout merges a table's narrow cells across their borders ("11.25" for "11 | 25") and takes
  // a column of single digits for vertical text: inside a ruled table, each cell is read on its own instead.
  const cells = found.inkedCells.slice(0, MAX_CELL_READS);
  const inCells = (word: OcrWord): number =>
    cells.reduce((sum, cell) => sum + overlapShare(word, cell, toPx), 0);
  const words = cleanWords(await recognizer.read(page, left()), found, toPx).filter(
    (word) => inCells(word) < 0.3,
  );
  const reread = new Set<OcrWord>();
  for (let from = 0; from < cells.length; from += CELLS_PER_PASS) {
    if (signal?.aborted) throw aborted(signal);
    for (const word of await recognizer.readCells(page, cells.slice(from, from + CELLS_PER_PASS), left())) {
      reread.add(word);
      words.push(word);
    }
  }
  words.push(...unreadCells(cells, [...reread], image.dpi));
  const bold = boldWords(words, reread);
  const width = Math.round((image.width * 7200) / image.dpi) / 100;
  const height = Math.round((image.height * 7200) / image.dpi) / 100;
  return {
    number: image.number,
    width,
    height,
    texts: words.map((word) => toText(word, image.number, bold.has(word))),
    shapes: found.shapes.slice(0, MAX_SHAPES),
    images: 1,
    vectorComplete: true,
    origin: 'OCR',
  };
}
