// The grid rules on synthetic lines (no PDF): cells by x under their headers, rows by their row number, and
// everything that is not a row (headers, wrapped header cells, what follows the grid) never becomes one.
import { describe, expect, it } from 'vitest';
import { readGrid } from './grid.ts';
import { indexed, lineOf, page, shape } from './testing.ts';
import type { TextLine } from './layout.ts';
import type { QuoteIssue } from './types.ts';

const X = { number: 40, name: 60, volume: 140, qubit: 200, nanodrop: 300, a280: 420, a230: 500 };

const header = (baseline: number, pageNumber = 1): TextLine =>
  lineOf(
    [
      ['Sample Name', X.name],
      ['Volume (μL)', X.volume],
      ['Qubit Conc. (ng/μL)', X.qubit],
      ['Nanodrop Conc. (ng/μL)', X.nanodrop],
      ['A260/A280 ratio', X.a280],
      ['A260/A230 ratio', X.a230],
    ],
    baseline,
    { bold: true, page: pageNumber },
  );

type Cells = Partial<Record<'name' | 'volume' | 'qubit' | 'nanodrop' | 'a280' | 'a230', string>>;

const row = (number: number, cells: Cells, baseline: number, pageNumber = 1): TextLine =>
  lineOf(
    [
      [String(number), X.number],
      ...Object.entries(cells).map(([key, text]): [string, number] => [text, X[key as keyof Cells]]),
    ],
    baseline,
    { page: pageNumber },
  );

function grid(lines: TextLine[], pages = 1) {
  const issues: QuoteIssue[] = [];
  const layout = {
    pages: Array.from({ length: pages }, (_, i) => ({ ...page([]), number: i + 1 })),
    lines: indexed(lines),
  };
  const rows = readGrid(layout, issues);
  const plain = rows.map((r) => ({
    n: r.rowNumber.value,
    name: r.sampleName.value,
    volume: r.volumeUl.value,
    qubit: r.qubitNgPerUl.value,
    nanodrop: r.nanodropNgPerUl.value,
    a280: r.a260_280.value,
    a230: r.a260_230.value,
    kind: r.kind.value,
  }));
  return { rows, plain, issues };
}

describe('readGrid', () => {
  it('keeps an empty cell empty instead of shifting the next value into it', () => {
    const { plain } = grid([
      header(100),
      row(1, { name: '1', volume: '2', nanodrop: '298.9', a280: '1.84' }, 114),
    ]);
    expect(plain).toEqual([
      { n: 1, name: '1', volume: 2, qubit: null, nanodrop: 298.9, a280: 1.84, a230: null, kind: 'SAMPLE' },
    ]);
  });

  it('tells controls, empty rows and samples apart, and keeps bare-number names as text', () => {
    const { plain } = grid([
      header(100),
      row(1, { name: '10', volume: '2' }, 114),
      row(2, { name: 'Positive control' }, 128),
      row(3, { name: 'BLANK' }, 142),
      row(4, {}, 156),
    ]);
    expect(plain.map((r) => [r.name, r.kind])).toEqual([
      ['10', 'SAMPLE'],
      ['Positive control', 'CONTROL'],
      ['BLANK', 'CONTROL'],
      [null, 'EMPTY'],
    ]);
  });

  it('skips the header repeated on the next page, and a header cell wrapped onto a second line', () => {
    const { plain } = grid(
      [
        header(100),
        lineOf([['ratio', X.a280]], 110, { bold: true }),
        row(1, { name: 'A' }, 124),
        header(40, 2),
        row(2, { name: 'B' }, 54, 2),
      ],
      2,
    );
    expect(plain.map((r) => [r.n, r.name])).toEqual([
      [1, 'A'],
      [2, 'B'],
    ]);
  });

  it('ends at what follows the grid: headings, the charge table, stray numbers', () => {
    const { plain } = grid([
      header(100),
      row(1, { name: 'A' }, 114),
      lineOf([['* Flow Cell Selection:', 35]], 160, { bold: true }),
      row(2, { name: 'not a row' }, 180),
      lineOf(
        [
          ['Name', 36],
          ['Billing Status', 170],
          ['Total', 520],
        ],
        200,
        { bold: true },
      ),
      lineOf(
        [
          ['MinION DNA Flow Cell', 36],
          ['$897.00', 520],
        ],
        214,
      ),
    ]);
    expect(plain.map((r) => r.name)).toEqual(['A']);
  });

  it('joins a name wrapped inside its cell; without borders to confirm it, with doubt', () => {
    const { rows, issues } = grid([
      header(100),
      row(1, { name: 'AT-4 leaf', volume: '20' }, 114),
      lineOf([['tissue', X.name]], 125),
      row(2, { name: 'AT-5' }, 142),
    ]);
    expect(rows[0]!.sampleName).toMatchObject({
      value: 'AT-4 leaf tissue',
      flags: ['LINES_JOINED_WITHOUT_BORDERS'],
    });
    expect(issues.map((issue) => issue.path)).toEqual(['rows[0].sampleName']);
  });

  it('flags text that runs into the next column, and text off its column edge', () => {
    const { rows } = grid([
      header(100),
      row(1, { name: 'a very long sample name' }, 114),
      lineOf(
        [
          ['2', X.number],
          ['B', X.name + 20],
        ],
        128,
      ),
    ]);
    expect(rows[0]!.sampleName.flags).toContain('CROSSES_COLUMN');
    expect(rows[1]!.sampleName.flags).toContain('OFF_COLUMN_START');
    expect(rows[1]!.sampleName.confidence).toBeLessThan(rows[0]!.rowNumber.confidence);
  });

  it('reports a row printed twice with different text, and a gap in the numbering', () => {
    const { plain, issues } = grid([
      header(100),
      row(1, { name: 'A' }, 114),
      row(2, { name: 'B' }, 128),
      row(2, { name: 'B2' }, 142),
      row(4, { name: 'D' }, 156),
    ]);
    expect(plain.map((r) => [r.n, r.name])).toEqual([
      [1, 'A'],
      [2, 'B'],
      [4, 'D'],
    ]);
    expect(issues.map((issue) => [issue.code, issue.severity])).toEqual([
      ['DUPLICATE_ROW', 'warning'],
      ['ROW_SEQUENCE_GAP', 'warning'],
    ]);
  });

  it('says so when there is no grid at all', () => {
    const { rows, issues } = grid([lineOf([['Dear customer,', 40]], 100)]);
    expect(rows).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ path: 'rows', code: 'NOT_FOUND', severity: 'error' })]);
  });

  describe('on a scanned page', () => {
    // Rows every 14 pt from 114, ruled under each row as the quote is; the page is an OCR page or a digital one.
    const ruled = (origin: 'OCR' | 'TEXT_LAYER', lines: TextLine[]) => {
      const rules = [106, 120, 134, 148, 162, 176, 190].map((y, order) =>
        shape({ x: 30, y, w: 540, h: 0.5 }, { stroke: [0, 0, 0] }, order),
      );
      const issues: QuoteIssue[] = [];
      const rows = readGrid({ pages: [{ ...page(rules), origin }], lines: indexed(lines) }, issues);
      return { rows, issues };
    };
    const merged = (baseline: number): TextLine => {
      // "5-|14": row number 5 run into the sample name 14 across the column border, as one OCR word.
      const line = lineOf([['5-|14', 42]], baseline);
      const [item] = line.items;
      const rest = lineOf(
        [
          ['2', X.volume],
          ['300', X.nanodrop],
        ],
        baseline,
      );
      return {
        ...line,
        items: [item!, ...rest.items],
        text: `5-|14 ${rest.text}`,
        chars: [...line.chars, null, ...rest.chars],
      };
    };
    const lines = (): TextLine[] => [
      header(100),
      lineOf(
        [
          ['1}', X.number],
          ['A', X.name],
          ['2', X.volume],
          ['300', X.nanodrop],
        ],
        114,
      ),
      // A cell border read as a bracket at the name's edge.
      row(2, { name: '[B', volume: '2', nanodrop: '310' }, 128),
      // Row 3's number lost; a speck between rows; row 4 read as bold.
      lineOf(
        [
          ['C', X.name],
          ['2', X.volume],
          ['320', X.nanodrop],
        ],
        142,
      ),
      lineOf([[':', X.volume]], 149),
      lineOf(
        [
          ['4', X.number],
          ['D', X.name],
          ['2', X.volume],
          ['3300', X.nanodrop],
        ],
        156,
        { bold: true },
      ),
      merged(170),
      row(6, { name: 'F', nanodrop: '330' }, 184),
    ];

    it('continues past misread and lost row numbers, inferring them from the sequence and doubting them', () => {
      const { rows, issues } = ruled('OCR', lines());
      expect(rows.map((r) => [r.rowNumber.value, r.sampleName.value])).toEqual([
        [1, 'A'],
        [2, 'B'],
        [3, 'C'],
        [4, 'D'],
        [5, '14'],
        [6, 'F'],
      ]);
      expect(rows.map((r) => r.rowNumber.flags.includes('ROW_NUMBER_INFERRED'))).toEqual([
        true,
        false,
        true,
        false,
        true,
        false,
      ]);
      for (const index of [0, 2, 4]) expect(rows[index]!.rowNumber.confidence).toBeLessThan(0.8);
      expect(rows[4]!.sampleName.flags).toContain('SPLIT_FROM_ROW_NUMBER');
      expect(rows[4]!.sampleName.confidence).toBeLessThan(0.8);
      expect(issues.map((issue) => issue.path)).toEqual(
        expect.arrayContaining(['rows[0].rowNumber', 'rows[2].rowNumber', 'rows[4].rowNumber']),
      );
    });

    it('doubts a cell that reads empty in a filled column, and a value far out of its column', () => {
      const { rows, issues } = ruled('OCR', lines());
      expect(rows[5]!.volumeUl).toMatchObject({ value: null, flags: ['EMPTY_AMONG_FILLED'] });
      expect(rows[5]!.volumeUl.confidence).toBeLessThan(0.8);
      expect(rows[3]!.nanodropNgPerUl.flags).toContain('OUT_OF_COLUMN_RANGE');
      expect(rows[3]!.nanodropNgPerUl.confidence).toBeLessThan(0.8);
      // Qubit is empty in every row: an empty column is no doubt.
      expect(rows.every((r) => r.qubitNgPerUl.flags.length === 0)).toBe(true);
      expect(issues.map((issue) => issue.path)).toEqual(
        expect.arrayContaining(['rows[5].volumeUl', 'rows[3].nanodropNgPerUl']),
      );
    });

    it('keeps a digital page as printed: the same lines end the grid at the first unnumbered row', () => {
      const { rows } = ruled('TEXT_LAYER', lines());
      expect(rows.map((r) => [r.rowNumber.value, r.sampleName.value])).toEqual([[2, '[B']]);
      expect(rows[0]!.volumeUl.flags).toEqual([]);
    });
  });
});
