// Table columns from a header line: each column starts where its header text starts (cells are left-aligned
// under their header), widened to the cell border drawn left of it when the PDF has one. A cell is then the
// text whose left edge falls in the column's x range; order never matters, so empty cells stay empty.
import type { TextLine } from './layout.ts';
import type { PdfPageModel, TextItem } from './read-pdf.ts';

export interface ColumnSpec<K extends string> {
  key: K;
  header: RegExp;
}

export interface Column<K extends string> {
  key: K;
  /** Where the header text starts. */
  textX: number;
  /** Left edge of the column: the border left of the header text, or a little before the text. */
  left: number;
  /** Left edge of the next column (or the table's right border). */
  right: number;
  /** The left edge is a drawn border. */
  bordered: boolean;
}

/** Without a drawn border, a column starts this far left of its header text, points. */
const UNBORDERED_MARGIN = 3;
/** A border counts for a column when it lies at most this far left of the header text, points. */
const MAX_BORDER_GAP = 10;

/** x positions of thin vertical shapes (cell borders) crossing a line. */
export function verticalBorders(page: PdfPageModel, line: TextLine): number[] {
  const top = line.baseline - line.size;
  const xs = page.shapes
    .filter(
      (shape) =>
        shape.box.w <= 2 &&
        shape.box.h >= 0.6 * line.size &&
        shape.box.y <= top + 2 &&
        shape.box.y + shape.box.h >= line.baseline - 1,
    )
    .map((shape) => shape.box.x + shape.box.w / 2)
    .sort((a, b) => a - b);
  return xs.filter((x, index) => index === 0 || x - xs[index - 1]! > 1);
}

/** The columns a header line defines, in x order; null when a header is missing. */
export function columnsFromHeader<K extends string>(
  page: PdfPageModel,
  line: TextLine,
  specs: ReadonlyArray<ColumnSpec<K>>,
): Array<Column<K>> | null {
  const starts: Array<{ key: K; textX: number }> = [];
  for (const spec of specs) {
    const match = spec.header.exec(line.text);
    if (!match) return null;
    const item = line.chars.slice(match.index, match.index + match[0].length).find((char) => char !== null);
    if (!item) return null;
    starts.push({ key: spec.key, textX: item.x });
  }
  starts.sort((a, b) => a.textX - b.textX);
  const borders = verticalBorders(page, line);
  const lastBorder = borders[borders.length - 1];
  const lastStart = starts[starts.length - 1]!.textX;
  const tableRight = lastBorder !== undefined && lastBorder > lastStart ? lastBorder : page.width;
  return starts.map((start, index) => {
    const border = [...borders]
      .reverse()
      .find((x) => x <= start.textX + 0.5 && start.textX - x <= MAX_BORDER_GAP);
    const next = starts[index + 1];
    const nextBorder = next
      ? [...borders].reverse().find((x) => x <= next.textX + 0.5 && next.textX - x <= MAX_BORDER_GAP)
      : undefined;
    return {
      key: start.key,
      textX: start.textX,
      left: border ?? start.textX - UNBORDERED_MARGIN,
      right: next ? (nextBorder ?? next.textX - UNBORDERED_MARGIN) : tableRight,
      bordered: border !== undefined,
    };
  });
}

/** The column an item belongs to, by its left edge. */
export function columnOf<K extends string>(
  columns: ReadonlyArray<Column<K>>,
  item: TextItem,
): Column<K> | null {
  return columns.find((column) => item.x >= column.left - 0.5 && item.x < column.right - 0.5) ?? null;
}
