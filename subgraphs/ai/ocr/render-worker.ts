// What runs inside the render worker (render-pool.ts): one page of a document rendered or decoded, then
// straightened. The result is plain data, cloned back to the calling thread; a refusal comes back as its code and
// message (an OcrError does not cross threads).
import type { WorkerResult } from '../../kit/worker-pool.ts';
import { deskew } from './deskew.ts';
import { OcrError, type OcrErrorCode } from './errors.ts';
import { pageImage, type PageImage } from './page-images.ts';
import { findPageShapes, type PageShapes } from './page-shapes.ts';
import type { OcrLimits } from './types.ts';

export interface RenderJob {
  bytes: Uint8Array;
  /** 0-based. */
  index: number;
  dpi: number;
  maxSkewDegrees: number;
  limits: OcrLimits;
}

export type RenderResult =
  | { ok: true; count: number; image: PageImage; skewDegrees: number; found: PageShapes }
  | { ok: false; code: OcrErrorCode; message: string };

/** Not reusable after anything but a page or a refusal: mupdf or sharp may have been left in any state. */
export async function runJob(job: RenderJob): Promise<WorkerResult<RenderResult>> {
  try {
    const { count, image } = await pageImage(job.bytes, job.index, job.dpi, job.limits);
    const straight = await deskew(image.pixels, image.width, image.height, image.dpi, job.maxSkewDegrees);
    return {
      result: {
        ok: true,
        count,
        image: { ...image, pixels: straight.pixels },
        skewDegrees: straight.skewDegrees,
        // Found here, off the calling thread: a page is millions of pixels to scan.
        found: findPageShapes(straight.pixels, image.width, image.height, image.dpi),
      },
      reusable: true,
    };
  } catch (error) {
    if (error instanceof OcrError)
      return { result: { ok: false, code: error.code, message: error.message }, reusable: true };
    return {
      result: {
        ok: false,
        code: 'UNREADABLE_IMAGE',
        message: `The document could not be read: ${String(error)}`,
      },
      reusable: false,
    };
  }
}
