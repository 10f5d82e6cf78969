// Why a document could not be read by OCR. The code is stable (jobs record it); the message says what to do.
import type { RenderFailureCode } from './render-pool.ts';

export type OcrErrorCode =
  | 'NOT_AN_IMAGE'
  | 'UNREADABLE_IMAGE'
  | 'TOO_LARGE'
  | 'TOO_MANY_PAGES'
  | 'TOO_MANY_PIXELS'
  | 'PAGE_TIMEOUT'
  /** The caller's signal aborted the reading. */
  | 'ABORTED'
  | RenderFailureCode;

export class OcrError extends Error {
  constructor(
    readonly code: OcrErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OcrError';
  }
}
