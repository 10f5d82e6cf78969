// The object and shape reader on hand-made PDFs: page tree, encryption, filters, object streams, transforms.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PdfDocument } from './pdf-objects.ts';
import { writeTinyPdf } from './testing.ts';
import { readPageShapes } from './vector-shapes.ts';

const BUDGET = { maxOperators: 100_000, maxStreamBytes: 1_000_000 };

/**
 * A PDF 1.5-style file: the page dictionary inside a compressed object stream, content Flate-encoded (cut to its
 * first `keep` compressed bytes when given).
 */
function objectStreamPdf(content: string, keep?: number): Uint8Array {
  const header = '3 0 ';
  const packed = deflateSync(
    `${header}<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>`,
  );
  const stream = deflateSync(content).subarray(0, keep);
  const text = (value: string): Buffer => Buffer.from(value, 'latin1');
  return new Uint8Array(
    Buffer.concat([
      text('%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'),
      text('2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n'),
      text(
        `5 0 obj << /Type /ObjStm /N 1 /First ${header.length} /Length ${packed.length} /Filter /FlateDecode >>\nstream\n`,
      ),
      packed,
      text(`\nendstream\nendobj\n4 0 obj << /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`),
      stream,
      text('\nendstream\nendobj\ntrailer << /Root 1 0 R /Size 6 >>\n%%EOF\n'),
    ]),
  );
}

describe('PdfDocument', () => {
  it('counts and walks pages, stopping at the limit', () => {
    const document = PdfDocument.open(writeTinyPdf(12));
    expect(document.declaredPageCount()).toBe(12);
    expect(document.pages(100)).toHaveLength(12);
    expect(document.pages(5)).toHaveLength(5);
    expect(document.pages(1)[0]!.mediaBox).toEqual([0, 0, 612, 792]);
  });

  it('sees encryption', () => {
    const encrypted = new Uint8Array(
      readFileSync(fileURLToPath(new URL('../../../test/fixtures/quotes/encrypted.pdf', import.meta.url))),
    );
    expect(PdfDocument.open(encrypted).encrypted).toBe(true);
    expect(PdfDocument.open(writeTinyPdf(1)).encrypted).toBe(false);
  });

  it('finds pages packed in an object stream and decodes Flate content', () => {
    const document = PdfDocument.open(objectStreamPdf('0 0 1 rg 10 20 30 40 re f'));
    const pages = document.pages(10);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.mediaBox).toEqual([0, 0, 200, 100]);
    const { shapes, complete } = readPageShapes(document, pages[0]!, BUDGET);
    expect(complete).toBe(true);
    // PDF y grows upwards from the bottom; boxes are from the top: 100 − (20 + 40) = 40.
    expect(shapes).toEqual([
      {
        box: { x: 10, y: 40, w: 30, h: 40 },
        fill: [0, 0, 1],
        stroke: null,
        lineWidth: 0,
        curved: false,
        order: 1,
      },
    ]);
  });

  it('keeps what a truncated Flate stream holds, and stops inflating a large one at the cap', () => {
    const content = Array.from({ length: 20_000 }, (_, i) => `${i} 0 m`).join('\n');
    const whole = deflateSync(content).length;
    const truncated = PdfDocument.open(objectStreamPdf(content, Math.floor(whole / 2)));
    const kept = Buffer.from(truncated.pageContent(truncated.pages(1)[0]!, 1_000_000)!).toString('latin1');
    expect(kept.length).toBeGreaterThan(content.length / 4);
    expect(content.startsWith(kept.trimEnd())).toBe(true);

    const large = PdfDocument.open(objectStreamPdf(' '.repeat(5_000_000)));
    expect(() => large.pageContent(large.pages(1)[0]!, 100_000)).toThrow(/larger than 100000 bytes/);
  });

  it('never throws on garbage, and finds nothing in it', () => {
    for (const bytes of [
      new Uint8Array(0),
      new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog'),
      writeTinyPdf(3).subarray(0, 200),
    ]) {
      const document = PdfDocument.open(bytes);
      expect(document.pages(10)).toEqual([]);
    }
  });
});

describe('readPageShapes', () => {
  const shapesOf = (drawing: string) => {
    const document = PdfDocument.open(writeTinyPdf(1, { pageDrawing: () => drawing }));
    return readPageShapes(document, document.pages(1)[0]!, BUDGET);
  };

  it.each([
    [
      'a filled grey rectangle',
      '0.5 g 100 600 10 10 re f',
      { x: 100, y: 182, w: 10, h: 10 },
      { fill: [0.5, 0.5, 0.5] },
    ],
    [
      'a stroked line, widened by half its width',
      '1 0 0 RG 2 w 50 50 m 150 50 l S',
      { x: 49, y: 741, w: 102, h: 2 },
      { stroke: [1, 0, 0] },
    ],
    [
      'a scaled and moved rectangle (cm)',
      'q 2 0 0 2 10 10 cm 0 g 0 0 5 5 re f Q',
      { x: 10, y: 772, w: 10, h: 10 },
      { fill: [0, 0, 0] },
    ],
    ['a CMYK fill', '0 0 0 1 k 0 0 10 10 re f', { x: 0, y: 782, w: 10, h: 10 }, { fill: [0, 0, 0] }],
  ])('%s', (_name, drawing, box, paint) => {
    const { shapes } = shapesOf(drawing);
    expect(shapes).toHaveLength(1);
    expect(shapes[0]!.box).toEqual(box);
    expect(shapes[0]).toMatchObject(paint);
  });

  it('restores the state after Q and marks curves', () => {
    const { shapes } = shapesOf('q 0 0 1 rg Q 10 10 m 20 20 30 20 40 10 c f');
    expect(shapes[0]).toMatchObject({ fill: [0, 0, 0], curved: true });
  });

  it('drops paths that are only clipped (n) and stops at the operator budget', () => {
    expect(shapesOf('0 0 10 10 re W n').shapes).toEqual([]);
    const document = PdfDocument.open(writeTinyPdf(1, { pageDrawing: () => '0 0 1 1 re f '.repeat(100) }));
    const limited = readPageShapes(document, document.pages(1)[0]!, { ...BUDGET, maxOperators: 20 });
    expect(limited.complete).toBe(false);
    expect(limited.shapes.length).toBeLessThan(20);
  });
});
