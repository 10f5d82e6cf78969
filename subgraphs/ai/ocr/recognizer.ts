// One tesseract.js worker (a worker thread) reading straightened page images into words placed in points. The
// English LSTM model comes from @tesseract.js-data/eng in node_modules: nothing is downloaded, and with caching off
// nothing is written to disk.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { OcrError } from './errors.ts';
import { paperAndInk, strokeWidth } from './levels.ts';
import type { PixelBox } from './page-shapes.ts';
import type { OcrWord } from './types.ts';

/** The integer-quantised "best" LSTM model: as accurate as "best" on print, a quarter of the size of the default. */
const LANG_PATH = path.join(
  path.dirname(fileURLToPath(import.meta.resolve('@tesseract.js-data/eng/package.json'))),
  '4.0.0_best_int',
);

export interface PageToRead {
  number: number;
  pixels: Uint8Array;
  width: number;
  height: number;
  dpi: number;
}

export interface Recognizer {
  read(page: PageToRead, timeoutMs: number): Promise<OcrWord[]>;
  /** The words in some boxes of the page (table cells), each box read as a line of text, in page points. */
  readCells(page: PageToRead, boxes: readonly PixelBox[], timeoutMs: number): Promise<OcrWord[]>;
  close(): Promise<void>;
}

const round = (n: number): number => Math.round(n * 100) / 100;

export async function createRecognizer(): Promise<Recognizer> {
  const worker: Worker = await createWorker('eng', OEM.LSTM_ONLY, {
    langPath: LANG_PATH,
    gzip: true,
    cacheMethod: 'none',
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await worker.terminate();
  };

  async function recognize(page: PageToRead): Promise<OcrWord[]> {
    return recognizeImage(page, page, () => ({ x: 0, y: 0 }), PSM.AUTO, paperAndInk(page.pixels).threshold);
  }

  /**
   * Cells cut out of the page and stacked one above the other on white, each on its own line with a margin
   * (tesseract reads a glyph touching the edge badly), read in one pass as a block of lines: one recognition per
   * page rather than one per cell. Each word goes back to the cell its line came from.
   */
  async function recognizeCells(page: PageToRead, boxes: readonly PixelBox[]): Promise<OcrWord[]> {
    if (boxes.length === 0) return [];
    const margin = Math.round(page.dpi / 20);
    const width = Math.max(...boxes.map((box) => box.w)) + 2 * margin;
    const tops: number[] = [];
    let height = margin;
    for (const box of boxes) {
      tops.push(height);
      height += box.h + margin;
    }
    const pixels = new Uint8Array(width * height).fill(255);
    boxes.forEach((box, index) => {
      for (let y = 0; y < box.h; y++) {
        const from = (box.y + y) * page.width + box.x;
        pixels.set(page.pixels.subarray(from, from + box.w), (tops[index]! + y) * width + margin);
      }
    });
    const stack = { number: page.number, pixels, width, height, dpi: page.dpi };
    const offsetOf = (centreY: number): { x: number; y: number } | null => {
      const index = tops.findIndex((top, i) => centreY >= top && centreY < top + boxes[i]!.h);
      if (index < 0) return null;
      return { x: boxes[index]!.x - margin, y: boxes[index]!.y - tops[index]! };
    };
    return recognizeImage(stack, page, offsetOf, PSM.SINGLE_BLOCK, paperAndInk(page.pixels).threshold);
  }

  async function recognizeImage(
    image: PageToRead,
    page: PageToRead,
    /** Where an image's word (by the y of its centre) lies on the page; null: nowhere (dropped). */
    offsetOf: (centreY: number) => { x: number; y: number } | null,
    mode: PSM,
    threshold: number,
  ): Promise<OcrWord[]> {
    // Tesseract takes encoded images; PNG at the lowest compression is the cheapest lossless one to make.
    const png = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    // A page past its time may have closed the recognizer while its image was encoded: tesseract.js would throw
    // from its terminated worker where no one awaits it.
    if (closed) return [];
    await worker.setParameters({
      tessedit_pageseg_mode: mode,
      user_defined_dpi: String(page.dpi),
    });
    const { data } = await worker.recognize(png, {}, { blocks: true, text: false });
    const toPoints = 72 / page.dpi;
    const words: OcrWord[] = [];
    let lineNumber = 0;
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          lineNumber++;
          const { x0, y0, x1, y1 } = line.baseline;
          const slope = x1 === x0 ? 0 : (y1 - y0) / (x1 - x0);
          const size = line.rowAttributes.rowHeight * toPoints;
          for (const word of line.words) {
            const text = word.text.trim();
            if (!text) continue;
            const offset = offsetOf((word.bbox.y0 + word.bbox.y1) / 2);
            if (!offset) continue;
            const bbox = {
              x0: word.bbox.x0 + offset.x,
              y0: word.bbox.y0 + offset.y,
              x1: word.bbox.x1 + offset.x,
              y1: word.bbox.y1 + offset.y,
            };
            const centre = (bbox.x0 + bbox.x1) / 2;
            words.push({
              text,
              box: {
                x: round(bbox.x0 * toPoints),
                y: round(bbox.y0 * toPoints),
                w: round((bbox.x1 - bbox.x0) * toPoints),
                h: round((bbox.y1 - bbox.y0) * toPoints),
              },
              baseline: round((y0 + offset.y + slope * (centre - x0 - offset.x)) * toPoints),
              size: round(size),
              stroke: round(strokeWidth(page.pixels, page.width, bbox, threshold) * toPoints),
              line: lineNumber,
              confidence: Math.round(word.confidence * 10) / 1000,
            });
          }
        }
      }
    }
    return words;
  }

  async function withinTime<T>(page: PageToRead, timeoutMs: number, work: Promise<T>): Promise<T> {
    if (closed) throw new Error('the recognizer is closed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // A page that runs past its time stops the worker thread: the recognizer cannot be used again.
        void close();
        reject(new OcrError('PAGE_TIMEOUT', `Page ${page.number} was not read within ${timeoutMs} ms.`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    read: (page, timeoutMs) => withinTime(page, timeoutMs, recognize(page)),
    readCells: (page, boxes, timeoutMs) => withinTime(page, timeoutMs, recognizeCells(page, boxes)),
    close,
  };
}
