// Text items -> lines, and the lookups the field readers share: find a label, take the text after it, take the
// text in an x range, box a set of items. Text is normalised here once (NFKC: µ U+00B5 becomes μ U+03BC,
// ligatures such as "ﬃ" become letters; non-breaking spaces become spaces).
import type { PdfPageModel, TextItem } from './read-pdf.ts';
import type { Box, SourceBox } from './types.ts';

export interface TextLine {
  /** Position of the line in reading order over the whole document. */
  index: number;
  page: number;
  baseline: number;
  /** Items sorted by x, whitespace-only items included. */
  items: TextItem[];
  /** Normalised text: spaces inferred from gaps, runs of spaces collapsed, trimmed. */
  text: string;
  /** For each character of `text`, the item it came from (null for an inferred space). */
  chars: Array<TextItem | null>;
  /** x of the first visible item, and right edge of the last. */
  x: number;
  right: number;
  /** Most of the visible characters are bold. */
  bold: boolean;
  /** Typical font size of the line, points. */
  size: number;
}

/** A stretch of a line: its text and the items that printed it. */
export interface TextSpan {
  text: string;
  items: TextItem[];
}

export const normalizeText = (text: string): string =>
  text.normalize('NFKC').replace(/[\u00a0\u2007\u202f]/g, ' ');

const isBlank = (item: TextItem): boolean => item.text.trim().length === 0;

/** Items whose baselines differ by less than this share a line (sub- and superscripts included). */
const LINE_TOLERANCE_PER_SIZE = 0.4;
/** A gap wider than this (× font size) between two items is a space. */
const SPACE_GAP_PER_SIZE = 0.2;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function makeLine(items: TextItem[], page: number, index: number): TextLine {
  const sorted = [...items].sort((a, b) => a.x - b.x);
  const visible = sorted.filter((item) => !isBlank(item));
  const size = median(visible.map((item) => item.size)) || median(sorted.map((item) => item.size)) || 10;
  const chars: Array<TextItem | null> = [];
  let text = '';
  let pendingSpace = false;
  let previous: TextItem | null = null;
  for (const item of sorted) {
    if (isBlank(item)) {
      pendingSpace = text.length > 0;
      continue;
    }
    if (previous && previous.x === item.x && previous.text === item.text) continue; // drawn twice
    if (previous && item.x - (previous.x + previous.w) > SPACE_GAP_PER_SIZE * size) pendingSpace = true;
    if (pendingSpace && text.length > 0 && !text.endsWith(' ')) {
      text += ' ';
      chars.push(null);
    }
    pendingSpace = false;
    const normalized = normalizeText(item.text).replace(/\s+/g, ' ');
    for (const char of normalized) {
      if (char === ' ' && (text.length === 0 || text.endsWith(' '))) continue;
      text += char;
      chars.push(item);
    }
    previous = item;
  }
  while (text.endsWith(' ')) {
    text = text.slice(0, -1);
    chars.pop();
  }
  const first = visible[0];
  const last = visible[visible.length - 1];
  const boldChars = visible.filter((item) => item.bold).length;
  return {
    index,
    page,
    baseline: median(visible.map((item) => item.baseline)) || sorted[0]!.baseline,
    items: sorted,
    text,
    chars,
    x: first?.x ?? sorted[0]!.x,
    right: last ? last.x + last.w : sorted[0]!.x,
    bold: visible.length > 0 && boldChars * 2 > visible.length,
    size,
  };
}

/** The same line made of other items (an item split in two), at the same place in reading order. */
export const lineWithItems = (line: TextLine, items: TextItem[]): TextLine =>
  makeLine(items, line.page, line.index);

/** All lines of the document in reading order (page, then top to bottom). */
export function buildLines(pages: PdfPageModel[]): TextLine[] {
  const lines: TextLine[] = [];
  for (const page of pages) {
    const items = [...page.texts].sort((a, b) => a.baseline - b.baseline || a.x - b.x);
    let group: TextItem[] = [];
    let reference = 0;
    for (const item of items) {
      const tolerance = LINE_TOLERANCE_PER_SIZE * Math.max(item.size, 4);
      if (group.length > 0 && item.baseline - reference > tolerance) {
        lines.push(makeLine(group, page.number, lines.length));
        group = [];
      }
      if (group.length === 0) reference = item.baseline;
      group.push(item);
    }
    if (group.length > 0) lines.push(makeLine(group, page.number, lines.length));
  }
  return lines.filter((line) => line.text.length > 0).map((line, index) => ({ ...line, index }));
}

/** The box around some items, or null when there are none. */
export function boxOf(items: readonly TextItem[]): SourceBox | null {
  const visible = items.filter((item) => !isBlank(item));
  const used = visible.length > 0 ? visible : items;
  if (used.length === 0) return null;
  const x = Math.min(...used.map((item) => item.x));
  const y = Math.min(...used.map((item) => item.y));
  const right = Math.max(...used.map((item) => item.x + item.w));
  const bottom = Math.max(...used.map((item) => item.y + item.h));
  return roundBox({ page: used[0]!.page, x, y, w: right - x, h: bottom - y });
}

export function roundBox<T extends Box>(box: T): T {
  const r = (value: number): number => Math.round(value * 100) / 100;
  return { ...box, x: r(box.x), y: r(box.y), w: r(box.w), h: r(box.h) };
}

/** Union of several boxes on one page. */
export function unionBoxes(boxes: ReadonlyArray<SourceBox | null>): SourceBox | null {
  const present = boxes.filter((box): box is SourceBox => box !== null);
  if (present.length === 0) return null;
  const x = Math.min(...present.map((box) => box.x));
  const y = Math.min(...present.map((box) => box.y));
  const right = Math.max(...present.map((box) => box.x + box.w));
  const bottom = Math.max(...present.map((box) => box.y + box.h));
  return roundBox({ page: present[0]!.page, x, y, w: right - x, h: bottom - y });
}

/** The first line at or after `from` (a line index) whose text matches. */
export function findLine(
  lines: readonly TextLine[],
  pattern: RegExp,
  from = 0,
  to = lines.length,
): TextLine | null {
  for (let index = Math.max(0, from); index < Math.min(to, lines.length); index += 1) {
    if (pattern.test(lines[index]!.text)) return lines[index]!;
  }
  return null;
}

/** The part of a line from character `start` to `end`, with the items that printed it. */
export function spanOf(line: TextLine, start: number, end = line.text.length): TextSpan {
  const items = [...new Set(line.chars.slice(start, end).filter((item): item is TextItem => item !== null))];
  return { text: line.text.slice(start, end).trim(), items };
}

/** Where a pattern matches in a line: the label's span and the span after it. */
export function splitAtLabel(line: TextLine, pattern: RegExp): { label: TextSpan; rest: TextSpan } | null {
  const match = pattern.exec(line.text);
  if (!match) return null;
  const end = match.index + match[0].length;
  return { label: spanOf(line, match.index, end), rest: spanOf(line, end) };
}

/** The text of a line between two x positions (items are assigned by their left edge). */
export function spanInRange(line: TextLine, fromX: number, toX: number): TextSpan {
  const items = line.items.filter((item) => item.x >= fromX && item.x < toX);
  const inRange = new Set(items);
  let text = '';
  line.chars.forEach((item, index) => {
    if (item === null ? text.length > 0 : inRange.has(item)) text += line.text[index]!;
  });
  return { text: text.replace(/\s+/g, ' ').trim(), items: items.filter((item) => !isBlank(item)) };
}

/** The document as the field readers see it. */
export interface QuoteLayout {
  pages: PdfPageModel[];
  lines: TextLine[];
}

export function pageOf(layout: QuoteLayout, line: TextLine): PdfPageModel {
  return layout.pages[line.page - 1]!;
}
