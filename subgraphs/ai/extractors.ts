// What each kind of extraction job runs: a scanned quote is read by OCR into page models (the submission
// subgraph's quote reader applies its layout rules to them); any other document is drafted by the LLM.
import type { ExtractionKind } from '../kit/extraction-wire.ts';
import { JobError } from './jobs/errors.ts';
import type { Extractor } from './jobs/types.ts';
import type { Llm } from './llm/types.ts';
import { OcrError } from './ocr/errors.ts';
import { scanToPages } from './ocr/scan-to-pages.ts';

/** OCR failures worth another attempt: the machine was slow or short of memory, the input may be fine. */
const RETRYABLE_OCR = new Set(['PAGE_TIMEOUT', 'RENDER_TIMEOUT', 'RENDER_OUT_OF_MEMORY', 'RENDER_FAILED']);

const readScannedQuote: Extractor = async ({ document, signal, progress }) => {
  try {
    const { pages, ocrVersion } = await scanToPages(document, { signal, onPage: progress });
    return { result: { kind: 'PAGES', ocrVersion, pages }, versions: { ocrVersion } };
  } catch (error) {
    if (error instanceof OcrError)
      throw new JobError(error.code, error.message, RETRYABLE_OCR.has(error.code));
    throw error;
  }
};

function draftDocument(llm: Llm | null): Extractor {
  return async ({ job, document, signal }) => {
    if (!llm)
      throw new JobError(
        'LLM_NOT_CONFIGURED',
        'This document is not an iLab quote and no language model is configured (OLLAMA_HOST, OLLAMA_MODEL): fill the submission in by hand.',
      );
    const result = await llm.draftFromDocument({ bytes: document, mediaType: job.mediaType, signal });
    return { result, versions: { model: result.model, promptVersion: result.promptVersion } };
  };
}

export function createExtractors(llm: Llm | null): Record<ExtractionKind, Extractor> {
  return { SCANNED_QUOTE: readScannedQuote, DOCUMENT: draftDocument(llm) };
}
