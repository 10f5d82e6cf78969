// Runs pdf2json on one PDF inside a worker thread (started by read-pdf.ts). pdf2json can throw from its own
// callbacks, which would take the whole process down, and it parses pages in nextTick chains that starve timers;
// in a worker a crash only ends the worker and a timeout can terminate it. Plain JavaScript so that Node runs it
// without a TypeScript loader. Posts exactly one message: { type: 'done', meta, pages } or { type: 'error', ... }.
import { parentPort, workerData } from 'node:worker_threads';

const { bytes, maxPages } = workerData;

function post(message) {
  parentPort.postMessage(message);
}

// Keep only what the quote parser reads, so little crosses the thread boundary.
function slimPage(page) {
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

const { default: PDFParser } = await import('pdf2json');
const parser = new PDFParser(null, false);
let pageCount = 0;
parser.on('data', (page) => {
  if (page) pageCount += 1;
  if (pageCount > maxPages) {
    post({ type: 'error', code: 'TOO_MANY_PAGES', message: `more than ${maxPages} pages` });
    process.exit(0);
  }
});
parser.on('pdfParser_dataError', (error) => {
  const cause = error && typeof error === 'object' && 'parserError' in error ? error.parserError : error;
  post({ type: 'error', message: String(cause?.message ?? cause ?? 'unknown error') });
});
parser.on('pdfParser_dataReady', (data) => {
  const meta = data.Meta ?? {};
  post({
    type: 'done',
    meta: { title: meta.Title ?? null, creator: meta.Creator ?? null, producer: meta.Producer ?? null },
    pages: data.Pages.map(slimPage),
  });
});
parser.parseBuffer(bytes, 0);
