// OCR of the real quote's scanned renditions, measured against the digital quote's own words and positions.
import * as mupdf from 'mupdf';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixture, REAL_QUOTE, SCAN_CLEAN, SCAN_NOISY } from '../../../test/helpers/fixtures.ts';
import { readScan } from './read-scan.ts';
import { digitalWords, matchWords, type WordMatch } from './testing.ts';
import type { OcrPage } from './types.ts';

const digital = digitalWords(readFixture(REAL_QUOTE));
/** A word counts as found when the same text is read with its left edge and baseline this close (points). */
const RADIUS = 8;

/** The header's values, word by word, as printed on page 1. */
const HEADER_WORDS = [
  'HTSF--JL-147',
  'July',
  '17,',
  '2025',
  'Joshua',
  'Leon',
  'joshleon@unc.edu',
  'Mitchell,',
  'Charles',
  'Mitchell',
  'mitchell@bio.unc.edu',
];

function headerMatches(matches: WordMatch[]): WordMatch[] {
  // Page 1 above the form: the quote header and the summary table.
  return matches.filter(
    (m) => m.digital.page === 1 && m.digital.box.y < 390 && HEADER_WORDS.includes(m.digital.text),
  );
}

function quantile(values: number[], q: number): number {
  const sorted = values.map(Math.abs).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

describe.each([
  // Measured: clean 783 / 872 words (89.8 %), noisy 765 / 872 (87.7 %). The misses are the same on both: a table
  // column of single "2"s that tesseract takes for vertical text, "µL" read as "uL", checkbox glyphs.
  { name: 'clean 300 dpi scan', fixture: SCAN_CLEAN, turned: 0, minFound: 0.88 },
  { name: 'noisy 200 dpi scan turned 1.5°', fixture: SCAN_NOISY, turned: 1.5, minFound: 0.86 },
])('$name', ({ fixture, turned, minFound }) => {
  let pages: OcrPage[];
  let matches: WordMatch[];
  beforeAll(async () => {
    pages = await readScan(readFixture(fixture));
    matches = matchWords(digital, pages, RADIUS);
  }, 300_000);

  it('reads every page at the size of the digital page', () => {
    expect(pages.map((p) => [p.number, p.width, p.height])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, 612, 792]),
    );
  });

  it('measures the turn of every page within 0.3°', () => {
    for (const page of pages) expect(Math.abs(page.skewDegrees - turned)).toBeLessThanOrEqual(0.3);
  });

  it('finds most of the digital words, at their places', () => {
    const found = matches.filter((m) => m.ocr);
    expect(found.length / digital.length).toBeGreaterThanOrEqual(minFound);
  });

  it('reads every header value word, where the digital quote prints it', () => {
    const header = headerMatches(matches);
    expect(new Set(header.map((m) => m.digital.text))).toEqual(new Set(HEADER_WORDS));
    for (const match of header) {
      expect(match.ocr, match.digital.text).not.toBeNull();
      expect(Math.abs(match.dx), match.digital.text).toBeLessThan(2);
      expect(Math.abs(match.dy), match.digital.text).toBeLessThan(1);
      expect(match.ocr!.confidence).toBeGreaterThan(0.8);
    }
  });

  it('places words within a point or two of the digital words after straightening', () => {
    const found = matches.filter((m) => m.ocr);
    // Left edges: tesseract's box is the ink, mupdf's the glyph's advance box, so a fraction of a point apart.
    expect(
      quantile(
        found.map((m) => m.dx),
        0.5,
      ),
    ).toBeLessThan(1);
    expect(
      quantile(
        found.map((m) => m.dx),
        0.95,
      ),
    ).toBeLessThan(2);
    expect(
      quantile(
        found.map((m) => m.dy),
        0.5,
      ),
    ).toBeLessThan(0.5);
    expect(
      quantile(
        found.map((m) => m.dy),
        0.95,
      ),
    ).toBeLessThan(1);
  });

  it('estimates the font size, and bold print has wider strokes', () => {
    const found = matches.filter((m) => m.ocr);
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
    // Measured on both scans: the line height tesseract reports is 1.0-1.06 em.
    expect(median(found.map((m) => m.ocr!.size / m.digital.size))).toBeGreaterThan(0.95);
    expect(median(found.map((m) => m.ocr!.size / m.digital.size))).toBeLessThan(1.15);
    // Stroke per em, measured on the noisy scan: regular 0.20, bold 0.26 (medians).
    const strokePerEm = (bold: boolean) =>
      median(found.filter((m) => m.digital.bold === bold).map((m) => m.ocr!.stroke / m.digital.size));
    expect(strokePerEm(true)).toBeGreaterThan(1.15 * strokePerEm(false));
  });
});

describe('a page image', () => {
  it('is read like a PDF page, at the resolution it says it was scanned at', async () => {
    const document = mupdf.Document.openDocument(readFixture(SCAN_NOISY), 'application/pdf');
    const scale = 200 / 72;
    const pixmap = document
      .loadPage(0)
      .toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceGray, false);
    const png = await sharp(pixmap.asPNG()).withMetadata({ density: 200 }).png().toBuffer();
    const [page] = await readScan(png);
    expect(page).toMatchObject({ number: 1, dpi: 200, width: 612, height: 792 });
    expect(Math.abs(page!.skewDegrees - 1.5)).toBeLessThanOrEqual(0.3);
    const header = headerMatches(matchWords(digital, [page!], RADIUS));
    expect(header.filter((m) => m.ocr).length).toBe(header.length);
  }, 120_000);
});
