// Headers as people write them: aliases, case, order, units (µ U+00B5 and μ U+03BC alike), BOM, CRLF, semicolons
// and tabs. Each variant must give the same values as the template's own spelling.
import { describe, expect, it } from 'vitest';
import { columnLetter, mapColumns, matchHeader } from './headers.ts';
import { parseSampleSheet } from './parse-sheet.ts';
import type { ParsedSheet, SheetField } from './types.ts';

const encode = (text: string) => new TextEncoder().encode(text);

async function parse(text: string): Promise<ParsedSheet> {
  const result = await parseSampleSheet(encode(text));
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.sheet;
}

describe('matchHeader', () => {
  it.each<[string, SheetField | null, string | null, number]>([
    ['sample_name', 'sampleName', null, 1],
    ['Sample Name', 'sampleName', null, 1],
    ['sample-name', 'sampleName', null, 1],
    ['SAMPLE NAME', 'sampleName', null, 1],
    ['Name', 'sampleName', null, 1],
    ['Sample ID', 'sampleName', null, 1],
    ['Sample Name*', 'sampleName', null, 1],
    ['Sample Name (required)', 'sampleName', null, 1],
    ['Submitter Name', 'submitterName', null, 1],
    ['E-mail', 'submitterEmail', null, 1],
    ['Lab', 'lab', null, 1],
    ['Sample Type (DNA/RNA)', 'sampleType', null, 1],
    ['Buffer', 'buffer', null, 1],
    ['Volume (µL)', 'volumeUl', 'µL', 1],
    ['Volume (μL)', 'volumeUl', 'µL', 1],
    ['volume_ul', 'volumeUl', 'µL', 1],
    ['Vol (uL)', 'volumeUl', 'µL', 1],
    ['Vol. [ul]', 'volumeUl', 'µL', 1],
    ['Volume (mL)', 'volumeUl', 'mL', 1000],
    ['volume_ml', 'volumeUl', 'mL', 1000],
    ['Concentration (ng/µL)', 'concentrationNgPerUl', 'ng/µL', 1],
    ['Concentration (ng/μL)', 'concentrationNgPerUl', 'ng/µL', 1],
    ['conc', 'concentrationNgPerUl', null, 1],
    ['Conc. (ng/ul)', 'concentrationNgPerUl', 'ng/µL', 1],
    ['concentration_ng_ul', 'concentrationNgPerUl', 'ng/µL', 1],
    ['Concentration (µg/mL)', 'concentrationNgPerUl', 'µg/mL', 1],
    ['Concentration (ng/mL)', 'concentrationNgPerUl', 'ng/mL', 0.001],
    ['Qubit', 'qubitNgPerUl', null, 1],
    ['Qubit Conc. (ng/µL)', 'qubitNgPerUl', 'ng/µL', 1],
    ['Nanodrop Conc. (ng/µL)', 'nanodropNgPerUl', 'ng/µL', 1],
    ['A260/A280 ratio', 'a260_280', null, 1],
    ['260/280', 'a260_280', null, 1],
    ['A260/230', 'a260_230', null, 1],
    ['Total Amount (ng)', 'totalNg', 'ng', 1],
    ['total_ng', 'totalNg', 'ng', 1],
    ['Total (µg)', 'totalNg', 'µg', 1000],
    ['Flow Cell', 'flowCellType', null, 1],
    ['Number of flow cells', 'flowCellCount', null, 1],
    ['Flow cells', 'flowCellCount', null, 1],
    ['PRIORITY', 'priority', null, 1],
    ['Assigned To', 'assignedTo', null, 1],
    ['Library prep by', 'libraryPrepBy', null, 1],
    ['Chart String', 'chartField', null, 1],
    ['Notes', null, null, 1],
    ['Barcode', null, null, 1],
  ])('%j -> %s %s x%d', (header, field, unit, factor) => {
    expect(matchHeader(header)).toMatchObject({ field, unit, factor, unsupportedUnit: null });
  });

  it('refuses a unit that cannot be converted instead of ignoring it', () => {
    expect(matchHeader('Concentration (nM)')).toMatchObject({
      field: 'concentrationNgPerUl',
      unsupportedUnit: 'nM',
    });
    expect(matchHeader('Volume (ng)')).toMatchObject({ field: 'volumeUl', unsupportedUnit: 'ng' });
    expect(matchHeader('Concentration (approx.)')).toMatchObject({
      field: 'concentrationNgPerUl',
      unsupportedUnit: null,
    });
  });

  it('names spreadsheet columns by letter', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual([
      'A',
      'B',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
  });
});

describe('mapColumns', () => {
  it('keeps unknown, duplicate and unnamed columns, and says so', () => {
    const { columns, issues } = mapColumns([
      'Sample',
      'Notes',
      'Conc',
      'Qubit',
      'Concentration',
      '',
      'Vol (mL)',
      'Conc (nM)',
    ]);
    expect(columns.map((c) => [c.letter, c.field, c.status])).toEqual([
      ['A', 'sampleName', 'MAPPED'],
      ['B', null, 'UNKNOWN'],
      ['C', 'concentrationNgPerUl', 'MAPPED'],
      ['D', 'qubitNgPerUl', 'MAPPED'],
      ['E', 'concentrationNgPerUl', 'DUPLICATE'],
      ['F', null, 'UNNAMED'],
      ['G', 'volumeUl', 'MAPPED'],
      ['H', 'concentrationNgPerUl', 'DUPLICATE'],
    ]);
    expect(issues.map((i) => [i.path, i.severity, i.code])).toEqual([
      ['columns[1]', 'warning', 'UNKNOWN_COLUMN'],
      ['columns[4]', 'warning', 'DUPLICATE_COLUMN'],
      ['columns[6]', 'info', 'COLUMN_UNIT_CONVERTED'],
      ['columns[7]', 'warning', 'DUPLICATE_COLUMN'],
    ]);
  });

  it('reports an unconvertible unit as an error on the sheet', () => {
    const { columns, issues } = mapColumns(['Sample', 'Concentration (nM)']);
    expect(columns[1]).toMatchObject({
      field: 'concentrationNgPerUl',
      status: 'UNSUPPORTED_UNIT',
      unit: 'nM',
    });
    expect(issues).toEqual([
      expect.objectContaining({ path: 'columns[1]', severity: 'error', code: 'UNSUPPORTED_UNIT' }),
    ]);
  });
});

describe('header variants give the template values', () => {
  const TEMPLATE_ROW = {
    sampleName: 'S1',
    volumeUl: 20,
    concentrationNgPerUl: 50.5,
    totalNg: 1010,
    priority: 'HIGH',
    nucleicAcid: 'DNA',
    chemistry: 'R10.4.1',
    flowCellCount: 2,
    submitterEmail: 'a.b@lab.org',
  };

  it.each<[string, string]>([
    [
      'template spelling',
      'sample_name,volume,concentration,total_amount,priority,sample_type,flow_cell_type,flow_cell_count,submitter_email\nS1,20,50.5,1010,high,DNA,R10.4.1,2,a.b@lab.org\n',
    ],
    [
      'aliases, upper case, other order',
      'FLOW CELLS,E-Mail,Name,Type,Conc. (ng/µL),Vol (uL),Total (ng),Urgency,Flow Cell\n2,a.b@lab.org,S1,dna,50.5,20,1010,HIGH,r10.4.1\n',
    ],
    [
      'BOM and CRLF',
      '\ufeffSample Name,Volume (µL),Concentration (ng/μL),Total Amount,Priority,Sample Type,Flow Cell Type,Flow Cell Count,Submitter Email\r\nS1,20,50.5,1010,High,DNA,R10.4.1,2,a.b@lab.org\r\n',
    ],
    [
      'semicolons with decimal commas',
      'Sample Name;Volume (µL);Concentration (ng/µL);Total amount (ng);Priority;Sample type;Flow cell type;Flow cell count;Email\nS1;20;50,5;1010;high;DNA;R10.4.1;2;a.b@lab.org\n',
    ],
    [
      'tabs',
      'Sample Name\tVolume (µL)\tConcentration (ng/µL)\tTotal amount (ng)\tPriority\tSample type\tFlow cell type\tFlow cell count\tEmail\nS1\t20\t50.5\t1010\thigh\tDNA\tR10.4.1\t2\ta.b@lab.org\n',
    ],
    [
      "Excel's sep= line",
      'sep=;\nSample Name;Volume (µL);Concentration (ng/µL);Total amount (ng);Priority;Sample type;Flow cell type;Flow cell count;Email\nS1;20;50,5;1010;high;DNA;R10.4.1;2;a.b@lab.org\n',
    ],
    [
      'units in mL and µg, converted',
      'Sample,Volume (mL),Concentration (µg/mL),Total (µg),Priority,Type,Chemistry,Flow cells,Email\nS1,0.02,50.5,1.01,high,DNA,R10.4.1,2,a.b@lab.org\n',
    ],
    [
      'µ (U+00B5) in one header, μ (U+03BC) in another, and units in the cells',
      'Sample Name,Volume (μL),Concentration (µg/mL),Total Amount,Priority,Sample Type,Flow Cell Type,Flow Cell Count,Email\nS1,20 µL,50.5 ng/μL,1010 ng,high,DNA,R10.4.1,2,a.b@lab.org\n',
    ],
  ])('%s', async (_name, text) => {
    const sheet = await parse(text);
    expect(sheet.rows).toHaveLength(1);
    expect(sheet.rows[0]!.values).toMatchObject(TEMPLATE_ROW);
    expect(sheet.rows[0]!.errors).toEqual([]);
    expect(sheet.rows[0]!.warnings).toEqual([]);
    expect(sheet.issues.filter((issue) => issue.severity !== 'info')).toEqual([]);
  });

  it('reports the separator and line ends it found', async () => {
    const semicolons = await parseSampleSheet(encode('\ufeffSample Name;Volume\r\nS1;1,5\r\n'));
    expect(semicolons.ok && semicolons.document).toMatchObject({
      bom: true,
      delimiter: ';',
      decimalSeparator: ',',
      lineEnding: 'CRLF',
    });
    expect(semicolons.ok && semicolons.sheet.rows[0]!.values.volumeUl).toBe(1.5);
    const tabs = await parseSampleSheet(encode('Sample Name\tVolume\nS1\t1.5'));
    expect(tabs.ok && tabs.document).toMatchObject({
      bom: false,
      delimiter: '\t',
      decimalSeparator: '.',
      lineEnding: 'LF',
    });
  });

  it('takes a delimiter and decimal separator when told', async () => {
    const result = await parseSampleSheet(encode('Sample Name;Volume\nS1;1.5\n'), {
      delimiter: ';',
      decimalSeparator: '.',
    });
    expect(result.ok && result.sheet.rows[0]!.values.volumeUl).toBe(1.5);
  });

  it('refuses a sheet without a sample name column, naming the headers it saw', async () => {
    const result = await parseSampleSheet(encode('project_id,volume,concentration\nP1,20,50\n'));
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'MISSING_REQUIRED_COLUMN',
        detail: { row: 1, headers: 'project_id | volume | concentration' },
      }),
    });
  });

  it('keeps the cells of unknown columns in extra', async () => {
    const sheet = await parse('Sample Name,Notes,Volume,Notes\nS1,keep cold,20,second\n');
    expect(sheet.rows[0]!.extra).toEqual({ Notes: 'keep cold', 'Notes (D)': 'second' });
    expect(sheet.issues.map((i) => i.code)).toEqual(['UNKNOWN_COLUMN', 'UNKNOWN_COLUMN', 'MISSING_COLUMN']);
  });
});
