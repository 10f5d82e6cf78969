// exportSamples over real HTTP: the signed link it returns, and the file fetched from it: the CSV's header,
// quoting and formula safety, the JSON shape, the caller's visibility and filters, the row limit
// (SAMPLES_EXPORT_MAX_ROWS=3 here) when the link is made and when it is fetched, and altered or expired links.
// (Through the router: test/stack/exports.int.test.ts.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import { EXPORT_COLUMNS } from './export.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

const EXPORT = `query ($filter: SampleFilter, $orderBy: SampleOrder, $format: ExportFormat!) {
  exportSamples(filter: $filter, orderBy: $orderBy, format: $format) {
    url expiresAt filename format contentType count
  }
}`;

/** GET on a link, sent to this subgraph (links point at the router's public origin). */
function fetchLink(url: string): Promise<Response> {
  const link = new URL(url);
  return fetch(new URL(`${link.pathname}${link.search}`, h.url));
}

/** The link's file: status, headers and body. */
async function download(url: string) {
  const response = await fetchLink(url);
  return { status: response.status, headers: response.headers, content: await response.text() };
}
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
    const link = body.data.exportSamples;
    expect(link.count).toBe(3);
    expect(link.format).toBe('CSV');
    expect(link.contentType).toBe('text/csv; charset=utf-8');
    expect(link.filename).toMatch(/^samples-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.csv$/);
    expect(link.url).toMatch(
      /^http:\/\/localhost:4000\/exports\/samples\/rows\?p=[\w-]+&expires=\d+&signature=[0-9a-f]{64}$/,
    );
    expect(new Date(link.expiresAt).getTime() - h.now().getTime()).toBeGreaterThan(290_000);
    const file = await download(link.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="${link.filename}"; filename*=UTF-8''${link.filename}`,
    );
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
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
    const link = body.data.exportSamples;
    expect(link.contentType).toBe('application/json; charset=utf-8');
    expect(link.filename).toMatch(/^samples-.*\.json$/);
    const file = await download(link.url);
    expect(file.headers.get('content-type')).toBe('application/json; charset=utf-8');
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

describe('filters by date (dates, periods, date-times), reception, completion and lab', () => {
  const count = async (filter: Record<string, unknown>, headers?: Record<string, string>) => {
    const { body } = await h.gql(EXPORT, { format: 'CSV', filter }, headers ?? (await h.as(['STAFF'])));
    return body.errors ? body.errors[0].extensions : body.data.exportSamples.count;
  };

  it('reads each form of a range', async () => {
    const mine = await h.as(['SUBMITTER'], ownerA);
    // created 03-01, 03-02, 03-03 (and another owner's 03-04): a `to` date includes its whole day.
    expect(await count({ created: { from: '2026-03-01', to: '2026-03-02' } }, mine)).toBe(2);
    expect(await count({ created: { to: '2026-03-02T00:00:00.000Z' } }, mine)).toBe(1);
    expect(await count({ created: { from: '2026-03-02T00:00:00.000Z' } }, mine)).toBe(2);
    expect(await count({ received: { from: '2026-03-03', to: '2026-03-03' } })).toBe(1);
    expect(await count({ received: { to: '2026-03-02' } })).toBe(0);
    expect(await count({ due: { last: 'P5Y' } })).toBe(1);
    expect(await count({ created: { last: 'P1D' } })).toBe(0);
  });

  it('filters completion over the last days, and the lab exactly but case-insensitively', async () => {
    const done = await h.subgraph.prisma.sample.create({
      data: {
        name: 'done',
        ownerId: randomUUID(),
        lab: '100% Lab_1',
        status: 'COMPLETED',
        completedAt: new Date(h.now().getTime() - 2 * 86_400_000),
      },
    });
    try {
      expect(await count({ completed: { last: 'P3D' } })).toBe(1);
      expect(await count({ completed: { last: 'P1D' } })).toBe(0);
      expect(await count({ completed: { last: 'P1W' }, lab: '100% LAB_1' })).toBe(1);
      // The lab's % and _ are characters, not wildcards; a part of the name is no match.
      expect(await count({ lab: '100% Lab_%' })).toBe(0);
      expect(await count({ lab: '1__% Lab_1' })).toBe(0);
      expect(await count({ lab: 'Lab' })).toBe(0);
      expect(await count({ lab: 'lab, INC' })).toBe(1);
    } finally {
      await h.subgraph.prisma.sample.delete({ where: { id: done.id } });
    }
  });

  it('refuses bad ranges and labs with BAD_USER_INPUT naming the field', async () => {
    expect(await count({ received: { last: 'P1D', to: '2026-03-01' } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.received.last',
      rule: 'RANGE_CONFLICT',
    });
    expect(await count({ completed: { from: '2026-03-02', to: '2026-03-01' } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.completed.to',
      rule: 'RANGE_ORDER',
    });
    expect(await count({ due: { last: 'P10Y' } })).toMatchObject({ rule: 'PERIOD_TOO_LONG' });
    expect(await count({ created: { from: '2026-02-30' } })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await count({ created: { last: 'P30' } })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await count({ lab: 'x'.repeat(201) })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await count({ lab: '  ' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lab' });
  });
});

describe('export links', () => {
  const staffLink = async (filter: Record<string, unknown>) => {
    const { body } = await h.gql(EXPORT, { format: 'JSON', filter }, await h.as(['STAFF']));
    expect(body.errors).toBeUndefined();
    return body.data.exportSamples.url as string;
  };

  it('an altered link is 403 LINK_INVALID: widening its filter or owner breaks the signature', async () => {
    const { body } = await h.gql(EXPORT, { format: 'CSV' }, await h.as(['SUBMITTER'], ownerA));
    const url = new URL(body.data.exportSamples.url);
    const params = JSON.parse(Buffer.from(url.searchParams.get('p')!, 'base64url').toString('utf8'));
    expect(params).toMatchObject({ kind: 'samples', ownerId: ownerA });

    const widened = new URL(url);
    widened.searchParams.set(
      'p',
      Buffer.from(JSON.stringify({ ...params, ownerId: null })).toString('base64url'),
    );
    const signature = new URL(url);
    signature.searchParams.set('signature', '0'.repeat(64));
    const expires = new URL(url);
    expires.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    for (const tampered of [widened, signature, expires]) {
      const response = await download(tampered.href);
      expect(response.status).toBe(403);
      expect(JSON.parse(response.content)).toEqual({
        error: { code: 'LINK_INVALID', message: 'this link is invalid: ask for a new one' },
      });
    }
  });

  it('an expired link is 410 LINK_EXPIRED', async () => {
    const url = await staffLink({ search: 'plain' });
    expect((await download(url)).status).toBe(200);
    h.advance(301);
    try {
      const response = await download(url);
      expect(response.status).toBe(410);
      expect(JSON.parse(response.content).error.code).toBe('LINK_EXPIRED');
    } finally {
      h.advance(-301);
    }
  });

  it('is computed when fetched, and refuses 413 EXPORT_TOO_LARGE when more rows match than the limit now', async () => {
    const owner = randomUUID();
    const { body } = await h.gql(EXPORT, { format: 'CSV' }, await h.as(['SUBMITTER'], owner));
    expect(body.data.exportSamples.count).toBe(0);
    const url = body.data.exportSamples.url;
    expect((await download(url)).content.split('\r\n')).toHaveLength(2); // the header, then nothing
    for (const name of ['a', 'b', 'c', 'd'])
      await h.subgraph.prisma.sample.create({ data: { name, ownerId: owner } });
    const response = await download(url);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.content).error.code).toBe('EXPORT_TOO_LARGE');
    await h.subgraph.prisma.sample.deleteMany({ where: { ownerId: owner } });
  });
});
