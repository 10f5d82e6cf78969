// The Sample Information grid: 99 numbered rows over several pages, its header repeated on each page.
// Columns come from the header's x positions (columns.ts), rows from the row number printed in the first column;
// a cell is whatever text starts inside its column in that row, so an empty cell stays empty instead of pulling
// the next value left. Header rows, the summary table and the charge table never become rows: a row must carry a
// row number in the number column under a grid header, and the grid ends at the first line that is neither a
// row nor a wrapped cell line.
import { columnsFromHeader, type Column, type ColumnSpec } from './columns.ts';
import { extracted, issueFor, withFlags } from './confidence.ts';
import {
  boxOf,
  lineWithItems,
  pageOf,
  roundBox,
  spanInRange,
  type QuoteLayout,
  type TextLine,
} from './layout.ts';
import type { PdfPageModel, TextItem } from './read-pdf.ts';
import type { ConfidenceFlag, Extracted, GridRow, QuoteIssue, RowKind, SourceBox } from './types.ts';
import { parseMeasurement } from './values.ts';

type GridKey = 'sampleName' | 'volumeUl' | 'qubitNgPerUl' | 'nanodropNgPerUl' | 'a260_280' | 'a260_230';

const GRID_COLUMNS: ReadonlyArray<ColumnSpec<GridKey>> = [
  { key: 'sampleName', header: /Sample Name/i },
  { key: 'volumeUl', header: /Volume/i },
  { key: 'qubitNgPerUl', header: /Qubit/i },
  { key: 'nanodropNgPerUl', header: /Nanodrop/i },
  // The subscripts 260/280 are separate text items; the line text has them back in place. A scan's subscripts
  // are too small to read ("Aogo/Aggp ratio"): then the first such ratio header is 260/280, the second 260/230.
  { key: 'a260_280', header: /A\s?260\s?\/\s?A\s?280|A\S{1,5}\s?\/\s?A\S{1,5}(?=\s*ratio)/i },
  { key: 'a260_230', header: /A\s?260\s?\/\s?A\s?230|(?<=ratio\s.*)A\S{1,5}\s?\/\s?A\S{1,5}(?=\s*ratio)/i },
];

const PER_MICROLITRE = /\s*ng\s*\/\s*[μu]l$/i;
/** A unit typed into a cell that matches the column's own unit is removed (text is NFKC: µ is μ). */
const CELL_UNITS: Readonly<Record<GridKey, RegExp | null>> = {
  sampleName: null,
  volumeUl: /\s*[μu]l$/i,
  qubitNgPerUl: PER_MICROLITRE,
  nanodropNgPerUl: PER_MICROLITRE,
  a260_280: null,
  a260_230: null,
};

const STRICT_CONTROL =
  /^(?:(?:positive|negative|pos\.?|neg\.?)\s*(?:control|ctrl)|blank|ntc|no[- ]template control|(?:nuclease[- ]free )?water)$/i;
const LOOSE_CONTROL = /\b(?:control|ctrl|blank|ntc)\b/i;

/** The row-number column is left of Sample Name, at most this wide, points. */
const ROW_NUMBER_ZONE = 28;
/** A cell's text starting further than this from its header's x is flagged, points. */
const ALIGNMENT_TOLERANCE = 4;

const isGridHeader = (line: TextLine): boolean =>
  /Sample Name/i.test(line.text) && /Volume/i.test(line.text) && /Qubit|Nanodrop/i.test(line.text);

interface RowDraft {
  numberItems: TextItem[];
  number: number;
  /** The printed number was unreadable: the number comes from the rows before and after. */
  inferred: boolean;
  /** Items split off a row number the scan ran into the sample name ("7-114" is row 7, sample "14"). */
  split: Set<TextItem>;
  /** The row is on a scanned page (its text was recognised, not copied). */
  scanned: boolean;
  lines: TextLine[];
  columns: Array<Column<GridKey>>;
  /** y of the row's bottom border when drawn. */
  bottom: number | null;
}

/** y positions of thin horizontal shapes (cell borders) spanning the table. */
function horizontalBorders(page: PdfPageModel, columns: Array<Column<GridKey>>): number[] {
  const left = columns[0]!.left;
  const right = columns[columns.length - 1]!.right;
  return page.shapes
    .filter(
      (shape) =>
        shape.box.h <= 2 && shape.box.w >= 20 && shape.box.x < right && shape.box.x + shape.box.w > left,
    )
    .map((shape) => shape.box.y + shape.box.h / 2)
    .sort((a, b) => a - b);
}

function rowNumberItems(line: TextLine, columns: Array<Column<GridKey>>): TextItem[] {
  const zoneRight = columns[0]!.left - 0.5;
  return line.items.filter(
    (item) => item.text.trim() !== '' && item.x < zoneRight && item.x >= zoneRight - ROW_NUMBER_ZONE,
  );
}

interface RowNumber {
  number: number;
  items: TextItem[];
  /** The line the row starts with (its number item split in two when the scan ran it into the name). */
  line: TextLine;
  inferred: boolean;
  split: Set<TextItem>;
}

/**
 * The row number printed in the line's number column. Bold lines are headers and totals, not rows; but a scan's
 * bold is a guess from stroke widths, so a scanned bold line carrying exactly the next number in sequence is a row.
 */
function rowNumberOf(
  line: TextLine,
  columns: Array<Column<GridKey>>,
  expected: number,
  scanned: boolean,
): RowNumber | null {
  const items = rowNumberItems(line, columns);
  const text = items.map((item) => item.text.trim()).join('');
  if (!/^\d{1,3}$/.test(text)) return null;
  const number = Number(text);
  if (line.bold && !(scanned && number === expected)) return null;
  return { number, items, line, inferred: false, split: new Set() };
}

/** Brackets and bars at the edges of a scanned name: a cell border read as a glyph. */
const BORDER_GLYPHS = /^[[\]{}|]+\s*|\s*[[\]{}|]+$/g;

/** A scanned name without border glyphs at its edges, nor a parenthesis there that closes nothing ("(17"). */
function withoutBorderGlyphs(text: string): string {
  let name = text.replace(BORDER_GLYPHS, '');
  if (name.startsWith('(') && !name.includes(')')) name = name.slice(1).trimStart();
  if (name.endsWith(')') && !name.includes('(')) name = name.slice(0, -1).trimEnd();
  return name;
}

/** The leading digits of a misread row number ("1}", "7-114", "15/32"). */
const LEADING_NUMBER = /^(\d{1,3})(?!\d)/;

/**
 * An item that starts in the number column and runs into the sample name column, cut where that column starts
 * (characters placed in proportion to the item's width): the number part and the name part.
 */
function splitAtColumn(item: TextItem, cutX: number): [TextItem, TextItem] | null {
  const chars = [...item.text];
  const width = item.w / chars.length;
  const cut = chars.findIndex((_, index) => item.x + index * width >= cutX - 0.5);
  if (cut <= 0) return null;
  const name = chars.slice(cut).join('');
  if (name.trim() === '') return null;
  return [
    { ...item, text: chars.slice(0, cut).join(''), w: cut * width },
    { ...item, text: name, x: item.x + cut * width, w: item.w - cut * width },
  ];
}

/**
 * A row whose printed number the scan misread or lost: the rows are numbered in sequence, so a line of cells
 * after row n-1 is row n when its number column starts with n ("1}", "7-114") or the next line is row n+1.
 * Only a scanned reading that breaks the sequence is questioned (a digital PDF's text is what it prints); the
 * inferred number is flagged.
 */
function inferRowNumber(
  line: TextLine,
  next: TextLine | undefined,
  columns: Array<Column<GridKey>>,
  expected: number,
): RowNumber | null {
  const zoneLeft = columns[0]!.left - 0.5 - ROW_NUMBER_ZONE;
  const visible = line.items.filter((item) => item.text.trim() !== '');
  if (visible.length === 0 || visible.some((item) => item.x < zoneLeft)) return null;
  const zone = rowNumberItems(line, columns);
  const leading = LEADING_NUMBER.exec(zone.map((item) => item.text.trim()).join(''));
  const nextNumber = next && next.page === line.page ? rowNumberOf(next, columns, expected + 1, true) : null;
  const confirmed = Number(leading?.[1]) === expected || nextNumber?.number === expected + 1;
  if (!confirmed || !visible.some((item) => item.x >= columns[0]!.left - 0.5 || zone.includes(item)))
    return null;
  const split = new Set<TextItem>();
  const items = line.items.flatMap((item) => {
    if (!zone.includes(item) || item.x + item.w <= columns[0]!.left + 1) return [item];
    const parts = splitAtColumn(item, columns[0]!.left);
    if (!parts) return [item];
    split.add(parts[1]);
    return parts;
  });
  const rebuilt = split.size > 0 ? lineWithItems(line, items) : line;
  return { number: expected, items: rowNumberItems(rebuilt, columns), line: rebuilt, inferred: true, split };
}

function cellBox(page: number, column: Column<GridKey>, row: RowDraft): SourceBox {
  const first = row.lines[0]!;
  const last = row.lines[row.lines.length - 1]!;
  const top = first.baseline - first.size;
  const bottom = row.bottom ?? last.baseline + 0.3 * last.size;
  return roundBox({ page, x: column.left, y: top, w: column.right - column.left, h: bottom - top });
}

function readCell(row: RowDraft, column: Column<GridKey>): Extracted<string | number | null> {
  const parts = row.lines
    .map((line) => ({ line, span: spanInRange(line, column.left - 0.5, column.right - 0.5) }))
    .filter((part) => part.span.items.length > 0);
  const page = row.lines[0]!.page;
  if (parts.length === 0) return extracted(null, 'absent', { source: cellBox(page, column, row) });
  const flags: ConfidenceFlag[] = [];
  // A scan's speck read as ":" or "," beside a number is not part of it; a digital cell keeps what it prints.
  // Only at the cell's edges: a mark between digits ("45" "." "5", "1.8" "/" "2.1") is the value's own.
  if (row.scanned && column.key !== 'sampleName') {
    const inked = (item: { text: string }) => /[\p{L}\p{N}]/u.test(item.text);
    for (const part of parts) {
      const first = part.span.items.findIndex(inked);
      const last = part.span.items.findLastIndex(inked);
      const kept = first < 0 ? [] : part.span.items.slice(first, last + 1);
      if (kept.length > 0 && kept.length < part.span.items.length) {
        part.span = { items: kept, text: kept.map((item) => item.text.trim()).join(' ') };
        flags.push('STRAY_MARKS_DROPPED');
      }
    }
  }
  const items = parts.flatMap((part) => part.span.items);
  const text = parts.map((part) => part.span.text).join(' ');
  const raw = parts.map((part) => part.span.text).join('\n');
  if (items.some((item) => row.split.has(item))) flags.push('SPLIT_FROM_ROW_NUMBER');
  const offset = Math.abs(items[0]!.x - column.textX);
  if (offset > ALIGNMENT_TOLERANCE) flags.push('OFF_COLUMN_START');
  if (items.some((item) => item.x + item.w > column.right + 2)) flags.push('CROSSES_COLUMN');
  if (parts.length > 1) flags.push(row.bottom === null ? 'LINES_JOINED_WITHOUT_BORDERS' : 'LINES_JOINED');
  const source = boxOf(items);
  const fit = 1 - Math.min(1, offset / 12);
  if (column.key === 'sampleName') {
    // A scanned cell border read as a bracket or bar at the name's edge ("[17") is not part of the name.
    const name = row.scanned ? withoutBorderGlyphs(text) : text;
    if (name !== text) flags.push('STRAY_MARKS_DROPPED');
    return extracted(name || null, 'column+geometry', { source, raw, flags, fit });
  }
  const parsed = parseMeasurement(text, CELL_UNITS[column.key]);
  return extracted(parsed.value, parsed.inferred ? 'inferred' : 'column+geometry', {
    source,
    raw,
    flags: [...flags, ...parsed.flags],
    fit,
  });
}

function kindOf(
  cells: Record<GridKey, Extracted<string | number | null>>,
  source: SourceBox | null,
): Extracted<RowKind> {
  const values = Object.values(cells);
  if (values.every((cell) => cell.value === null && cell.raw === null)) {
    return extracted<RowKind>('EMPTY', 'column+geometry', { source });
  }
  const name = typeof cells.sampleName.value === 'string' ? cells.sampleName.value.trim() : '';
  if (STRICT_CONTROL.test(name))
    return extracted<RowKind>('CONTROL', 'column+geometry', { source, raw: name });
  if (LOOSE_CONTROL.test(name)) {
    return extracted<RowKind>('CONTROL', 'inferred', { source, raw: name, flags: ['CONTROL_NAME_LOOSE'] });
  }
  return extracted<RowKind>('SAMPLE', 'column+geometry', { source, raw: name || null });
}

function buildRow(row: RowDraft, rowIndex: number, issues: QuoteIssue[]): GridRow {
  const page = row.lines[0]!.page;
  const cells = {} as Record<GridKey, Extracted<string | number | null>>;
  for (const column of row.columns) cells[column.key] = readCell(row, column);
  const left = row.numberItems[0]?.x ?? row.columns[0]!.left - ROW_NUMBER_ZONE;
  const rowBox = roundBox({
    page,
    x: left,
    y: cellBox(page, row.columns[0]!, row).y,
    w: row.columns[row.columns.length - 1]!.right - left,
    h: cellBox(page, row.columns[0]!, row).h,
  });
  const kind = kindOf(cells, rowBox);
  let sampleName = cells.sampleName as Extracted<string | null>;
  if (kind.value === 'SAMPLE' && sampleName.value === null)
    sampleName = withFlags(sampleName, ['NAME_MISSING']);
  const result: GridRow = {
    rowNumber: extracted(row.number, 'column+geometry', {
      source: boxOf(row.numberItems) ?? rowBox,
      raw: row.numberItems.map((item) => item.text).join('') || null,
      flags: row.inferred ? ['ROW_NUMBER_INFERRED'] : [],
    }),
    sampleName,
    volumeUl: cells.volumeUl as Extracted<number | null>,
    qubitNgPerUl: cells.qubitNgPerUl as Extracted<number | null>,
    nanodropNgPerUl: cells.nanodropNgPerUl as Extracted<number | null>,
    a260_280: cells.a260_280 as Extracted<number | null>,
    a260_230: cells.a260_230 as Extracted<number | null>,
    kind,
  };
  for (const key of [
    'rowNumber',
    'sampleName',
    'volumeUl',
    'qubitNgPerUl',
    'nanodropNgPerUl',
    'a260_280',
    'a260_230',
    'kind',
  ] as const) {
    const issue = issueFor(`rows[${rowIndex}].${key}`, result[key]);
    if (issue) issues.push(issue);
  }
  return result;
}

function checkHeaderUnits(line: TextLine, issues: QuoteIssue[]): void {
  const volume = /Volume\s*\(([^)]*)\)/i.exec(line.text)?.[1];
  if (volume !== undefined && !/^[μu]l$/i.test(volume.trim())) {
    issues.push({
      path: 'rows',
      severity: 'warning',
      code: 'UNEXPECTED_UNIT',
      message: `volume header unit is "${volume}", not µL`,
    });
  }
  for (const name of ['Qubit', 'Nanodrop']) {
    const unit = new RegExp(`${name}[^(]*\\(([^)]*)\\)`, 'i').exec(line.text)?.[1];
    if (unit !== undefined && !/^ng\s*\/\s*[μu]l$/i.test(unit.trim())) {
      issues.push({
        path: 'rows',
        severity: 'warning',
        code: 'UNEXPECTED_UNIT',
        message: `${name} header unit is "${unit}", not ng/µL`,
      });
    }
  }
}

const isLegible = (line: TextLine): boolean => /[\p{L}\p{N}]/u.test(line.text);

/** The next line after `index` with a letter or digit (a scan's specks left out). */
const nextLegible = (layout: QuoteLayout, index: number): TextLine | undefined =>
  layout.lines.slice(index + 1, index + 4).find(isLegible);

/** Reads every grid row (empty ones included) in row-number order. */
export function readGrid(layout: QuoteLayout, issues: QuoteIssue[]): GridRow[] {
  const first = layout.lines.find(isGridHeader);
  if (!first) {
    issues.push({
      path: 'rows',
      severity: 'error',
      code: 'NOT_FOUND',
      message: 'the Sample Information grid was not found',
    });
    return [];
  }
  checkHeaderUnits(first, issues);
  const drafts: RowDraft[] = [];
  const byNumber = new Map<number, RowDraft>();
  let columns: Array<Column<GridKey>> | null = null;
  let borders: number[] = [];
  let current: RowDraft | null = null;
  let skipping = false;
  let pausedOnPage: number | null = null;
  let header: TextLine | null = null;
  let last = 0;

  for (let index = first.index; index < layout.lines.length; index += 1) {
    const line = layout.lines[index]!;
    const page = pageOf(layout, line);
    if (isGridHeader(line)) {
      const found = columnsFromHeader(page, line, GRID_COLUMNS);
      if (found) {
        columns = found;
        borders = horizontalBorders(page, found);
        pausedOnPage = null;
        header = line;
      }
      current = null;
      continue;
    }
    if (!columns) continue;
    const scanned = page.origin === 'OCR';
    // Specks and rule fragments a scan reads as a line of its own ("=", ":") neither continue nor end the grid.
    if (scanned && !isLegible(line)) continue;
    let numbered = rowNumberOf(line, columns, last + 1, scanned);
    if (scanned && pausedOnPage === null && numbered?.number !== last + 1)
      numbered = inferRowNumber(line, nextLegible(layout, index), columns, last + 1) ?? numbered;
    // A header cell wrapped onto a second line ("ratio" under "A260/A280") is part of the header, not the end.
    if (!numbered && header && current === null && line.page === header.page) {
      if (line.baseline - header.baseline < 2.5 * header.size) continue;
    }
    if (pausedOnPage !== null) {
      // After the grid ended: only its continuation on a later page (without a repeated header) resumes it.
      if (!numbered || numbered.number !== last + 1 || line.page === pausedOnPage) continue;
      pausedOnPage = null;
      borders = horizontalBorders(page, columns);
    }
    if (numbered) {
      skipping = false;
      header = null;
      const earlier = numbered.number <= last ? byNumber.get(numbered.number) : undefined;
      if (earlier) {
        // Printed twice (Qt 5 prints the row cut by a page break on both pages): keep the first print, and
        // say so louder when the two prints differ.
        skipping = true;
        current = null;
        const same = earlier.lines[0]!.text === line.text;
        issues.push({
          path: 'rows',
          severity: same ? 'info' : 'warning',
          code: 'DUPLICATE_ROW',
          message: `row ${numbered.number} is printed twice (page ${line.page})${same ? '' : ' with different text'}; the first print is used`,
        });
        continue;
      }
      if (numbered.number !== last + 1) {
        issues.push({
          path: 'rows',
          severity: 'warning',
          code: 'ROW_SEQUENCE_GAP',
          message: `row ${numbered.number} follows row ${last}`,
        });
      }
      const bottom = borders.find((y) => y > line.baseline) ?? null;
      current = {
        numberItems: numbered.items,
        number: numbered.number,
        inferred: numbered.inferred,
        split: numbered.split,
        scanned,
        lines: [numbered.line],
        columns,
        bottom,
      };
      drafts.push(current);
      byNumber.set(numbered.number, current);
      last = Math.max(last, numbered.number);
      continue;
    }
    const previous = current?.lines[current.lines.length - 1];
    const continues =
      current !== null &&
      previous !== undefined &&
      !line.bold &&
      line.page === previous.page &&
      line.items.every((item) => item.text.trim() === '' || item.x >= columns![0]!.left - 1) &&
      (current.bottom !== null
        ? line.baseline < current.bottom
        : line.baseline - previous.baseline <= 1.6 * Math.max(line.size, previous.size));
    if (continues) {
      current!.lines.push(line);
      continue;
    }
    if (skipping) continue;
    current = null;
    pausedOnPage = line.page;
  }
  const rows = drafts
    .sort((a, b) => a.number - b.number)
    .map((draft, rowIndex) => buildRow(draft, rowIndex, issues));
  doubtScannedCells(rows, drafts, issues);
  return rows;
}

const MEASUREMENTS = ['volumeUl', 'qubitNgPerUl', 'nanodropNgPerUl', 'a260_280', 'a260_230'] as const;
/**
 * A column is "filled" when at least this share of the measured rows have a value in it: low, because a scan can
 * lose a narrow column on whole pages (the noisy scan read at 200 dpi keeps the Volume "2" on one page of three).
 */
const FILLED_COLUMN_SHARE = 0.25;
/** A value this many times above or below its column's median is out of its column's range. */
const COLUMN_RANGE_FACTOR = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Plausibility of scanned cells against their column (a digital PDF's cells are what it prints and stay so):
 * - a cell that reads empty in a measured row, in a column the other measured rows fill, is more likely ink the
 *   recognizer lost than a blank;
 * - a value far out of its column's range is more likely a misread (a lost decimal point reads 249.1 as 2491).
 */
function doubtScannedCells(rows: GridRow[], drafts: RowDraft[], issues: QuoteIssue[]): void {
  const measured = rows.filter((row) => MEASUREMENTS.some((key) => row[key].value !== null));
  if (measured.length === 0) return;
  for (const key of MEASUREMENTS) {
    const values = measured.map((row) => row[key].value).filter((value): value is number => value !== null);
    const filled = values.length >= FILLED_COLUMN_SHARE * measured.length;
    const middle = median(values);
    rows.forEach((row, rowIndex) => {
      if (!drafts[rowIndex]!.scanned || !measured.includes(row)) return;
      const value = row[key].value;
      const outOfRange =
        value !== null &&
        middle > 0 &&
        (value > COLUMN_RANGE_FACTOR * middle || value * COLUMN_RANGE_FACTOR < middle);
      const lost = filled && row[key].method === 'absent';
      if (!outOfRange && !lost) return;
      row[key] = withFlags(row[key], [outOfRange ? 'OUT_OF_COLUMN_RANGE' : 'EMPTY_AMONG_FILLED']);
      const issue = issueFor(`rows[${rowIndex}].${key}`, row[key]);
      if (issue) issues.push(issue);
    });
  }
}
