// One row at a time: values as typed in a sheet -> normalised values, errors and warnings (tables of cases).
import { describe, expect, it } from 'vitest';
import { isControlName } from './controls.ts';
import { mapColumns } from './headers.ts';
import { readNumber } from './numbers.ts';
import { DEFAULT_SHEET_QC } from './sample-qc.ts';
import type { DecimalSeparator, SheetRow } from './types.ts';
import { markDuplicateNames, validateRow } from './validate-row.ts';
import { readFlowCellType, readPriority, readSampleType } from './vocabulary.ts';

const TEMPLATE = [
  'sample_name',
  'submitter_email',
  'sample_type',
  'concentration',
  'volume',
  'total_amount',
  'flow_cell_type',
  'flow_cell_count',
  'priority',
];

/** A row of the template's columns above, given only the cells that matter to the case. */
function row(cells: Record<string, string>, headers = TEMPLATE, decimal: DecimalSeparator = '.'): SheetRow {
  const { columns } = mapColumns(headers);
  const defaults: Record<string, string> = { sample_name: 'S1', concentration: '50', volume: '20' };
  const values = headers.map((header) => cells[header] ?? defaults[header] ?? '');
  return validateRow({ rowNumber: 2, line: 2, cells: values }, { columns, decimal, qc: DEFAULT_SHEET_QC });
}

const codes = (problems: SheetRow['errors']) => problems.map((p) => p.code);

describe('readNumber', () => {
  it.each<[string, DecimalSeparator, number | null]>([
    ['20', '.', 20],
    ['20.0', '.', 20],
    ['.5', '.', 0.5],
    ['+3', '.', 3],
    ['-5', '.', -5],
    ['−5', '.', -5],
    ['1,010.0', '.', 1010],
    ['1,010', '.', 1010],
    ['1,000,000', '.', 1_000_000],
    ['1.5E+03', '.', 1500],
    ['50,5', ',', 50.5],
    ['1.010,5', ',', 1010.5],
    ['1.010.000', ',', 1_010_000],
    ['20.5', ',', 20.5],
    ['', '.', null],
    ['  ', '.', null],
    ['n/a', '.', null],
    ['N/A', '.', null],
    ['-', '.', null],
  ])('%j (decimal %s) -> %s', (text, decimal, value) => {
    expect(readNumber(text, 'volume', decimal)).toEqual({ ok: true, value, unit: null });
  });

  it.each<[string, DecimalSeparator, string]>([
    ['abc', '.', 'NOT_A_NUMBER'],
    ['~50', '.', 'NOT_A_NUMBER'],
    ['50,5', '.', 'NOT_A_NUMBER'],
    ['1,0100', '.', 'NOT_A_NUMBER'],
    ['12-15', '.', 'NOT_A_NUMBER'],
    ['1.2.3', '.', 'NOT_A_NUMBER'],
    ['1.010', ',', 'AMBIGUOUS_NUMBER'],
    ['50 nM', '.', 'UNKNOWN_UNIT'],
    ['50 ng', '.', 'UNKNOWN_UNIT'],
  ])('%j (decimal %s) is %s', (text, decimal, code) => {
    expect(readNumber(text, 'concentration', decimal)).toMatchObject({ ok: false, code });
  });

  it('explains a decimal comma in a decimal-point sheet', () => {
    expect(readNumber('50,5', 'volume', '.')).toMatchObject({
      reason: 'is not a number (use "." as the decimal separator)',
    });
  });

  it.each<[string, string, number, string, number]>([
    ['50 ng/µL', 'concentration', 50, 'ng/µL', 1],
    ['50 ng/μL', 'concentration', 50, 'ng/µL', 1],
    ['50ng/ul', 'concentration', 50, 'ng/µL', 1],
    ['50 ng per µl', 'concentration', 50, 'ng/µL', 1],
    ['50 µg/mL', 'concentration', 50, 'µg/mL', 1],
    ['20 µL', 'volume', 20, 'µL', 1],
    ['20 mcl', 'volume', 20, 'µL', 1],
    ['0.5 mL', 'volume', 0.5, 'mL', 1000],
    ['1.2 µg', 'mass', 1.2, 'µg', 1000],
  ])('%j keeps %s %d with unit %s', (text, dimension, value, label, factor) => {
    expect(readNumber(text, dimension as 'volume', '.')).toEqual({
      ok: true,
      value,
      unit: { label, factor },
    });
  });
});

describe('validateRow: errors make the value null', () => {
  it.each<[string, Record<string, string>, string, string]>([
    ['a name missing', { sample_name: '' }, 'sampleName', 'REQUIRED_MISSING'],
    ['a name too long', { sample_name: 'x'.repeat(201) }, 'sampleName', 'TOO_LONG'],
    ['a malformed e-mail', { submitter_email: 'john.doe@' }, 'submitterEmail', 'INVALID_EMAIL'],
    ['two e-mails', { submitter_email: 'a@b.org, c@d.org' }, 'submitterEmail', 'INVALID_EMAIL'],
    ['a concentration in words', { concentration: 'fifty' }, 'concentrationNgPerUl', 'NOT_A_NUMBER'],
    ['a negative volume', { volume: '-5' }, 'volumeUl', 'NEGATIVE'],
    ['a volume past 10 mL', { volume: '20000' }, 'volumeUl', 'OUT_OF_RANGE'],
    ['a volume past 10 mL once converted', { volume: '11 mL' }, 'volumeUl', 'OUT_OF_RANGE'],
    ['a concentration in nM', { concentration: '50 nM' }, 'concentrationNgPerUl', 'UNKNOWN_UNIT'],
    ['a negative total', { total_amount: '-1' }, 'totalNg', 'NEGATIVE'],
    ['a fractional flow cell count', { flow_cell_count: '1.5' }, 'flowCellCount', 'NOT_A_POSITIVE_INTEGER'],
    ['zero flow cells', { flow_cell_count: '0' }, 'flowCellCount', 'NOT_A_POSITIVE_INTEGER'],
    ['a negative flow cell count', { flow_cell_count: '-2' }, 'flowCellCount', 'NEGATIVE'],
    ['flow cells in words', { flow_cell_count: 'two' }, 'flowCellCount', 'NOT_A_NUMBER'],
  ])('%s', (_name, cells, field, code) => {
    const result = row(cells);
    expect(result.errors).toEqual([expect.objectContaining({ field, code })]);
    expect(result.values[field as keyof SheetRow['values']]).toBeNull();
    expect(result.kind).toBe('SAMPLE');
  });

  it('names the column as written and the cell in the message', () => {
    const result = row({ 'Sample Name': 'S1', 'Vol (uL)': '-5' }, ['Sample Name', 'Vol (uL)']);
    expect(result.errors).toEqual([
      { field: 'volumeUl', column: 'Vol (uL)', code: 'NEGATIVE', message: '"Vol (uL)" "-5" is negative.' },
    ]);
  });

  it('lists several errors left to right', () => {
    const result = row({ flow_cell_count: 'x', volume: 'y', submitter_email: 'z' });
    expect(result.errors.map((e) => e.field)).toEqual(['submitterEmail', 'volumeUl', 'flowCellCount']);
  });

  it('keeps the other values of a row with errors', () => {
    const result = row({ volume: '-5', priority: 'urgent', flow_cell_type: 'R10.4.1' });
    expect(result.values).toMatchObject({
      sampleName: 'S1',
      concentrationNgPerUl: 50,
      priority: 'URGENT',
      chemistry: 'R10.4.1',
    });
  });
});

describe('validateRow: warnings keep the value', () => {
  it.each<[string, Record<string, string>, string, string]>([
    [
      'DNA below 10 ng/µL',
      { concentration: '9.9', sample_type: 'DNA' },
      'concentrationNgPerUl',
      'LOW_CONCENTRATION',
    ],
    [
      'a total 10% off',
      { concentration: '50', volume: '20', total_amount: '890' },
      'totalNg',
      'TOTAL_MISMATCH',
    ],
    ['an unknown priority', { priority: 'whenever' }, 'priority', 'UNKNOWN_PRIORITY'],
    ['an unknown sample type', { sample_type: 'protein' }, 'sampleType', 'UNKNOWN_SAMPLE_TYPE'],
    ['an unknown flow cell', { flow_cell_type: 'the big one' }, 'flowCellType', 'UNKNOWN_FLOW_CELL_TYPE'],
    ['a volume given in mL', { volume: '0.02 mL' }, 'volumeUl', 'UNIT_CONVERTED'],
    ['no volume', { volume: '' }, 'volumeUl', 'MISSING_VALUE'],
    ['no concentration', { concentration: '' }, 'concentrationNgPerUl', 'MISSING_VALUE'],
  ])('%s', (_name, cells, field, code) => {
    const result = row(cells);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([expect.objectContaining({ field, code })]);
  });

  it('uses NORMAL for an unknown priority and the converted value for another unit', () => {
    expect(row({ priority: 'whenever' }).values.priority).toBe('NORMAL');
    expect(row({ volume: '0.02 mL' }).values.volumeUl).toBe(20);
    expect(row({ volume: '0.02 mL' }).warnings[0]!.message).toBe(
      '"volume" "0.02 mL" was converted to 20 µL.',
    );
  });

  it.each<[string, Record<string, string>]>([
    ['a total within 10%', { concentration: '50', volume: '20', total_amount: '1099' }],
    ['exactly 10 ng/µL of DNA', { concentration: '10', sample_type: 'DNA' }],
    ['RNA below 10 ng/µL (the guidance is for DNA)', { concentration: '5', sample_type: 'RNA' }],
    ['a control without measurements', { sample_name: 'Negative control', concentration: '', volume: '' }],
    ['a blank at 0 ng/µL', { sample_name: 'BLANK', concentration: '0' }],
    ['an empty priority (NORMAL)', { priority: '' }],
  ])('no warning for %s', (_name, cells) => {
    expect(row(cells).warnings).toEqual([]);
  });

  it("warns on A260 ratios outside the DNA range, with the quote grid's columns", () => {
    const headers = ['Sample Name', 'Qubit (ng/µL)', 'Nanodrop (ng/µL)', 'Volume', 'A260/280', 'A260/230'];
    const cells = {
      'Sample Name': 'S1',
      'Qubit (ng/µL)': '',
      'Nanodrop (ng/µL)': '298.9',
      Volume: '2',
      'A260/280': '1.6',
      'A260/230': '2.1',
    };
    const result = row(cells, headers);
    expect(result.values).toMatchObject({
      concentrationNgPerUl: 298.9,
      qubitNgPerUl: null,
      nanodropNgPerUl: 298.9,
      a260_280: 1.6,
      a260_230: 2.1,
    });
    expect(codes(result.warnings)).toEqual(['A260_280_OUT_OF_RANGE']);
  });

  it('prefers the concentration column, then Qubit, then Nanodrop', () => {
    const headers = ['Sample', 'Concentration', 'Qubit', 'Nanodrop', 'Volume'];
    const cells = (c: string, q: string, n: string) => ({
      Sample: 'S1',
      Concentration: c,
      Qubit: q,
      Nanodrop: n,
      Volume: '2',
    });
    expect(row(cells('40', '30', '20'), headers).values.concentrationNgPerUl).toBe(40);
    expect(row(cells('', '30', '20'), headers).values.concentrationNgPerUl).toBe(30);
    expect(row(cells('', '', '20'), headers).values.concentrationNgPerUl).toBe(20);
  });
});

describe('row kinds', () => {
  it.each<[string, Record<string, string>, SheetRow['kind']]>([
    ['a named sample', {}, 'SAMPLE'],
    ['a bare-number name', { sample_name: '5' }, 'SAMPLE'],
    ['Positive control', { sample_name: 'Positive control', concentration: '', volume: '' }, 'CONTROL'],
    ['a control by sample type', { sample_name: 'X', sample_type: 'Negative control' }, 'CONTROL'],
    ['measurements without a name', { sample_name: '' }, 'SAMPLE'],
    [
      'only pre-filled columns',
      { sample_name: '', concentration: '', volume: '', priority: 'high' },
      'EMPTY',
    ],
  ])('%s is %s', (_name, cells, kind) => {
    expect(row(cells).kind).toBe(kind);
  });

  it.each([
    ['Positive control', true],
    ['Negative control', true],
    ['negative-control 2', true],
    ['BLANK', true],
    ['blank2', true],
    ['Extraction blank', true],
    ['NTC', true],
    ['ntc_1', true],
    ['No template control', true],
    ['neg ctrl', true],
    ['Control', true],
    ['Lambda control', true],
    ['Control-treated liver 3', false],
    ['PC-3', false],
    ['Blanket moss', false],
    ['SAMPLE001', false],
    ['1', false],
  ])('isControlName(%j) is %s', (name, expected) => {
    expect(isControlName(name)).toBe(expected);
  });
});

describe('vocabulary', () => {
  it.each([
    ['urgent', 'URGENT'],
    ['URGENT', 'URGENT'],
    ['Stat', 'URGENT'],
    ['High', 'HIGH'],
    ['normal', 'NORMAL'],
    ['Standard', 'NORMAL'],
    ['low', 'LOW'],
  ])('priority %j is %s', (text, value) => {
    expect(readPriority(text)).toEqual({ value, known: true });
  });

  it.each([
    ['DNA', 'DNA', null],
    ['dna', 'DNA', null],
    ['gDNA', 'DNA', 'HMW_DNA'],
    ['HMW DNA', 'DNA', 'HMW_DNA'],
    ['High Molecular Weight DNA', 'DNA', 'HMW_DNA'],
    ['Fragmented DNA', 'DNA', 'FRAGMENTED_DNA'],
    ['PCR amplicons', 'DNA', 'PCR_AMPLICONS'],
    ['Amplicon', 'DNA', 'PCR_AMPLICONS'],
    ['cDNA', 'DNA', 'CDNA'],
    ['Plasmid', 'DNA', null],
    ['RNA', 'RNA', null],
    ['total RNA', 'RNA', null],
  ])('sample type %j is %s %s', (text, nucleicAcid, materialType) => {
    expect(readSampleType(text)).toEqual({ nucleicAcid, materialType, control: false, known: true });
  });

  it.each([
    ['R9.4.1', 'R9.4.1', null, null],
    ['r10.4.1', 'R10.4.1', null, null],
    ['R10.4.1 MinION', 'R10.4.1', 'MINION', null],
    ['PromethION R10.4.1', 'R10.4.1', 'PROMETHION', null],
    ['FLO-MIN114', 'R10.4.1', 'MINION', 'FLO-MIN114'],
    ['flo-pro114m', 'R10.4.1', 'PROMETHION', 'FLO-PRO114M'],
    ['FLO-MIN106D', 'R9.4.1', 'MINION', 'FLO-MIN106D'],
    ['Flongle', null, 'FLONGLE', null],
    ['FLO-FLG114', 'R10.4.1', 'FLONGLE', 'FLO-FLG114'],
  ])('flow cell %j is %s %s %s', (text, chemistry, flowCellFormat, productCode) => {
    expect(readFlowCellType(text)).toEqual({ chemistry, flowCellFormat, productCode, known: true });
  });
});

describe('markDuplicateNames', () => {
  it('flags later uses of a name, and names that differ only in case', () => {
    const rows = ['A', 'B', 'A', 'a', 'A '].map((name, i) => ({
      ...row({ sample_name: name }),
      rowNumber: i + 2,
    }));
    markDuplicateNames(rows, 'sample_name');
    expect(rows.map((r) => [codes(r.errors), codes(r.warnings)])).toEqual([
      [[], []],
      [[], []],
      [['DUPLICATE_NAME'], []],
      [[], ['NAME_DIFFERS_ONLY_BY_CASE']],
      [['DUPLICATE_NAME'], []],
    ]);
    expect(rows[4]!.errors[0]).toEqual({
      field: 'sampleName',
      column: 'sample_name',
      code: 'DUPLICATE_NAME',
      message: 'Sample name "A" is already used in row 2.',
    });
  });
});
