// The lab's real template (test/fixtures/csv/, 16 columns, 3 rows, LF line ends, no final line end, and a
// space after the last cell), value by value. Every expected value below was written from reading the file, not from the parser's output.
import { beforeAll, describe, expect, it } from 'vitest';
import { CSV_TEMPLATE, readFixture } from '../../../test/helpers/fixtures.ts';
import { TEMPLATE_COLUMNS } from './sheet-fields.ts';
import { parseSampleSheet } from './parse-sheet.ts';
import type { ParsedSheet, SampleSheetValues, SheetDocumentInfo } from './types.ts';

const HEADER =
  'sample_name,project_id,submitter_name,submitter_email,lab_name,sample_type,sample_buffer,concentration,volume,total_amount,flow_cell_type,flow_cell_count,priority,assigned_to,library_prep_by,chart_field';

const ROWS = [
  'SAMPLE001,HTSF-001,John Doe,john.doe@university.edu,Genomics Lab,DNA,Tris-EDTA,50.5,20.0,1010.0,R9.4.1,1,normal,Dr. Smith,Stephanie,HTSF-001',
  'RNA_SAMPLE_002,NANO-002,Jane Wilson,jane.wilson@lab.org,RNA Sequencing Lab,RNA,RNase-free water,25.0,50.0,1250.0,R10.4.1,1,high,Grey,Jenny,NANO-002',
  'PLASMID_003,SEQ-003,Dr. Brown,brown@research.edu,Plasmid Lab,DNA,TE Buffer,100.0,10.0,1000.0,R9.4.1,2,urgent,Dr. Johnson,Stephanie,SEQ-003 ',
];

const none = { qubitNgPerUl: null, nanodropNgPerUl: null, a260_280: null, a260_230: null } as const;
const noFormat = { flowCellFormat: null, productCode: null, materialType: null } as const;

const EXPECTED: SampleSheetValues[] = [
  {
    sampleName: 'SAMPLE001',
    projectId: 'HTSF-001',
    submitterName: 'John Doe',
    submitterEmail: 'john.doe@university.edu',
    lab: 'Genomics Lab',
    nucleicAcid: 'DNA',
    buffer: 'Tris-EDTA',
    concentrationNgPerUl: 50.5,
    volumeUl: 20,
    totalNg: 1010,
    chemistry: 'R9.4.1',
    flowCellCount: 1,
    priority: 'NORMAL',
    assignedTo: 'Dr. Smith',
    libraryPrepBy: 'Stephanie',
    chartField: 'HTSF-001',
    ...none,
    ...noFormat,
  },
  {
    sampleName: 'RNA_SAMPLE_002',
    projectId: 'NANO-002',
    submitterName: 'Jane Wilson',
    submitterEmail: 'jane.wilson@lab.org',
    lab: 'RNA Sequencing Lab',
    nucleicAcid: 'RNA',
    buffer: 'RNase-free water',
    concentrationNgPerUl: 25,
    volumeUl: 50,
    totalNg: 1250,
    chemistry: 'R10.4.1',
    flowCellCount: 1,
    priority: 'HIGH',
    assignedTo: 'Grey',
    libraryPrepBy: 'Jenny',
    chartField: 'NANO-002',
    ...none,
    ...noFormat,
  },
  {
    sampleName: 'PLASMID_003',
    projectId: 'SEQ-003',
    submitterName: 'Dr. Brown',
    submitterEmail: 'brown@research.edu',
    lab: 'Plasmid Lab',
    nucleicAcid: 'DNA',
    buffer: 'TE Buffer',
    concentrationNgPerUl: 100,
    volumeUl: 10,
    totalNg: 1000,
    chemistry: 'R9.4.1',
    flowCellCount: 2,
    priority: 'URGENT',
    assignedTo: 'Dr. Johnson',
    libraryPrepBy: 'Stephanie',
    chartField: 'SEQ-003',
    ...none,
    ...noFormat,
  },
];

let sheet: ParsedSheet;
let document: SheetDocumentInfo;

beforeAll(async () => {
  const result = await parseSampleSheet(readFixture(CSV_TEMPLATE));
  if (!result.ok) throw new Error(`template refused: ${result.error.code} ${result.error.message}`);
  ({ sheet, document } = result);
});

describe('the real CSV template', () => {
  it('is the file this test was written from', () => {
    expect(readFixture(CSV_TEMPLATE).toString('utf8')).toBe([HEADER, ...ROWS].join('\n'));
  });

  it('maps all 16 columns, in order, with no sheet issue', () => {
    expect(sheet.columns.map((c) => [c.letter, c.header, c.status])).toEqual(
      HEADER.split(',').map((header, i) => [String.fromCharCode(65 + i), header, 'MAPPED']),
    );
    expect(sheet.columns.map((c) => c.field)).toEqual([
      'sampleName',
      'projectId',
      'submitterName',
      'submitterEmail',
      'lab',
      'sampleType',
      'buffer',
      'concentrationNgPerUl',
      'volumeUl',
      'totalNg',
      'flowCellType',
      'flowCellCount',
      'priority',
      'assignedTo',
      'libraryPrepBy',
      'chartField',
    ]);
    expect(TEMPLATE_COLUMNS).toEqual(HEADER.split(','));
    expect(sheet.issues).toEqual([]);
  });

  it('reads every value of every row, with no error or warning', () => {
    expect(sheet.rows.map((row) => row.values)).toEqual(EXPECTED);
    expect(sheet.rows.map((row) => [row.rowNumber, row.line, row.kind])).toEqual([
      [2, 2, 'SAMPLE'],
      [3, 3, 'SAMPLE'],
      [4, 4, 'SAMPLE'],
    ]);
    for (const row of sheet.rows) {
      expect(row.errors).toEqual([]);
      expect(row.warnings).toEqual([]);
      expect(row.extra).toEqual({});
    }
  });

  it('keeps the cells as written, without surrounding spaces', () => {
    sheet.rows.forEach((row, i) => {
      expect(Object.values(row.raw)).toEqual(ROWS[i]!.split(',').map((cell) => cell.trim()));
    });
    expect(ROWS[2]!.endsWith('SEQ-003 ')).toBe(true);
    expect(sheet.rows[2]!.raw.chartField).toBe('SEQ-003');
    expect(sheet.rows[0]!.raw).toMatchObject({ volumeUl: '20.0', totalNg: '1010.0', priority: 'normal' });
  });

  it('counts and describes the file', () => {
    expect(sheet.stats).toEqual({
      records: 4,
      dataRows: 3,
      blankRows: 0,
      samples: 3,
      controls: 0,
      emptyRows: 0,
      rowsWithErrors: 0,
      rowsWithWarnings: 0,
      errors: 0,
      warnings: 0,
    });
    expect(document).toMatchObject({
      bytes: 631,
      encoding: 'utf-8',
      bom: false,
      delimiter: ',',
      decimalSeparator: '.',
      lineEnding: 'LF',
    });
    expect(document.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
