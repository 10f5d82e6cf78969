// What runs inside the text worker (document-text.ts): a PDF's text layer, page by page, read by mupdf. The
// result is plain data, cloned back to the calling thread; a refusal comes back as a message.
import * as mupdf from 'mupdf';
import type { WorkerResult } from '../../kit/worker-pool.ts';

export interface TextJob {
  bytes: Uint8Array;
  maxPages: number;
  /** Characters kept; the rest of the document is not read. */
  maxChars: number;
}

export type TextResult =
  { ok: true; text: string; pages: number; truncated: boolean } | { ok: false; message: string };

/** Not reusable after anything but a text: mupdf may have been left in any state. */
export async function runJob(job: TextJob): Promise<WorkerResult<TextResult>> {
  let document: mupdf.Document | null = null;
  try {
    document = mupdf.Document.openDocument(job.bytes, 'application/pdf');
    const pages = document.countPages();
    if (pages > job.maxPages)
      return refuse(`The document has ${pages} pages; at most ${job.maxPages} are read.`, true);
    let text = '';
    let truncated = false;
    for (let i = 0; i < pages && !truncated; i++) {
      const page = document.loadPage(i);
      const pageText = page.toStructuredText('preserve-whitespace').asText();
      page.destroy();
      text += (i > 0 ? '\n\f\n' : '') + pageText;
      if (text.length > job.maxChars) {
        text = text.slice(0, job.maxChars);
        truncated = true;
      }
    }
    return { result: { ok: true, text, pages, truncated }, reusable: true };
  } catch (error) {
    return refuse(
      `The PDF cannot be opened: ${error instanceof Error ? error.message : String(error)}`,
      false,
    );
  } finally {
    document?.destroy();
  }
}

function refuse(message: string, reusable: boolean): WorkerResult<TextResult> {
  return { result: { ok: false, message: message.slice(0, 500) }, reusable };
}
