// exportSamples over real HTTP: the CSV's header, quoting and formula safety, the JSON shape, the caller's
// visibility and filters, and the row limit (SAMPLES_EXPORT_MAX_ROWS=3 here).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import { EXPORT_COLUMNS } from './export.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

const EXPORT = `query ($filter: SampleFilter, $orderBy: SampleOrder, $format: ExportFormat!) {
  exportSamples(filter: $filter, orderBy: $orderBy, format: $format) { filename contentType content count }
}`;
const HYPERLINK = '=HYPERLINK("http://evil.example","click")';
const BY_CREATION = { field: 'CREATED_AT', direction: 'ASC' };

let h: SamplesHarness;
const ownerA = randomUUID();
const rows: Record<string, Sample> = {};

beforeAll(async () => {
  h = await startSamplesHarness({ SAMPLES_EXPORT_MAX_ROWS: '3' });
  const create = async (key: string, data: Parameters<typeof h.subgraph.prisma.sample.create>[0]['data']) => {
    rows[key] = await h.subgraph.prisma.sample.create({ data });
  };
  await create('formula', {
    name: HYPERLINK,
    ownerId: ownerA,
    labSampleId: 'JL-9-001',
    volumeUl: 10,
    qubitNgPerUl: 5,
    nanodropNgPerUl: 7.5,
    a260_280: 1.9,
    libraryKit: 'SQK-RBK114.24',
    flowCellFormat: 'MINION',
    barcode: 'barcode01',
    rowNumber: 1,
    createdAt: new Date('2026-03-01T00:00:00.000Z'),
  });
  await create('quoted', {
    name: 'comma, "quoted"',
    ownerId: ownerA,
    lab: 'Lab, Inc',
    requesterName: '-Dash',
    isControl: true,
    createdAt: new Date('2026-03-02T00:00:00.000Z'),
  });
  await create('plain', {
    name: 'plain',
    ownerId: ownerA,
    status: 'RECEIVED',
    priority: 'URGENT',
    receivedAt: new Date('2026-03-03T00:00:00.000Z'),
    dueAt: new Date('2026-03-04T00:00:00.000Z'),
    createdAt: new Date('2026-03-03T00:00:00.000Z'),
  });
  await create('other', {
    name: 'other',
    ownerId: randomUUID(),
    createdAt: new Date('2026-03-04T00:00:00.000Z'),
  });
});
afterAll(async () => {
  await h?.close();
});

describe('exportSamples', () => {
  it("CSV: header, CRLF, formula-safe and quoted cells, only the caller's samples", async () => {
    const { body } = await h.gql(
      EXPORT,
      { format: 'CSV', orderBy: BY_CREATION },
      await h.as(['SUBMITTER'], ownerA),
    );
    expect(body.errors).toBeUndefined();
    const file = body.data.exportSamples;
    expect(file.count).toBe(3);
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.filename).toMatch(/^samples-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.csv$/);
    expect(file.content.endsWith('\r\n')).toBe(true);
    const lines = file.content.slice(0, -2).split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      'id,labSampleId,name,submissionId,rowNumber,isControl,status,stage,priority,qcStatus,ownerId,assigneeId,' +
        'requesterName,requesterEmail,lab,nucleicAcid,materialType,volumeUl,qubitNgPerUl,nanodropNgPerUl,' +
        'concentrationNgPerUl,totalNg,a260_280,a260_230,libraryKit,flowCellFormat,barcode,receivedAt,dueAt,' +
        'completedAt,createdAt',
    );
    const f = rows.formula!;
    expect(lines[1]).toBe(
      [
        f.id,
        'JL-9-001',
        `"'=HYPERLINK(""http://evil.example"",""click"")"`,
        '',
        '1',
        'false',
        'SUBMITTED',
        '',
        'NORMAL',
        'PENDING',
        ownerA,
        '',
        '',
        '',
        '',
        'DNA',
        '',
        '10',
        '5',
        '7.5',
        '5',
        '50',
        '1.9',
        '',
        'SQK-RBK114.24',
        'MINION',
        'barcode01',
        '',
        '',
        '',
        '2026-03-01T00:00:00.000Z',
      ].join(','),
    );
    expect(lines[2]).toContain(`,"comma, ""quoted""",`);
    expect(lines[2]).toContain(`,true,SUBMITTED,`);
    expect(lines[2]).toContain(`,'-Dash,,"Lab, Inc",`);
    expect(lines[3]).toContain(`,plain,`);
    expect(lines[3]).toContain(
      `,2026-03-03T00:00:00.000Z,2026-03-04T00:00:00.000Z,,2026-03-03T00:00:00.000Z`,
    );
    expect(file.content).not.toContain('other');
  });

  it('JSON: an array of objects with the same keys, typed values, in the order asked', async () => {
    const { body } = await h.gql(
      EXPORT,
      { format: 'JSON', orderBy: { field: 'CREATED_AT', direction: 'DESC' } },
      await h.as(['SUBMITTER'], ownerA),
    );
    expect(body.errors).toBeUndefined();
    const file = body.data.exportSamples;
    expect(file.contentType).toBe('application/json');
    expect(file.filename).toMatch(/^samples-.*\.json$/);
    const records = JSON.parse(file.content);
    expect(records.map((r: { name: string }) => r.name)).toEqual(['plain', 'comma, "quoted"', HYPERLINK]);
    for (const record of records) expect(Object.keys(record)).toEqual([...EXPORT_COLUMNS]);
    expect(records[2]).toMatchObject({
      id: rows.formula!.id,
      name: HYPERLINK,
      rowNumber: 1,
      isControl: false,
      volumeUl: 10,
      concentrationNgPerUl: 5,
      totalNg: 50,
      stage: null,
      createdAt: '2026-03-01T00:00:00.000Z',
    });
    expect(records[0]).toMatchObject({
      priority: 'URGENT',
      dueAt: '2026-03-04T00:00:00.000Z',
      totalNg: null,
    });
  });

  it('applies the filter; more matches than SAMPLES_EXPORT_MAX_ROWS is BAD_USER_INPUT saying how many', async () => {
    const staff = await h.as(['STAFF']);
    const filtered = await h.gql(EXPORT, { format: 'CSV', filter: { search: 'plain' } }, staff);
    expect(filtered.body.data.exportSamples.count).toBe(1);

    const { body } = await h.gql(EXPORT, { format: 'CSV' }, staff);
    expect(body.data).toBeNull();
    expect(body.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter',
      rule: 'EXPORT_TOO_LARGE',
      count: 4,
      max: 3,
    });
    expect(body.errors?.[0].message).toMatch(/^4 samples match/);
  });
});
