// Runs pdf2json on one PDF, in the thread that calls it: the document worker (../document-worker/), never the
// main thread. pdf2json can throw from its own callbacks and parses pages in nextTick chains that starve timers;
// in the worker a throw ends the worker (PARSER_FAILED) and the main thread's timer can still terminate it.
import PDFParser, { type Output } from 'pdf2json';

export interface Pdf2jsonText {
  x: number;
  y: number;
  w: number;
  text: string;
  size: number;
  bold: boolean;
}

export interface Pdf2jsonPage {
  width: number;
  height: number;
  texts: Pdf2jsonText[];
}

export type Pdf2jsonResult =
  | {
      type: 'done';
      meta: { title: string | null; creator: string | null; producer: string | null };
      pages: Pdf2jsonPage[];
    }
  | { type: 'error'; code?: 'TOO_MANY_PAGES'; message: string };

// Keep only what the quote parser reads.
function slimPage(page: Output['Pages'][number]): Pdf2jsonPage {
  return {
    width: page.Width,
    height: page.Height,
    texts: page.Texts.map((text) => ({
      x: text.x,
      y: text.y,
      w: text.w,
      text: text.R.map((run) => run.T).join(''),
      size: text.R[0]?.TS?.[1] ?? 0,
      bold: text.R[0]?.TS?.[2] === 1,
    })),
  };
}

let running = 0;

/** Parses still running in this thread (one left behind after TOO_MANY_PAGES keeps going in the background). */
export const pdf2jsonRunning = (): number => running;

const metaText = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The text of every page, or why pdf2json could not read them; stops after `maxPages` pages. */
export function runPdf2json(bytes: Uint8Array, maxPages: number): Promise<Pdf2jsonResult> {
  return new Promise((resolve) => {
    const parser = new PDFParser(null, false);
    running += 1;
    let pageCount = 0;
    parser.on('data', (page) => {
      if (page) pageCount += 1;
      if (pageCount > maxPages) {
        resolve({ type: 'error', code: 'TOO_MANY_PAGES', message: `more than ${maxPages} pages` });
        parser.destroy();
      }
    });
    parser.on('pdfParser_dataError', (error) => {
      running -= 1;
      const cause = 'parserError' in error ? error.parserError : error;
      resolve({ type: 'error', message: String(cause?.message ?? cause ?? 'unknown error') });
    });
    parser.on('pdfParser_dataReady', (data) => {
      running -= 1;
      const meta = data.Meta ?? {};
      resolve({
        type: 'done',
        meta: {
          title: metaText(meta.Title),
          creator: metaText(meta.Creator),
          producer: metaText(meta.Producer),
        },
        pages: data.Pages.map(slimPage),
      });
    });
    // A copy in a buffer of its own: pdf2json ignores a view's byteOffset.
    parser.parseBuffer(Buffer.from(new Uint8Array(bytes).buffer), 0);
  });
}
