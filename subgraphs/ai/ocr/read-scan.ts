// Entry point: a scanned document (a PDF of page images, or a PNG, JPEG or TIFF) → its pages' words in points.
import { deskew } from './deskew.ts';
import { pageImages } from './page-images.ts';
import { createRecognizer, type Recognizer } from './recognizer.ts';
import { DEFAULT_LIMITS, type OcrOptions, type OcrPage } from './types.ts';

/** Resolution PDF pages are rendered at: tesseract reads 10-pt print best at about 300 dpi. */
const DEFAULT_DPI = 300;
const DEFAULT_MAX_SKEW = 3;

/**
 * Reads every page of `bytes` by OCR. Throws an OcrError (errors.ts) for input it refuses: not an image, too many
 * pages or pixels, a page past its time. One recognizer reads all pages and is closed before returning.
 */
export async function readScan(bytes: Uint8Array, options: OcrOptions = {}): Promise<OcrPage[]> {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const dpi = Math.min(400, Math.max(150, options.dpi ?? DEFAULT_DPI));
  const maxSkew = options.maxSkewDegrees ?? DEFAULT_MAX_SKEW;
  const pages: OcrPage[] = [];
  let recognizer: Recognizer | undefined;
  try {
    for await (const image of pageImages(bytes, dpi, limits)) {
      const straight = await deskew(image.pixels, image.width, image.height, image.dpi, maxSkew);
      recognizer ??= await createRecognizer();
      const started = performance.now();
      const words = await recognizer.read({ ...image, pixels: straight.pixels }, limits.pageTimeoutMs);
      pages.push({
        number: image.number,
        width: Math.round((image.width * 7200) / image.dpi) / 100,
        height: Math.round((image.height * 7200) / image.dpi) / 100,
        dpi: image.dpi,
        skewDegrees: straight.skewDegrees,
        words,
        recognizeMs: Math.round(performance.now() - started),
      });
    }
  } finally {
    await recognizer?.close();
  }
  return pages;
}
