// Test helpers: a tiny PDF writer (for files that should not be committed, such as a 500-page PDF) and builders
// for synthetic pages, lines and shapes (for the geometry rules, tested without any PDF).
import type { TextLine } from './layout.ts';
import type { PdfPageModel, TextItem } from './read-pdf.ts';
import type { PaintedShape, Rgb } from './vector-shapes.ts';
import type { Box } from './types.ts';

export interface TinyPdfOptions {
  /** Text to print on each page with Helvetica 12 pt at (72, 720). */
  pageText?: (pageIndex: number) => string;
  /** Extra content-stream operators per page (drawings). */
  pageDrawing?: (pageIndex: number) => string;
  /** Overrides the page tree's /Count (to test files that lie about it). */
  declaredCount?: number;
}

const escapePdfString = (text: string): string => text.replace(/[\\()]/g, (char) => `\\${char}`);

/** A valid, uncompressed PDF with `pageCount` letter pages and a correct xref table. */
export function writeTinyPdf(pageCount: number, options: TinyPdfOptions = {}): Uint8Array {
  const objects: string[] = [];
  const pageIds: number[] = [];
  // 1: catalog, 2: pages, 3: font; pages and contents follow.
  const firstPageId = 4;
  for (let index = 0; index < pageCount; index += 1) {
    const pageId = firstPageId + index * 2;
    const text = options.pageText?.(index) ?? `Page ${index + 1}`;
    const content = `${options.pageDrawing?.(index) ?? ''}\nBT /F1 12 Tf 72 720 Td (${escapePdfString(text)}) Tj ET\n`;
    pageIds.push(pageId);
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${pageId + 1} 0 R ` +
      `/Resources << /Font << /F1 3 0 R >> >> >>`;
    objects[pageId + 1] =
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  }
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${options.declaredCount ?? pageCount} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';

  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id += 1) {
    offsets[id] = Buffer.byteLength(body, 'latin1');
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xrefOffset = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id += 1)
    body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, 'latin1'));
}

export function shape(
  box: Box,
  paint: { fill?: Rgb | null; stroke?: Rgb | null; curved?: boolean },
  order: number,
): PaintedShape {
  return {
    box,
    fill: paint.fill ?? null,
    stroke: paint.stroke ?? null,
    lineWidth: paint.stroke ? 0.5 : 0,
    curved: paint.curved ?? false,
    order,
  };
}

export function page(shapes: PaintedShape[], vectorComplete = true): PdfPageModel {
  return { number: 1, width: 612, height: 792, texts: [], shapes, images: 0, vectorComplete };
}

/** A one-item line of text at (x, baseline), 10 pt. */
export function line(text: string, x: number, baseline: number, bold = false): TextLine {
  const item: TextItem = {
    page: 1,
    text,
    x,
    y: baseline - 8,
    w: text.length * 5,
    h: 10,
    baseline,
    size: 10,
    bold,
  };
  return {
    index: 0,
    page: 1,
    baseline,
    items: [item],
    text,
    chars: [...text].map(() => item),
    x,
    right: x + item.w,
    bold,
    size: 10,
  };
}

/** A line made of separate text items, e.g. the cells of a grid row: [[text, x], ...], 10 pt. */
export function lineOf(
  segments: Array<[string, number]>,
  baseline: number,
  options: { bold?: boolean; page?: number } = {},
): TextLine {
  const pageNumber = options.page ?? 1;
  const items: TextItem[] = segments.map(([text, x]) => ({
    page: pageNumber,
    text,
    x,
    y: baseline - 8,
    w: text.length * 5,
    h: 10,
    baseline,
    size: 10,
    bold: options.bold ?? false,
  }));
  let text = '';
  const chars: Array<TextItem | null> = [];
  items.forEach((item, index) => {
    if (index > 0) {
      text += ' ';
      chars.push(null);
    }
    text += item.text;
    chars.push(...[...item.text].map(() => item));
  });
  return {
    index: 0,
    page: pageNumber,
    baseline,
    items,
    text,
    chars,
    x: items[0]!.x,
    right: items[items.length - 1]!.x + items[items.length - 1]!.w,
    bold: options.bold ?? false,
    size: 10,
  };
}

/** Numbers the lines in reading order, as buildLines does. */
export const indexed = (lines: TextLine[]): TextLine[] => lines.map((line, index) => ({ ...line, index }));
