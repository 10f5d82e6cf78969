// The samples subgraph through the router, with the real auth and audit subgraphs: each role's rules, assignee
// names resolved by the auth subgraph without N+1, and every change reaching the sample's audit trail.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AdvanceStageDocument,
  AssignSamplesDocument,
  CancelSampleDocument,
  CreateSampleDocument,
  CreateUserDocument,
  createClient,
  GraphQLRequestError,
  LoginDocument,
  ReceiveSamplesDocument,
  RecordQcDocument,
  SampleDetailDocument,
  SamplesDocument,
  type CreateSampleInput,
} from '../../client/index.ts';
import { post } from '../helpers/graphql.ts';
import { readQueryCount } from '../helpers/metrics.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
const tokens: Record<'admin' | 'staff' | 'viewer' | 'submitter' | 'otherSubmitter', string> = {
  admin: '',
  staff: '',
  viewer: '',
  submitter: '',
  otherSubmitter: '',
};
const userIds: Record<string, string> = {};

const as = (who: keyof typeof tokens) => createClient({ url: stack.routerUrl, accessToken: tokens[who] });
const anonymous = () => createClient({ url: stack.routerUrl });
const codesOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLRequestError);
  return (error as GraphQLRequestError).codes;
};
const origin = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '');

async function login(email: string, password: string): Promise<{ token: string; id: string }> {
  const { login } = await anonymous().request(LoginDocument, { email, password });
  return { token: login.accessToken, id: login.user.id };
}

async function createSample(input: Partial<CreateSampleInput> & { name: string }) {
  return (await as('staff').request(CreateSampleDocument, { input })).createSample;
}

beforeAll(async () => {
  stack = await startTestStack();
  const admin = await login(stack.admin.email, stack.admin.password);
  tokens.admin = admin.token;
  userIds.admin = admin.id;
  const people = [
    ['staff', 'Sam Staff', 'STAFF'],
    ['viewer', 'Vera Viewer', 'VIEWER'],
    ['submitter', 'Sue Submitter', 'SUBMITTER'],
    ['otherSubmitter', 'Otto Submitter', 'SUBMITTER'],
  ] as const;
  for (const [key, name, role] of people) {
    const email = `${key.toLowerCase()}@lab.test`;
    const password = 'orchid kettle marble lantern';
    await as('admin').request(CreateUserDocument, { input: { email, name, roles: [role], password } });
    const user = await login(email, password);
    tokens[key] = user.token;
    userIds[key] = user.id;
  }
});
afterAll(() => stack?.close());

describe('roles through the router', () => {
  test('STAFF creates, receives, QCs and advances; every step is visible with its history and actor', async () => {
    const sample = await createSample({
      name: 'S-1',
      ownerId: userIds.submitter,
      libraryKit: 'SQK-RBK114.24',
    });
    expect(sample).toMatchObject({ status: 'SUBMITTED', stage: null, version: 0 });
    const received = await as('staff').request(ReceiveSamplesDocument, { ids: [sample.id] });
    expect(received.receiveSamples).toMatchObject({ succeeded: 1, failed: 0 });
    const inQc = await as('staff').request(AdvanceStageDocument, { id: sample.id, version: 1 });
    expect(inQc.advanceStage).toMatchObject({ status: 'IN_PREP', stage: 'SAMPLE_QC', version: 2 });

    // Leaving a QC stage without QC names the rule.
    const refused = await post(
      stack.routerUrl,
      'mutation($id: ID!) { advanceStage(id: $id) { id } }',
      { id: sample.id },
      { authorization: `Bearer ${tokens.staff}` },
    );
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'QC_REQUIRED',
    });

    await as('staff').request(RecordQcDocument, { id: sample.id, result: 'PASSED' });
    const prep = await as('staff').request(AdvanceStageDocument, { id: sample.id, toStage: 'LIBRARY_PREP' });
    expect(prep.advanceStage).toMatchObject({ status: 'IN_PREP', stage: 'LIBRARY_PREP', qcStatus: 'PASSED' });

    const { sample: detail } = await as('viewer').request(SampleDetailDocument, { id: sample.id });
    expect(detail?.history.map((h) => [h.move, h.toStage])).toEqual([
      ['receive', null],
      ['advance', 'SAMPLE_QC'],
      ['recordQc', 'SAMPLE_QC'],
      ['advance', 'LIBRARY_PREP'],
    ]);
    // The actor's name comes from the auth subgraph.
    expect(detail?.history.every((h) => h.actor.name === 'Sam Staff')).toBe(true);
  });

  test('a stale version loses with CONFLICT', async () => {
    const sample = await createSample({ name: 'S-conflict' });
    await as('staff').request(ReceiveSamplesDocument, { ids: [sample.id] });
    const moves = await Promise.allSettled([
      as('staff').request(AdvanceStageDocument, { id: sample.id, version: 1 }),
      as('admin').request(AdvanceStageDocument, { id: sample.id, version: 1 }),
    ]);
    const codes = moves.map((m) =>
      m.status === 'fulfilled' ? 'OK' : (m.reason as GraphQLRequestError).codes.join(),
    );
    expect(codes.sort()).toEqual(['CONFLICT', 'OK']);
  });

  test('through the router a stale version is 409 CONFLICT with rule STALE_VERSION', async () => {
    const sample = await createSample({ name: 'S-stale' });
    await as('staff').request(ReceiveSamplesDocument, { ids: [sample.id] });
    const { status, body } = await post(
      stack.routerUrl,
      'mutation ($id: ID!) { advanceStage(id: $id, version: 0) { id } }',
      { id: sample.id },
      { authorization: `Bearer ${tokens.staff}` },
    );
    expect(status).toBe(409);
    expect(body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', rule: 'STALE_VERSION' });
  });

  test("a bad date in a filter is the client's 400 BAD_USER_INPUT, as a variable or a literal", async () => {
    const auth = { authorization: `Bearer ${tokens.staff}` };
    const variable = await post(
      stack.routerUrl,
      'query ($from: DateBound) { samples(filter: { created: { from: $from } }) { totalCount } }',
      { from: 'last tuesday' },
      auth,
    );
    expect(variable.status).toBe(400);
    expect(variable.body.errors![0]).toMatchObject({
      message:
        'Variable "$from" got invalid value "last tuesday"; DateBound must be a date (YYYY-MM-DD) or an ISO 8601 date-time',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const literal = await post(
      stack.routerUrl,
      '{ auditEvents(filter: { from: "2026-13-45" }) { totalCount } }',
      {},
      auth,
    );
    expect(literal.status).toBe(400);
    expect(literal.body.errors![0]).toMatchObject({
      message: 'DateBound: no such date',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  test('VIEWER reads but cannot change anything: the router refuses before the subgraph is asked', async () => {
    const sample = await createSample({ name: 'S-viewer' });
    const { samples } = await as('viewer').request(SamplesDocument, { filter: { search: 'S-viewer' } });
    expect(samples.edges.map((e) => e.node.id)).toEqual([sample.id]);
    expect(await codesOf(as('viewer').request(CreateSampleDocument, { input: { name: 'nope' } }))).toEqual([
      'UNAUTHORIZED_FIELD_OR_TYPE',
    ]);
    expect(await codesOf(as('viewer').request(ReceiveSamplesDocument, { ids: [sample.id] }))).toEqual([
      'UNAUTHORIZED_FIELD_OR_TYPE',
    ]);
    // cancelSample is open to any signed-in user at the router; the workflow rules refuse a VIEWER.
    expect(await codesOf(as('viewer').request(CancelSampleDocument, { id: sample.id, reason: 'x' }))).toEqual(
      ['FORBIDDEN'],
    );
  });

  test('a SUBMITTER sees only their own samples and may cancel one only while SUBMITTED', async () => {
    const own = await createSample({ name: 'S-own', ownerId: userIds.submitter });
    const ownReceived = await createSample({ name: 'S-own-received', ownerId: userIds.submitter });
    const others = await createSample({ name: 'S-others', ownerId: userIds.otherSubmitter });
    await as('staff').request(ReceiveSamplesDocument, { ids: [ownReceived.id] });

    const { samples } = await as('submitter').request(SamplesDocument, { first: 500 });
    const visible = samples.edges.map((e) => e.node.id);
    expect(visible).toContain(own.id);
    expect(visible).not.toContain(others.id);
    expect((await as('submitter').request(SampleDetailDocument, { id: others.id })).sample).toBeNull();

    expect(await codesOf(as('submitter').request(AdvanceStageDocument, { id: own.id }))).toEqual([
      'UNAUTHORIZED_FIELD_OR_TYPE',
    ]);
    expect(
      await codesOf(as('submitter').request(CancelSampleDocument, { id: others.id, reason: 'not mine' })),
    ).toEqual(['NOT_FOUND']);
    expect(
      await codesOf(
        as('submitter').request(CancelSampleDocument, { id: ownReceived.id, reason: 'too late' }),
      ),
    ).toEqual(['FORBIDDEN']);
    const cancelled = await as('submitter').request(CancelSampleDocument, {
      id: own.id,
      reason: 'changed my mind',
    });
    expect(cancelled.cancelSample.status).toBe('CANCELLED');
  });

  test('anonymous callers get nothing', async () => {
    expect(await codesOf(anonymous().request(SamplesDocument, { first: 1 }))).toEqual([
      'UNAUTHORIZED_FIELD_OR_TYPE',
    ]);
  });
});

describe('a page of samples with assignee names', () => {
  async function authGraphqlRequests(): Promise<number> {
    const text = await (await fetch(`${origin(stack.subgraphUrls.auth!)}/metrics`)).text();
    return [...text.matchAll(/^http_requests_total\{[^}]*route="\/graphql"[^}]*\} (\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  }

  /** SQL statements in the samples database and requests to the auth subgraph for one page. */
  async function costOfPage(first: number) {
    const samplesOrigin = origin(stack.subgraphUrls.samples!);
    const [queriesBefore, authBefore] = [await readQueryCount(samplesOrigin), await authGraphqlRequests()];
    const { samples } = await as('staff').request(SamplesDocument, { filter: { search: 'N+1 lab' }, first });
    const [queriesAfter, authAfter] = [await readQueryCount(samplesOrigin), await authGraphqlRequests()];
    expect(samples.edges).toHaveLength(first);
    expect(samples.edges.every((e) => e.node.assignee?.name)).toBe(true);
    return { sql: queriesAfter - queriesBefore, authCalls: authAfter - authBefore };
  }

  test('costs the same number of SQL statements for 10 or 100 samples, and one call to the auth subgraph', async () => {
    // 120 samples spread over three assignees, seeded in SQL for speed.
    const db = new pg.Client({ connectionString: stack.databaseUrls.samples });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO sample (id, name, owner_id, lab, assignee_id, updated_at)
         SELECT gen_random_uuid(), 'N+1 sample ' || i, $1, 'N+1 lab', ($2::uuid[])[1 + i % 3], now()
         FROM generate_series(1, 120) AS i`,
        [userIds.submitter, [userIds.staff, userIds.admin, userIds.viewer]],
      );
    } finally {
      await db.end();
    }
    const small = await costOfPage(10);
    const large = await costOfPage(100);
    expect(large.sql).toBe(small.sql);
    expect(large.sql).toBeLessThanOrEqual(3);
    expect(large.authCalls).toBe(1);
  });
});

describe('audit', () => {
  test("every change reaches the sample's audit trail; its owner may read it", async () => {
    const sample = await createSample({ name: 'S-audited', ownerId: userIds.submitter });
    await as('staff').request(ReceiveSamplesDocument, { ids: [sample.id] });
    await as('staff').request(AssignSamplesDocument, { ids: [sample.id], userId: userIds.staff });
    const trailQuery = `query($id: ID!) { sample(id: $id) { auditTrail { totalCount edges { node {
      type actor { name } changes { field from to } } } } } }`;
    const readTrail = async (who: keyof typeof tokens) =>
      (await post(stack.routerUrl, trailQuery, { id: sample.id }, { authorization: `Bearer ${tokens[who]}` }))
        .body;
    const started = Date.now();
    while ((await readTrail('viewer')).data?.sample?.auditTrail.totalCount !== 3) {
      if (Date.now() - started > 15_000) throw new Error('the events did not reach the audit trail');
      await new Promise((r) => setTimeout(r, 100));
    }
    const trail = (await readTrail('submitter')).data.sample.auditTrail;
    expect(trail.edges.map((e: { node: { type: string } }) => e.node.type)).toEqual([
      'sample.assigned',
      'sample.received',
      'sample.created',
    ]);
    expect(trail.edges[1].node).toMatchObject({
      actor: { name: 'Sam Staff' },
      changes: expect.arrayContaining([{ field: 'status', from: 'SUBMITTED', to: 'RECEIVED' }]),
    });
  });
});
