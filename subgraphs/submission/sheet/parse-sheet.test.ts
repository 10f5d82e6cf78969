// The sheet as a file: CSV quoting and line breaks, row numbers as a spreadsheet shows them, bad rows beside good
// ones, the 10,000-row limit, encodings, and files that are no sheet at all.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { GridRow, QuoteIssue } from '../quote-pdf/types.ts';
import { listSheetIssues } from './issues.ts';
import { parseSampleSheet } from './parse-sheet.ts';
import type { ParsedSheet, SheetParseResult } from './types.ts';

const encode = (text: string) => new TextEncoder().encode(text);

async function parse(text: string | Uint8Array): Promise<ParsedSheet> {
  const result = await parseSampleSheet(typeof text === 'string' ? encode(text) : text);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.sheet;
}

const errorOf = (result: SheetParseResult) => (result.ok ? null : result.error);

describe('CSV structure', () => {
  it('reads quoted delimiters, doubled quotes and line breaks inside cells', async () => {
    const sheet = await parse(
      'sample_name,sample_buffer,lab_name,volume\n' +
        '"S1, left","EB, ""fresh""","Genomics\nLab",20\n' +
        'S2,5" tube,Lab,30\n',
    );
    expect(
      sheet.rows.map((r) => [r.rowNumber, r.line, r.values.sampleName, r.values.buffer, r.values.lab]),
    ).toEqual([
      [2, 2, 'S1, left', 'EB, "fresh"', 'Genomics Lab'],
      [3, 4, 'S2', '5" tube', 'Lab'],
    ]);
    expect(sheet.rows[0]!.raw.lab).toBe('Genomics\nLab');
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('reads %s line ends, inside quoted cells too', async (name, eol) => {
    const result = await parseSampleSheet(
      encode(['sample_name,lab_name', 'S1,"A', 'B"', 'S2,C', ''].join(eol)),
    );
    expect(result.ok && result.document.lineEnding).toBe(name);
    expect(result.ok && result.sheet.rows.map((r) => [r.rowNumber, r.values.sampleName, r.raw.lab])).toEqual([
      [2, 'S1', 'A\nB'],
      [3, 'S2', 'C'],
    ]);
  });

  it('reads mixed line ends', async () => {
    const result = await parseSampleSheet(encode('sample_name\r\nS1\nS2\rS3\r\n'));
    expect(result.ok && result.document.lineEnding).toBe('mixed');
    expect(result.ok && result.sheet.rows.map((r) => r.values.sampleName)).toEqual(['S1', 'S2', 'S3']);
  });

  it('skips blank lines but counts them in row numbers', async () => {
    const sheet = await parse('\nsample_name,volume\n\nS1,20\n,\n  \nS2,30\n\n');
    expect(sheet.rows.map((r) => [r.rowNumber, r.values.sampleName])).toEqual([
      [4, 'S1'],
      [7, 'S2'],
    ]);
    expect(sheet.stats).toMatchObject({ records: 8, dataRows: 2, blankRows: 5, samples: 2 });
  });

  it('reads a file without a final line end', async () => {
    const sheet = await parse('sample_name,volume\nS1,20');
    expect(sheet.rows.map((r) => r.values.volumeUl)).toEqual([20]);
  });

  it('keeps cells past the header and short rows', async () => {
    const sheet = await parse('sample_name,volume,concentration\nS1,20,50,extra,,more\nS2\n');
    expect(sheet.rows[0]!.extra).toEqual({ 'column D': 'extra', 'column F': 'more' });
    expect(sheet.rows[0]!.warnings.map((w) => w.code)).toEqual(['EXTRA_CELLS']);
    expect(sheet.rows[1]!.values).toMatchObject({
      sampleName: 'S2',
      volumeUl: null,
      concentrationNgPerUl: null,
    });
  });

  it('refuses a quote that never closes, naming where it opens', async () => {
    const result = await parseSampleSheet(encode('sample_name,lab_name\nS1,"A\nB"\nS2,"C\nS3,D\n'));
    expect(errorOf(result)).toMatchObject({ code: 'MALFORMED_CSV', detail: { row: 3, line: 4 } });
    expect(errorOf(result)!.message).toBe(
      'Row 3 (line 4): a quoted cell is never closed; no row after it can be read.',
    );
  });

  it('refuses text after a closing quote', async () => {
    const result = await parseSampleSheet(encode('sample_name,lab_name\n"S1"x,A\n'));
    expect(errorOf(result)).toMatchObject({ code: 'MALFORMED_CSV', detail: { row: 2, line: 2 } });
  });
});

describe('bad rows', () => {
  const SHEET = [
    'sample_name,submitter_email,concentration,volume,total_amount,flow_cell_count,priority,sample_type',
    'S1,a@lab.org,50,20,1000,1,high,DNA',
    ',a@lab.org,50,20,1000,1,normal,DNA',
    'S3,not-an-email,fifty,-5,1000,1.5,whenever,protein',
    'S4,a@lab.org,40,10,400,2,low,RNA',
    'S1,a@lab.org,50,20,1000,1,normal,DNA',
    'Positive control,,,,,,,',
    ',a@lab.org,,,,,high,DNA',
    's4,a@lab.org,40,10,400,1,,RNA',
  ].join('\n');

  it('are reported by row number while the good rows survive', async () => {
    const sheet = await parse(SHEET);
    expect(
      sheet.rows.map((r) => [r.rowNumber, r.kind, r.values.sampleName, r.errors.map((e) => e.code)]),
    ).toEqual([
      [2, 'SAMPLE', 'S1', []],
      [3, 'SAMPLE', null, ['REQUIRED_MISSING']],
      [4, 'SAMPLE', 'S3', ['INVALID_EMAIL', 'NOT_A_NUMBER', 'NEGATIVE', 'NOT_A_POSITIVE_INTEGER']],
      [5, 'SAMPLE', 'S4', []],
      [6, 'SAMPLE', 'S1', ['DUPLICATE_NAME']],
      [7, 'CONTROL', 'Positive control', []],
      [8, 'EMPTY', null, []],
      [9, 'SAMPLE', 's4', []],
    ]);
    expect(sheet.rows[2]!.warnings.map((w) => w.code)).toEqual(['UNKNOWN_PRIORITY', 'UNKNOWN_SAMPLE_TYPE']);
    expect(sheet.rows[5]!.warnings).toEqual([]); // a control has no QC expectations
    expect(sheet.rows[6]!.warnings.map((w) => w.code)).toEqual(['NO_SAMPLE_NAME']);
    expect(sheet.rows[7]!.warnings.map((w) => w.code)).toEqual(['NAME_DIFFERS_ONLY_BY_CASE']);
    expect(sheet.rows[4]!.errors[0]!.message).toBe('Sample name "S1" is already used in row 2.');
    expect(sheet.rows[0]!.values).toMatchObject({ concentrationNgPerUl: 50, volumeUl: 20, priority: 'HIGH' });
    expect(sheet.stats).toMatchObject({
      dataRows: 8,
      samples: 6,
      controls: 1,
      emptyRows: 1,
      rowsWithErrors: 3,
      errors: 6,
    });
  });

  it("flatten into issues shaped like the quote parser's, with paths into rows", async () => {
    const sheet = await parse(SHEET);
    const issues = listSheetIssues(sheet);
    const quoteShaped: QuoteIssue[] = issues; // compile-time: the subgraph can mix both sources
    expect(quoteShaped.filter((i) => i.severity === 'error').map((i) => [i.path, i.code])).toEqual([
      ['rows[1].sampleName', 'REQUIRED_MISSING'],
      ['rows[2].submitterEmail', 'INVALID_EMAIL'],
      ['rows[2].concentrationNgPerUl', 'NOT_A_NUMBER'],
      ['rows[2].volumeUl', 'NEGATIVE'],
      ['rows[2].flowCellCount', 'NOT_A_POSITIVE_INTEGER'],
      ['rows[4].sampleName', 'DUPLICATE_NAME'],
    ]);
    expect(issues.find((i) => i.code === 'NEGATIVE')).toEqual({
      path: 'rows[2].volumeUl',
      severity: 'error',
      code: 'NEGATIVE',
      message: 'Row 4: "volume" "-5" is negative.',
      rowNumber: 4,
    });
    const kind: GridRow['kind']['value'] = sheet.rows[0]!.kind; // same RowKind values
    expect(kind).toBe('SAMPLE');
  });
});

describe('empty and header-only sheets', () => {
  it.each([
    ['no bytes', ''],
    ['a BOM only', '\ufeff'],
    ['blank lines only', '\n\r\n  \n'],
    ['delimiters only', ',,,\n,,,\n'],
  ])('%s is EMPTY_FILE', async (_name, text) => {
    expect(errorOf(await parseSampleSheet(encode(text)))?.code).toBe('EMPTY_FILE');
  });

  it('a header without rows is a sheet with no samples', async () => {
    const sheet = await parse('sample_name,volume,concentration\n');
    expect(sheet.rows).toEqual([]);
    expect(sheet.issues).toEqual([
      expect.objectContaining({ path: 'rows', severity: 'error', code: 'NO_SAMPLES' }),
    ]);
    expect(sheet.stats).toMatchObject({ records: 1, dataRows: 0, samples: 0 });
  });

  it('rows without any sample are no samples either', async () => {
    const sheet = await parse('sample_name,project_id\n,P1\n,P1\n');
    expect(sheet.rows.map((r) => r.kind)).toEqual(['EMPTY', 'EMPTY']);
    expect(sheet.issues.map((i) => i.code)).toContain('NO_SAMPLES');
  });
});

describe('the 10,000-row limit', () => {
  const sheetOf = (rows: number) => {
    const lines = ['sample_name,volume,concentration,total_amount,priority'];
    for (let i = 1; i <= rows; i += 1) lines.push(`S${i},20,${10 + (i % 90)},${20 * (10 + (i % 90))},normal`);
    return encode(`${lines.join('\r\n')}\r\n`);
  };

  it('takes 10,000 data rows', async () => {
    const sheet = await parse(sheetOf(10_000));
    expect(sheet.stats).toMatchObject({
      dataRows: 10_000,
      samples: 10_000,
      rowsWithErrors: 0,
      rowsWithWarnings: 0,
    });
    expect(sheet.rows.at(-1)).toMatchObject({
      rowNumber: 10_001,
      values: { sampleName: 'S10000', volumeUl: 20 },
    });
  });

  it('refuses 10,001 data rows whole (TOO_MANY_ROWS), taking none', async () => {
    const result = await parseSampleSheet(sheetOf(10_001));
    expect(errorOf(result)).toMatchObject({ code: 'TOO_MANY_ROWS', detail: { maxRows: 10_000 } });
  });

  it('does not count blank rows against the limit', async () => {
    const text = `sample_name\nS1\n${',\n'.repeat(20_000)}S2\n`;
    const sheet = await parse(text);
    expect(sheet.stats).toMatchObject({ dataRows: 2, blankRows: 20_000 });
    expect(sheet.rows.at(-1)!.rowNumber).toBe(20_003);
  });

  it('takes a smaller maxRows', async () => {
    const result = await parseSampleSheet(sheetOf(3), { maxRows: 2 });
    expect(errorOf(result)).toMatchObject({ code: 'TOO_MANY_ROWS', detail: { maxRows: 2 } });
  });
});

describe('bytes', () => {
  it('reads a stream', async () => {
    const result = await parseSampleSheet(
      Readable.from([Buffer.from('sample_name,vol'), Buffer.from('ume\nS1,20\n')]),
    );
    expect(result.ok && result.sheet.rows[0]!.values).toMatchObject({ sampleName: 'S1', volumeUl: 20 });
  });

  it('refuses more than maxBytes, from bytes or a stream', async () => {
    const bytes = encode('sample_name\nS1\n');
    expect(errorOf(await parseSampleSheet(bytes, { maxBytes: 10 }))?.code).toBe('FILE_TOO_LARGE');
    expect(errorOf(await parseSampleSheet(Readable.from([bytes, bytes]), { maxBytes: 20 }))?.code).toBe(
      'FILE_TOO_LARGE',
    );
  });

  it('rethrows a failing stream rather than calling it a bad sheet', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(parseSampleSheet(broken)).rejects.toThrow('connection reset');
  });

  it.each<[string, number[], string]>([
    ['an xlsx workbook', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00], 'zip'],
    ['an xls workbook', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00], 'ole'],
    ['a PDF', [...Buffer.from('%PDF-1.4\n')], 'pdf'],
    ['a PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'png'],
  ])('refuses %s by name', async (_name, bytes, detected) => {
    const error = errorOf(await parseSampleSheet(new Uint8Array(bytes)));
    expect(error).toMatchObject({ code: 'NOT_TEXT', detail: { detected } });
    expect(error!.message).toMatch(/CSV UTF-8/);
  });

  it('refuses binary without a known signature', async () => {
    const random = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    expect(errorOf(await parseSampleSheet(random))?.code).toBe('NOT_TEXT');
    const controls = new Uint8Array(600).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41));
    expect(errorOf(await parseSampleSheet(controls))?.code).toBe('NOT_TEXT');
  });

  it('reads UTF-16 with a byte-order mark (Excel "Unicode text")', async () => {
    const text = '\ufeffSample Name\tVolume (µL)\r\nS1\t20\r\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const [bytes, encoding] of [
      [le, 'utf-16le'],
      [be, 'utf-16be'],
    ] as const) {
      const result = await parseSampleSheet(bytes);
      expect(result.ok && result.document).toMatchObject({ encoding, bom: true, delimiter: '\t' });
      expect(result.ok && result.sheet.rows[0]!.values).toMatchObject({ sampleName: 'S1', volumeUl: 20 });
    }
  });

  it('refuses UTF-16 without a byte-order mark', async () => {
    expect(errorOf(await parseSampleSheet(Buffer.from('sample_name\nS1\n', 'utf16le')))?.code).toBe(
      'NOT_TEXT',
    );
  });

  it('reads Windows-1252 (µ as 0xB5), with a warning', async () => {
    const bytes = Buffer.from('Sample Name,Volume (\xb5L),Lab\nS1,20,Müller\n', 'latin1');
    const result = await parseSampleSheet(bytes);
    expect(result.ok && result.document.encoding).toBe('windows-1252');
    expect(result.ok && result.sheet.columns[1]).toMatchObject({ field: 'volumeUl', unit: 'µL' });
    expect(result.ok && result.sheet.rows[0]!.values).toMatchObject({ volumeUl: 20, lab: 'Müller' });
    expect(result.ok && result.sheet.issues[0]).toMatchObject({
      code: 'ENCODING_GUESSED',
      severity: 'warning',
    });
  });

  it('gives the sha256 of the bytes as read', async () => {
    const bytes = encode('sample_name\nS1\n');
    const [a, b] = await Promise.all([
      parseSampleSheet(bytes),
      parseSampleSheet(Readable.from([Buffer.from(bytes)])),
    ]);
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect([a.ok && a.document.sha256, b.ok && b.document.sha256]).toEqual([expected, expected]);
  });
});
