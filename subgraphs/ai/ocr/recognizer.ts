// One tesseract.js worker (a worker thread) reading straightened page images into words placed in points. The
// English LSTM model comes from @tesseract.js-data/eng in node_modules: nothing is downloaded, and with caching off
// nothing is written to disk.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { OcrError } from './errors.ts';
import { paperAndInk, strokeWidth } from './levels.ts';
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
    // Tesseract takes encoded images; PNG at the lowest compression is the cheapest lossless one to make.
    const png = await sharp(page.pixels, { raw: { width: page.width, height: page.height, channels: 1 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    // A page past its time may have closed the recognizer while its image was encoded: tesseract.js would throw
    // from its terminated worker where no one awaits it.
    if (closed) return [];
    await worker.setParameters({
      tessedit_pageseg_mode: PSM.AUTO,
      user_defined_dpi: String(page.dpi),
    });
    const { data } = await worker.recognize(png, {}, { blocks: true, text: false });
    const toPoints = 72 / page.dpi;
    const { threshold } = paperAndInk(page.pixels);
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
            const { bbox } = word;
            const centre = (bbox.x0 + bbox.x1) / 2;
            words.push({
              text,
              box: {
                x: round(bbox.x0 * toPoints),
                y: round(bbox.y0 * toPoints),
                w: round((bbox.x1 - bbox.x0) * toPoints),
                h: round((bbox.y1 - bbox.y0) * toPoints),
              },
              baseline: round((y0 + slope * (centre - x0)) * toPoints),
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

  return {
    async read(page, timeoutMs) {
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
        return await Promise.race([recognize(page), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close,
  };
}
