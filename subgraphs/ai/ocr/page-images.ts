// Bytes → greyscale page images, one page at a time: a PDF's pages rendered by mupdf, or the frames of a PNG, JPEG
// or TIFF decoded by sharp. Runs in the render worker (render-worker.ts), never on the main thread. Every size is
// checked from the header (page boxes and the images a page draws, image metadata) before any pixel is decoded, so
// a 50,000 × 50,000 image is refused without allocating it.
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

function checkImage(width: number, height: number, limits: OcrLimits, page: number): void {
  if (width * height > limits.maxPixels) {
    throw new OcrError(
      'TOO_MANY_PIXELS',
      `Page ${page} holds an image of ${width} × ${height} pixels; at most ` +
        `${limits.maxPixels.toLocaleString('en-US')} pixels an image are decoded.`,
    );
  }
}

/**
 * The images a PDF page draws, from their dictionaries (Width, Height), through its forms and soft masks: mupdf
 * decodes an image at its own size whatever size it is drawn at. Inline images (BI … EI in the content stream) are
 * not seen here; their size is bounded by the content stream's, itself bounded by the file's.
 */
function checkEmbeddedImages(page: mupdf.Page, limits: OcrLimits, number: number): void {
  if (!(page instanceof mupdf.PDFPage)) return;
  const seen = new Set<number>();
  const visitImage = (image: mupdf.PDFObject): void => {
    checkImage(image.get('Width').asNumber(), image.get('Height').asNumber(), limits, number);
    const mask = image.get('SMask');
    if (mask.isStream()) visitImage(mask);
  };
  const visit = (resources: mupdf.PDFObject): void => {
    const xobjects = resources.get('XObject');
    if (!xobjects.isDictionary()) return;
    xobjects.forEach((value) => {
      if (value.isIndirect()) {
        if (seen.has(value.asIndirect())) return;
        seen.add(value.asIndirect());
      }
      const subtype = value.get('Subtype');
      if (!subtype.isName()) return;
      if (subtype.asName() === 'Image') visitImage(value);
      else if (subtype.asName() === 'Form') visit(value.get('Resources'));
    });
  };
  visit(page.getObject().getInheritable('Resources'));
}

/** One rendered page and how many the document has. */
export interface RenderedPage {
  count: number;
  image: PageImage;
}

function openPdf(bytes: Uint8Array): mupdf.Document {
  try {
    return mupdf.Document.openDocument(bytes, 'application/pdf');
  } catch (error) {
    throw new OcrError('UNREADABLE_IMAGE', `The PDF could not be opened: ${(error as Error).message}`);
  }
}

function renderPdfPage(bytes: Uint8Array, index: number, dpi: number, limits: OcrLimits): RenderedPage {
  const document = openPdf(bytes);
  try {
    const count = document.countPages();
    checkPages(count, limits);
    const scale = dpi / 72;
    const page = document.loadPage(index);
    try {
      const [x0, y0, x1, y1] = page.getBounds();
      checkPixels((x1 - x0) * scale, (y1 - y0) * scale, limits, index + 1);
      checkEmbeddedImages(page, limits, index + 1);
      const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceGray, false);
      const [width, height, stride] = [pixmap.getWidth(), pixmap.getHeight(), pixmap.getStride()];
      const source = pixmap.getPixels();
      const pixels = new Uint8Array(width * height);
      for (let y = 0; y < height; y++) pixels.set(source.subarray(y * stride, y * stride + width), y * width);
      pixmap.destroy();
      return { count, image: { number: index + 1, pixels, width, height, dpi } };
    } finally {
      page.destroy();
    }
  } catch (error) {
    if (error instanceof OcrError) throw error;
    throw new OcrError(
      'UNREADABLE_IMAGE',
      `Page ${index + 1} could not be rendered: ${(error as Error).message}`,
    );
  } finally {
    document.destroy();
  }
}

/** US Letter, the quotes' paper: an image without a usable resolution is taken to be a page this wide. */
const ASSUMED_PAGE_WIDTH_INCHES = 8.5;

async function decodeImagePage(bytes: Uint8Array, index: number, limits: OcrLimits): Promise<RenderedPage> {
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
  // Every frame of a TIFF has its own size; only the first is in the top-level metadata.
  const frame = index === 0 ? metadata : await sharp(bytes, { ...header, page: index }).metadata();
  checkPixels(frame.width, frame.height, limits, index + 1);
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { ...options, page: index })
      .autoOrient()
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new OcrError(
      'UNREADABLE_IMAGE',
      `Page ${index + 1} could not be decoded: ${(error as Error).message}`,
    );
  }
  const { width, height } = decoded.info;
  const density = frame.density ?? 0;
  // Cameras write 72 (or nothing); a scanner writes what it scanned at.
  const dpi = density >= 100 && density <= 1200 ? density : Math.round(width / ASSUMED_PAGE_WIDTH_INCHES);
  return { count, image: { number: index + 1, pixels: new Uint8Array(decoded.data), width, height, dpi } };
}

/**
 * Page `index` (0-based) of a document as a greyscale image, with the document's page count; PDFs are rendered at
 * `dpi`. Every call checks the whole document's limits (its size, kind and page count) before decoding anything.
 */
export async function pageImage(
  bytes: Uint8Array,
  index: number,
  dpi: number,
  limits: OcrLimits,
): Promise<RenderedPage> {
  if (bytes.length > limits.maxBytes) {
    throw new OcrError(
      'TOO_LARGE',
      `The file is ${bytes.length} bytes; at most ${limits.maxBytes} are read.`,
    );
  }
  return inputKind(bytes) === 'pdf'
    ? renderPdfPage(bytes, index, dpi, limits)
    : decodeImagePage(bytes, index, limits);
}
