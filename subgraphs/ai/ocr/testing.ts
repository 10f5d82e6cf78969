// For tests and the bench: the digital quote's own words (mupdf's structured text), and how well OCR words match
// them, word by word and position by position.
import * as mupdf from 'mupdf';
import type { OcrBox, OcrPage, OcrWord } from './types.ts';

export interface DigitalWord {
  page: number;
  text: string;
  box: OcrBox;
  baseline: number;
  /** Font size (em), points. */
  size: number;
  bold: boolean;
}

/** The words of a digital PDF, split at spaces, in points from each page's top-left. */
export function digitalWords(bytes: Uint8Array): DigitalWord[] {
  const document = mupdf.Document.openDocument(bytes, 'application/pdf');
  const words: DigitalWord[] = [];
  for (let i = 0; i < document.countPages(); i++) {
    const text = document.loadPage(i).toStructuredText('preserve-whitespace');
    let current:
      (Omit<DigitalWord, 'page' | 'box'> & { x0: number; y0: number; x1: number; y1: number }) | null = null;
    const finish = (): void => {
      if (current?.text.trim()) {
        const { x0, y0, x1, y1 } = current;
        words.push({
          page: i + 1,
          text: current.text,
          box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 },
          baseline: current.baseline,
          size: current.size,
          bold: current.bold,
        });
      }
      current = null;
    };
    text.walk({
      onChar(c, origin, font, size, quad) {
        if (/\s/.test(c)) return finish();
        const xs = [quad[0], quad[2], quad[4], quad[6]];
        const ys = [quad[1], quad[3], quad[5], quad[7]];
        current ??= {
          text: '',
          x0: Infinity,
          y0: Infinity,
          x1: -Infinity,
          y1: -Infinity,
          baseline: origin[1],
          size,
          bold: font.isBold() || /bold/i.test(font.getName()),
        };
        current.text += c;
        current.x0 = Math.min(current.x0, ...xs);
        current.y0 = Math.min(current.y0, ...ys);
        current.x1 = Math.max(current.x1, ...xs);
        current.y1 = Math.max(current.y1, ...ys);
      },
      endLine: finish,
    });
  }
  return words;
}

const normalise = (text: string): string => text.normalize('NFKC');

export interface WordMatch {
  digital: DigitalWord;
  /** The OCR word read with the same text nearest the digital word, or null. */
  ocr: OcrWord | null;
  /** Distance between the two boxes' left edges and baselines, points. */
  dx: number;
  dy: number;
}

/** Each digital word paired with an OCR word of the same text within `radius` points on the same page. */
export function matchWords(digital: DigitalWord[], pages: OcrPage[], radius: number): WordMatch[] {
  return digital.map((word) => {
    const page = pages.find((p) => p.number === word.page);
    let best: WordMatch = { digital: word, ocr: null, dx: Infinity, dy: Infinity };
    for (const candidate of page?.words ?? []) {
      if (normalise(candidate.text) !== normalise(word.text)) continue;
      const dx = candidate.box.x - word.box.x;
      const dy = candidate.baseline - word.baseline;
      if (Math.hypot(dx, dy) <= radius && Math.hypot(dx, dy) < Math.hypot(best.dx, best.dy)) {
        best = { digital: word, ocr: candidate, dx, dy };
      }
    }
    return best;
  });
}
