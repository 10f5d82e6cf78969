// Entry point: a scanned document (a PDF of page images, or a PNG, JPEG or TIFF) → its pages' words in points.
import { OcrError } from './errors.ts';
import { RenderPool } from './render-pool.ts';
import type { RenderJob } from './render-worker.ts';
import { createRecognizer, type Recognizer } from './recognizer.ts';
import { DEFAULT_LIMITS, type OcrLimits, type OcrOptions, type OcrPage } from './types.ts';

/** Resolution PDF pages are rendered at: tesseract reads 10-pt print best at about 300 dpi. */
const DEFAULT_DPI = 300;
const DEFAULT_MAX_SKEW = 3;
/** Heap of a render worker: mupdf's and sharp's pixels live outside it; what is inside is deskew's copies. */
const RENDER_MEMORY_MB = 256;

let defaultPool: RenderPool | undefined;

/** The render pool of every caller that passes none. */
export const sharedRenderPool = (): RenderPool =>
  (defaultPool ??= new RenderPool({ size: 1, memoryLimitMb: RENDER_MEMORY_MB }));

/**
 * Reads every page of `bytes` by OCR. Throws an OcrError (errors.ts) for input it refuses: not an image, too many
 * pages or pixels, a document not rendered or a page not read in time. Pages are rendered and straightened one at
 * a time in a render worker (render-pool.ts), then read by one recognizer, closed before returning.
 */
export async function readScan(bytes: Uint8Array, options: OcrOptions = {}): Promise<OcrPage[]> {
  const { pool = sharedRenderPool(), ...rest } = options;
  const limits = { ...DEFAULT_LIMITS, ...rest };
  const job = renderJob(bytes, options, limits);
  const deadline = performance.now() + limits.renderTimeoutMs;
  const pages: OcrPage[] = [];
  let recognizer: Recognizer | undefined;
  try {
    for (let index = 0, count = 1; index < count; index++) {
      const page = await renderPage(pool, { ...job, index }, deadline - performance.now());
      count = page.count;
      const { image } = page;
      recognizer ??= await createRecognizer();
      const started = performance.now();
      const words = await recognizer.read(image, limits.pageTimeoutMs);
      pages.push({
        number: image.number,
        width: Math.round((image.width * 7200) / image.dpi) / 100,
        height: Math.round((image.height * 7200) / image.dpi) / 100,
        dpi: image.dpi,
        skewDegrees: page.skewDegrees,
        words,
        recognizeMs: Math.round(performance.now() - started),
      });
    }
  } finally {
    await recognizer?.close();
  }
  return pages;
}

/** What every page's render job shares (its index is added per page). */
export function renderJob(
  bytes: Uint8Array,
  options: OcrOptions,
  limits: OcrLimits,
): Omit<RenderJob, 'index'> {
  return {
    bytes,
    dpi: Math.min(400, Math.max(150, options.dpi ?? DEFAULT_DPI)),
    maxSkewDegrees: options.maxSkewDegrees ?? DEFAULT_MAX_SKEW,
    limits,
  };
}

export async function renderPage(pool: RenderPool, job: RenderJob, timeoutMs: number) {
  const outcome = await pool.run(job, Math.max(0, timeoutMs));
  if (!outcome.ok) {
    const { code, detail } = outcome.failure;
    const messages = {
      RENDER_TIMEOUT: `The document was not rendered within ${job.limits.renderTimeoutMs} ms.`,
      RENDER_OUT_OF_MEMORY: `Rendering page ${job.index + 1} ran out of its ${detail.memoryLimitMb} MB of memory.`,
      RENDER_FAILED: `Rendering page ${job.index + 1} failed: ${detail.reason ?? `exit code ${detail.exitCode}`}.`,
    };
    throw new OcrError(code, messages[code]);
  }
  const { result } = outcome;
  if (!result.ok) throw new OcrError(result.code, result.message);
  return result;
}
