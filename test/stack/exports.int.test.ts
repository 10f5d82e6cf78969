// Exports as files through the router, with every subgraph: exportSamples, SampleAnalytics.exportTable and
// exportAuditEvents return signed links; GET on a link through the router's public port streams the file
// (Content-Disposition attachment, its Content-Type), computed with the asker's row rules; an altered link is
// 403 LINK_INVALID and an expired one 410 LINK_EXPIRED (EXPORT_URL_TTL_SECONDS=8 here).
import { parse as parseSync } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loginThroughRouter, post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const TTL_SECONDS = 8;

let stack: TestStack;
const bearer: Record<'admin' | 'submitter', Record<string, string>> = { admin: {}, submitter: {} };
const userIds: Record<string, string> = {};

async function login(email: string, password: string) {
  const { accessToken, user } = await loginThroughRouter(stack.routerUrl, email, password);
  return { headers: { authorization: `Bearer ${accessToken}` }, id: user.id };
}

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const { body } = await post(stack.routerUrl, query, variables, headers);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  return body as any;
}

/** A downloaded JSON file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
const json = async (response: Response) => (await response.json()) as any;

/** RFC 4180 (csv-parse, as the intake reads sheets): quoted cells with doubled quotes, CRLF ending every record. */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  return parseSync(text, { record_delimiter: '\r\n' }) as string[][];
}

const EXPORT_SAMPLES = `query ($filter: SampleFilter, $format: ExportFormat!) {
  exportSamples(filter: $filter, format: $format, orderBy: { field: NAME }) {
    url expiresAt filename format contentType count
  }
}`;

beforeAll(async () => {
  stack = await startTestStack({ EXPORT_URL_TTL_SECONDS: String(TTL_SECONDS) });
  const admin = await login(stack.admin.email, stack.admin.password);
  bearer.admin = admin.headers;
  userIds.admin = admin.id;
  const password = 'an export owner passphrase';
  await gql(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { email: 'sub@lab.test', name: 'Sub Mitter', roles: ['SUBMITTER'], password } },
    bearer.admin,
  );
  const submitter = await login('sub@lab.test', password);
  bearer.submitter = submitter.headers;
  userIds.submitter = submitter.id;
  const samples: [string, string, string | null][] = [
    ['mine-1', userIds.submitter!, 'Jones Lab'],
    ['mine-2', userIds.submitter!, '=HYPERLINK("http://evil.example")'],
    ['theirs', userIds.admin!, 'Jones Lab'],
  ];
  for (const [name, ownerId, lab] of samples) {
    const body = await gql(
      'mutation($input: CreateSampleInput!) { createSample(input: $input) { id } }',
      { input: { name, ownerId, lab } },
      bearer.admin,
    );
    expect(body.errors).toBeUndefined();
  }
});
afterAll(() => stack?.close());

describe('exports through the router', () => {
  test("a SUBMITTER's CSV holds only their samples, formula-safe, as an attachment", async () => {
    const body = await gql(EXPORT_SAMPLES, { format: 'CSV' }, bearer.submitter);
    expect(body.errors).toBeUndefined();
    const link = body.data.exportSamples;
    expect(link).toMatchObject({ format: 'CSV', contentType: 'text/csv; charset=utf-8', count: 2 });
    expect(link.url.startsWith(`${new URL(stack.routerUrl).origin}/exports/samples/rows?`)).toBe(true);

    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="${link.filename}"`),
    );
    const [header, ...rows] = parseCsv(await response.text());
    const column = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[column('name')])).toEqual(['mine-1', 'mine-2']);
    expect(rows.every((r) => r[column('ownerId')] === userIds.submitter)).toBe(true);
    expect(rows[1]![column('lab')]).toBe(`'=HYPERLINK("http://evil.example")`);
  });

  test('an ADMIN JSON export holds every sample; the lab filter is exact and case-insensitive', async () => {
    const all = await gql(EXPORT_SAMPLES, { format: 'JSON' }, bearer.admin);
    const records = await json(await fetch(all.data.exportSamples.url));
    expect(records.map((r: { name: string }) => r.name)).toEqual(['mine-1', 'mine-2', 'theirs']);

    const jones = await gql(EXPORT_SAMPLES, { format: 'JSON', filter: { lab: 'jones LAB' } }, bearer.admin);
    expect(jones.data.exportSamples.count).toBe(2);
    const response = await fetch(jones.data.exportSamples.url);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await json(response)).map((r: { name: string }) => r.name)).toEqual(['mine-1', 'theirs']);
    const partial = await gql(EXPORT_SAMPLES, { format: 'JSON', filter: { lab: 'Jones' } }, bearer.admin);
    expect(partial.data.exportSamples.count).toBe(0);
  });

  test('an analytics table downloads as CSV over a relative period, with the row rules of the asker', async () => {
    const query = `{ sampleAnalytics(last: "P30D") {
      exportTable(table: LOAD_BY_LAB, format: CSV) { url filename format contentType }
    } }`;
    const asked = await gql(query, {}, bearer.submitter);
    expect(asked.errors).toBeUndefined();
    const link = asked.data.sampleAnalytics.exportTable;
    expect(link.filename).toMatch(/^sample-analytics-load-by-lab-.*\.csv$/);
    const csv = parseCsv(await (await fetch(link.url)).text());
    expect(csv).toEqual([
      ['lab', 'samples', 'open'],
      ['\'=HYPERLINK("http://evil.example")', '1', '1'],
      ['Jones Lab', '1', '1'],
    ]);
    const staff = (await gql(query, {}, bearer.admin)).data.sampleAnalytics.exportTable;
    const all = parseCsv(await (await fetch(staff.url)).text());
    expect(all[1]).toEqual(['Jones Lab', '2', '2']);
  });

  test('an audit export needs audit:read and downloads through the router', async () => {
    const query = `query ($filter: AuditEventFilter) {
      exportAuditEvents(filter: $filter, format: JSON) { url filename count }
    }`;
    const refused = await gql(query, {}, bearer.submitter);
    expect(refused.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');

    // The audit log fills through the relays: wait until the samples' creation arrived.
    let link: { url: string; count: number } | undefined;
    for (let i = 0; i < 50 && !(link && link.count >= 3); i += 1) {
      if (link) await new Promise((resolve) => setTimeout(resolve, 200));
      const body = await gql(query, { filter: { entityType: 'Sample', last: 'PT1H' } }, bearer.admin);
      expect(body.errors).toBeUndefined();
      link = body.data.exportAuditEvents;
    }
    const response = await fetch(link!.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-events-/);
    const events = await json(response);
    expect(events).toHaveLength(link!.count);
    expect(events.every((e: { entityType: string }) => e.entityType === 'Sample')).toBe(true);
  });

  test('an altered link is 403 LINK_INVALID and an expired one 410 LINK_EXPIRED, through the router', async () => {
    const body = await gql(EXPORT_SAMPLES, { format: 'CSV' }, bearer.submitter);
    const url = new URL(body.data.exportSamples.url);
    const params = JSON.parse(Buffer.from(url.searchParams.get('p')!, 'base64url').toString('utf8'));
    const widened = new URL(url);
    widened.searchParams.set(
      'p',
      Buffer.from(JSON.stringify({ ...params, ownerId: null })).toString('base64url'),
    );
    const tampered = await fetch(widened);
    expect(tampered.status).toBe(403);
    expect((await json(tampered)).error.code).toBe('LINK_INVALID');

    const wait = new Date(body.data.exportSamples.expiresAt).getTime() - Date.now() + 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0)));
    const expired = await fetch(url);
    expect(expired.status).toBe(410);
    expect((await json(expired)).error.code).toBe('LINK_EXPIRED');
  }, 30_000);
});
