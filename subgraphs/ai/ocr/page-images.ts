// Bytes → greyscale page images, one page at a time: a PDF's pages rendered by mupdf, or the frames of a PNG, JPEG
// or TIFF decoded by sharp. Every size is checked from the header (page boxes, image metadata) before any pixel is
// decoded, so a 50,000 × 50,000 image is refused without allocating it.
import * as mupdf from 'mupdf';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { OcrError } from './errors.ts';
import type { OcrLimits } from './types.ts';

export interface PageImage {
  /** 1-based. */
  number: number;
  /** 8-bit grey, one byte per pixel, rows without padding. */
  pixels: Uint8Array;
  width: number;
  height: number;
  dpi: number;
}

export type InputKind = 'pdf' | 'png' | 'jpeg' | 'tiff';

const SIGNATURES: [InputKind, number[]][] = [
  ['pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]], // %PDF-
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
];

/** What the bytes are, from their first bytes (a PDF may start after some junk, as readers allow). */
export function inputKind(bytes: Uint8Array): InputKind {
  for (const [kind, signature] of SIGNATURES) {
    if (signature.every((byte, i) => bytes[i] === byte)) return kind;
  }
  if (Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-')) return 'pdf';
  throw new OcrError('NOT_AN_IMAGE', 'Expected a PDF, PNG, JPEG or TIFF file; these bytes are none of them.');
}

function checkPages(count: number, limits: OcrLimits): void {
  if (count > limits.maxPages) {
    throw new OcrError(
      'TOO_MANY_PAGES',
      `The document has ${count} pages; at most ${limits.maxPages} are read.`,
    );
  }
}

function checkPixels(width: number, height: number, limits: OcrLimits, page: number): void {
  if (width * height > limits.maxPixels) {
    throw new OcrError(
      'TOO_MANY_PIXELS',
      `Page ${page} is ${Math.round(width)} × ${Math.round(height)} pixels; at most ` +
        `${limits.maxPixels.toLocaleString('en-US')} pixels a page are read.`,
    );
  }
}

function openPdf(bytes: Uint8Array): mupdf.Document {
  try {
    return mupdf.Document.openDocument(bytes, 'application/pdf');
  } catch (error) {
    throw new OcrError('UNREADABLE_IMAGE', `The PDF could not be opened: ${(error as Error).message}`);
  }
}

async function* pdfPages(bytes: Uint8Array, dpi: number, limits: OcrLimits): AsyncGenerator<PageImage> {
  const document = openPdf(bytes);
  try {
    const count = document.countPages();
    checkPages(count, limits);
    const scale = dpi / 72;
    for (let i = 0; i < count; i++) {
      const page = document.loadPage(i);
      const [x0, y0, x1, y1] = page.getBounds();
      checkPixels((x1 - x0) * scale, (y1 - y0) * scale, limits, i + 1);
      const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceGray, false);
      const [width, height, stride] = [pixmap.getWidth(), pixmap.getHeight(), pixmap.getStride()];
      const source = pixmap.getPixels();
      const pixels = new Uint8Array(width * height);
      for (let y = 0; y < height; y++) pixels.set(source.subarray(y * stride, y * stride + width), y * width);
      pixmap.destroy();
      page.destroy();
      yield { number: i + 1, pixels, width, height, dpi };
    }
  } finally {
    document.destroy();
  }
}

/** US Letter, the quotes' paper: an image without a usable resolution is taken to be a page this wide. */
const ASSUMED_PAGE_WIDTH_INCHES = 8.5;

async function* imagePages(bytes: Uint8Array, limits: OcrLimits): AsyncGenerator<PageImage> {
  // Metadata reads only the header; sharp's own pixel limit would refuse it there with a vaguer message, so it
  // guards the decoding alone.
  const header = { limitInputPixels: false, failOn: 'error' as const };
  const options = { ...header, limitInputPixels: limits.maxPixels };
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, header).metadata();
  } catch (error) {
    throw new OcrError('UNREADABLE_IMAGE', `The image could not be read: ${(error as Error).message}`);
  }
  const count = metadata.pages ?? 1;
  checkPages(count, limits);
  for (let i = 0; i < count; i++) {
    // Every frame of a TIFF has its own size; only the first is in the top-level metadata.
    const frame = i === 0 ? metadata : await sharp(bytes, { ...header, page: i }).metadata();
    checkPixels(frame.width, frame.height, limits, i + 1);
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      decoded = await sharp(bytes, { ...options, page: i })
        .autoOrient()
        .toColourspace('b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new OcrError(
        'UNREADABLE_IMAGE',
        `Page ${i + 1} could not be decoded: ${(error as Error).message}`,
      );
    }
    const { width, height } = decoded.info;
    const density = frame.density ?? 0;
    // Cameras write 72 (or nothing); a scanner writes what it scanned at.
    const dpi = density >= 100 && density <= 1200 ? density : Math.round(width / ASSUMED_PAGE_WIDTH_INCHES);
    yield { number: i + 1, pixels: new Uint8Array(decoded.data), width, height, dpi };
  }
}

/** The pages of a document as greyscale images; PDFs are rendered at `dpi`. */
export function pageImages(bytes: Uint8Array, dpi: number, limits: OcrLimits): AsyncGenerator<PageImage> {
  if (bytes.length > limits.maxBytes) {
    throw new OcrError(
      'TOO_LARGE',
      `The file is ${bytes.length} bytes; at most ${limits.maxBytes} are read.`,
    );
  }
  return inputKind(bytes) === 'pdf' ? pdfPages(bytes, dpi, limits) : imagePages(bytes, limits);
}
