// What OCR of a scanned document returns: per page, the words tesseract read, placed in PDF points from the
// page's top-left corner of the straightened page (so a rule written for a digital page reads them in place).
import type { RenderPool } from './render-pool.ts';

/** A rectangle in PDF points (1/72 inch), origin at the page's top-left corner. */
export interface OcrBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface OcrWord {
  text: string;
  box: OcrBox;
  /** y of the line's baseline under this word, points from the top. */
  baseline: number;
  /** Estimated font size (em), points: the line's height from ascender to descender. */
  size: number;
  /** Mean stroke width of the word's ink, points: bold print has wider strokes than regular print of its size. */
  stroke: number;
  /** The line tesseract put the word in, numbered from 1 in its reading order (block by block, not by y). */
  line: number;
  /** Tesseract's word confidence, 0-1. */
  confidence: number;
}

export interface OcrPage {
  /** 1-based. */
  number: number;
  /** Page size, points. */
  width: number;
  height: number;
  /** The resolution the page was read at. */
  dpi: number;
  /** How far the scan was turned, degrees clockwise as seen on the page; undone before reading. */
  skewDegrees: number;
  words: OcrWord[];
  /** Milliseconds spent recognising this page (not rendering or straightening). */
  recognizeMs: number;
}

export interface OcrLimits {
  /** Input bytes. */
  maxBytes: number;
  maxPages: number;
  /** Pixels of one page image (as stored, or as rendered at `dpi`). */
  maxPixels: number;
  /** Time to recognise one page; past it the recognizer is stopped. */
  pageTimeoutMs: number;
  /** Time to render (or decode) and straighten every page of a document; past it the render worker is replaced. */
  renderTimeoutMs: number;
}

export interface OcrOptions extends Partial<OcrLimits> {
  /** Resolution PDF pages are rendered at (150-400). */
  dpi?: number;
  /** Degrees searched either side of straight for the skew. */
  maxSkewDegrees?: number;
  /** The workers to render in; default a pool of one shared by every caller that passes none. */
  pool?: RenderPool;
}

export const DEFAULT_LIMITS: OcrLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxPages: 20,
  // A US Letter page at 400 dpi is 15 Mpx; a phone photo 12-50 Mpx.
  maxPixels: 40_000_000,
  pageTimeoutMs: 60_000,
  // About 1.5 s a page at 300 dpi on one core.
  renderTimeoutMs: 60_000,
};
