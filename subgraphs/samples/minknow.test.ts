import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  checkEntries,
  checkRunFields,
  defaultAlias,
  defaultSampleType,
  normalizeBarcode,
  normalizeKit,
  sanitizeAlias,
} from './minknow-rules.ts';
import {
  buildMinknowSampleSheet,
  findSheetProblem,
  toSheetRows,
  type SheetEntry,
  type SheetRun,
} from './minknow.ts';

const HEADER =
  'flow_cell_id,position_id,sample_id,experiment_id,flow_cell_product_code,kit,barcode,alias,type';

const minion: SheetRun = {
  flowCellId: 'FAK12345',
  productCode: 'FLO-MIN114',
  format: 'MINION',
  position: null,
  kit: 'SQK-LSK114',
  experimentId: 'EXP-2026-01',
};
const promethion: SheetRun = {
  flowCellId: 'PAW54321',
  productCode: 'FLO-PRO114M',
  format: 'PROMETHION',
  position: '1A',
  kit: 'SQK-NBD114-24',
  experimentId: 'JL-147',
};

function entry(n: number, overrides: Partial<SheetEntry> = {}): SheetEntry {
  const labSampleId = `JL-147-00${n}`;
  return {
    barcode: `barcode0${n}`,
    alias: labSampleId,
    type: 'test_sample',
    sample: { id: `sample-${n}`, name: `Sample ${n}`, labSampleId },
    ...overrides,
  };
}

function refusal(run: SheetRun, entries: SheetEntry[]): Record<string, unknown> {
  try {
    buildMinknowSampleSheet(run, entries);
  } catch (error) {
    const { message, extensions } = error as GraphQLError;
    return { message, ...extensions };
  }
  throw new Error('the sheet was accepted');
}

describe('buildMinknowSampleSheet', () => {
  it('writes a MinION single-sample sheet: no position, no barcode, LF line ends', () => {
    const sheet = buildMinknowSampleSheet(minion, [entry(3, { barcode: null })]);
    expect(sheet).toBe(
      `${HEADER}\nFAK12345,,JL-147-003,EXP-2026-01,FLO-MIN114,SQK-LSK114,,JL-147-003,test_sample\n`,
    );
  });

  it('writes a barcoded PromethION sheet with one row per sample, in load order', () => {
    const sheet = buildMinknowSampleSheet(promethion, [
      entry(2),
      entry(1, { alias: 'patient_A' }),
      entry(3, {
        type: 'negative_control',
        sample: { id: 'sample-3', name: 'NTC (negative)', labSampleId: null },
        alias: 'NTC_negative_',
      }),
    ]);
    expect(sheet).toBe(
      [
        HEADER,
        'PAW54321,1A,JL-147-002,JL-147,FLO-PRO114M,SQK-NBD114-24,barcode02,JL-147-002,test_sample',
        'PAW54321,1A,JL-147-001,JL-147,FLO-PRO114M,SQK-NBD114-24,barcode01,patient_A,test_sample',
        'PAW54321,1A,NTC__negative_,JL-147,FLO-PRO114M,SQK-NBD114-24,barcode03,NTC_negative_,negative_control',
        '',
      ].join('\n'),
    );
  });

  const cases: {
    name: string;
    run: SheetRun;
    entries: SheetEntry[];
    rule: string;
    row: number | null;
  }[] = [
    { name: 'no samples', run: minion, entries: [], rule: 'EMPTY_RUN', row: null },
    {
      name: 'a position on a MinION',
      run: { ...minion, position: '1A' },
      entries: [entry(1, { barcode: null })],
      rule: 'POSITION_PROMETHION_ONLY',
      row: 1,
    },
    {
      name: 'a position on a Flongle',
      run: { ...minion, format: 'FLONGLE', productCode: 'FLO-FLG114', position: '2' },
      entries: [entry(1, { barcode: null })],
      rule: 'POSITION_PROMETHION_ONLY',
      row: 1,
    },
    {
      name: 'no position on a PromethION',
      run: { ...promethion, position: null },
      entries: [entry(1), entry(2)],
      rule: 'POSITION_REQUIRED',
      row: 1,
    },
    {
      name: 'a position that is not one',
      run: { ...promethion, position: '4A' },
      entries: [entry(1)],
      rule: 'POSITION_FORMAT',
      row: 1,
    },
    {
      name: "the form's dotted kit",
      run: { ...promethion, kit: 'SQK-NBD114.24' },
      entries: [entry(1), entry(2)],
      rule: 'KIT_FORMAT',
      row: 1,
    },
    {
      name: 'a product code of another format',
      run: { ...minion, productCode: 'FLO-PRO114M' },
      entries: [entry(1, { barcode: null })],
      rule: 'PRODUCT_CODE_FORMAT',
      row: 1,
    },
    {
      name: 'a barcode used twice',
      run: promethion,
      entries: [entry(1), entry(2), entry(3, { barcode: 'barcode01' })],
      rule: 'DUPLICATE_BARCODE',
      row: 3,
    },
    {
      name: 'an alias used twice',
      run: promethion,
      entries: [entry(1), entry(2, { alias: 'JL-147-001' })],
      rule: 'DUPLICATE_ALIAS',
      row: 2,
    },
    {
      name: 'several samples, one without a barcode',
      run: promethion,
      entries: [entry(1), entry(2, { barcode: null }), entry(3)],
      rule: 'BARCODE_REQUIRED',
      row: 2,
    },
    {
      name: 'an alias with a space',
      run: promethion,
      entries: [entry(1), entry(2, { alias: 'patient A' })],
      rule: 'ALIAS_FORMAT',
      row: 2,
    },
    {
      name: 'an alias that reads as a barcode name',
      run: promethion,
      entries: [entry(1, { alias: 'barcode07' })],
      rule: 'ALIAS_FORMAT',
      row: 1,
    },
    {
      name: 'a barcode that is not one',
      run: promethion,
      entries: [entry(1), entry(2, { barcode: 'BC02' })],
      rule: 'BARCODE_FORMAT',
      row: 2,
    },
    {
      name: 'a type MinKNOW does not know',
      run: promethion,
      entries: [entry(1, { type: 'control' })],
      rule: 'SAMPLE_TYPE',
      row: 1,
    },
    {
      name: 'a comma in the flow cell id',
      run: { ...minion, flowCellId: 'FAK1,FAK2' },
      entries: [entry(1, { barcode: null })],
      rule: 'CELL_FORMAT',
      row: 1,
    },
    {
      name: 'a quote in the experiment id',
      run: { ...minion, experimentId: 'EXP "1"' },
      entries: [entry(1, { barcode: null })],
      rule: 'CELL_FORMAT',
      row: 1,
    },
  ];

  it.each(cases)('refuses $name: $rule at row $row', ({ run, entries, rule, row }) => {
    const refused = refusal(run, entries);
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', rule, row });
    if (row !== null) {
      const sample = entries[row - 1]!.sample;
      expect(refused.sampleId).toBe(sample.id);
      expect(refused.message).toContain(`row ${row} (sample ${sample.labSampleId ?? sample.name})`);
    }
  });

  it('refuses rows with different experiment ids (ONE_EXPERIMENT_ID), naming the first that differs', () => {
    const rows = toSheetRows(promethion, [entry(1), entry(2), entry(3)]);
    rows[2]!.experimentId = 'OTHER';
    expect(findSheetProblem(rows)).toMatchObject({
      rule: 'ONE_EXPERIMENT_ID',
      row: 3,
      sample: { id: 'sample-3' },
    });
  });

  it('checks uniqueness per flow cell, so rows of two flow cells may share a barcode', () => {
    const rows = [
      ...toSheetRows(promethion, [entry(1), entry(2)]),
      ...toSheetRows({ ...promethion, flowCellId: 'PAW99999', position: '1B' }, [entry(1), entry(2)]),
    ];
    expect(findSheetProblem(rows)).toBeNull();
  });

  it('uses the sanitised lab id, else the name, as sample_id', () => {
    const [row] = toSheetRows(minion, [
      entry(1, { sample: { id: 's', name: 'Mouse liver #4 (rep 2)', labSampleId: null } }),
    ]);
    expect(row!.sampleId).toBe('Mouse_liver__4__rep_2_');
  });
});

describe('normalising', () => {
  it.each([
    ['SQK-NBD114.24', 'SQK-NBD114-24'],
    ['SQK-RBK114.96', 'SQK-RBK114-96'],
    [' sqk-lsk114 ', 'SQK-LSK114'],
    ['SQK-NBD114-24', 'SQK-NBD114-24'],
  ])('writes the kit %s as MinKNOW does: %s', (kit, expected) => {
    expect(normalizeKit(kit)).toBe(expected);
    expect(checkRunFields({ ...minion, kit: normalizeKit(kit) })).toBeNull();
  });

  it.each(['SQK_LSK114', 'SQK-NBD114-24-1', 'LSK114', 'SQK-'])('refuses the kit %s (KIT_FORMAT)', (kit) => {
    expect(checkRunFields({ ...minion, kit: normalizeKit(kit) })).toMatchObject({
      rule: 'KIT_FORMAT',
      field: 'kit',
    });
  });

  it.each(['1A', '3H', '1', '9', '10', '48'])('accepts the PromethION position %s', (position) => {
    expect(checkRunFields({ ...promethion, position })).toBeNull();
  });

  it.each(['4A', '1I', '0', 'A1', '50', '1A1'])('refuses the PromethION position %s', (position) => {
    expect(checkRunFields({ ...promethion, position })).toMatchObject({ rule: 'POSITION_FORMAT' });
  });

  it.each([
    ['MINION', 'FLO-MIN114', true],
    ['MINION', 'FLO-FLG114', false],
    ['PROMETHION', 'FLO-PRO114M', true],
    ['FLONGLE', 'FLO-FLG114', true],
    ['FLONGLE', 'FLO-MIN114', false],
  ] as const)('%s with product code %s: accepted %s', (format, productCode, ok) => {
    const run = { ...minion, format, productCode, position: format === 'PROMETHION' ? '1A' : null };
    expect(checkRunFields(run)).toEqual(ok ? null : expect.objectContaining({ rule: 'PRODUCT_CODE_FORMAT' }));
  });

  it('lower-cases barcodes and treats empty as none', () => {
    expect(normalizeBarcode(' Barcode07 ')).toBe('barcode07');
    expect(normalizeBarcode('')).toBeNull();
    expect(normalizeBarcode(null)).toBeNull();
  });

  it('defaults the alias to the lab id, else the name, made safe', () => {
    expect(defaultAlias({ name: 'Sample 1', labSampleId: 'JL-147-001' })).toBe('JL-147-001');
    expect(defaultAlias({ name: 'Sample 1, "rep"', labSampleId: null })).toBe('Sample_1___rep_');
    expect(sanitizeAlias('x'.repeat(50))).toHaveLength(40);
  });

  it.each([
    [{ name: 'Liver 1', isControl: false }, 'test_sample'],
    [{ name: 'Positive control', isControl: true }, 'positive_control'],
    [{ name: 'NEG ctrl (NEGATIVE)', isControl: true }, 'negative_control'],
    [{ name: 'Lambda', isControl: true }, 'test_sample'],
    [{ name: 'positive-looking sample', isControl: false }, 'test_sample'],
  ])('types %o as %s', (sample, type) => {
    expect(defaultSampleType(sample)).toBe(type);
  });

  it('reports an entry problem by index, the later of two duplicates', () => {
    const entries = [
      { barcode: 'barcode01', alias: 'a', type: 'test_sample' },
      { barcode: 'barcode02', alias: 'b', type: 'test_sample' },
      { barcode: 'barcode01', alias: 'c', type: 'test_sample' },
    ];
    expect(checkEntries(entries)).toMatchObject({ rule: 'DUPLICATE_BARCODE', index: 2 });
  });
});
