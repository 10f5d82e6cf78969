import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash } from './canonical.ts';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;
const u1 = randomUUID();
const u2 = randomUUID();
const actorA = randomUUID();
const actorB = randomUUID();
const FORMULA = `=cmd|' /C calc'!A0`;

// e1..e6, in this order of ingestion (sequences 1..6).
const seed = {
  e1: wireEvent({
    type: 'user.created',
    entityId: u1,
    ownerId: u1,
    actor: { userId: actorA, roles: ['ADMIN'] },
    occurredAt: '2026-01-01T10:00:00.000Z',
    changes: { email: { from: null, to: 'a@lab.example' } },
  }),
  e2: wireEvent({
    type: 'user.roles_changed',
    entityId: u1,
    ownerId: u1,
    actor: { userId: actorA, roles: ['ADMIN'] },
    occurredAt: '2026-01-02T09:00:00.000Z',
    changes: { roles: { from: ['VIEWER'], to: ['STAFF'] } },
  }),
  e3: wireEvent({
    type: 'user.created',
    entityId: u2,
    ownerId: u2,
    actor: { userId: actorB, roles: ['ADMIN'] },
    occurredAt: '2026-01-02T18:00:00.000Z',
    payload: { note: 'A Needle in the payload' },
  }),
  e4: wireEvent({
    type: 'sample.stage_advanced',
    entityType: 'Sample',
    entityId: randomUUID(),
    ownerId: u1,
    service: 'samples',
    actor: { userId: actorB, roles: ['STAFF'] },
    occurredAt: '2026-01-03T08:00:00.000Z',
    changes: { stage: { from: 'SAMPLE_QC', to: 'LIBRARY_PREP' } },
  }),
  e5: wireEvent({
    type: 'user.login_failed',
    entityId: u2,
    ownerId: u2,
    actor: { userId: null, roles: [] },
    occurredAt: '2026-01-03T12:00:00.000Z',
    changes: {},
  }),
  e6: wireEvent({
    type: 'sample.renamed',
    entityType: 'Sample',
    entityId: FORMULA,
    ownerId: null,
    service: 'samples',
    actor: { userId: actorB, roles: ['STAFF'] },
    occurredAt: '2026-01-04T08:00:00.000Z',
    changes: { name: { from: 'a,b', to: 'say "hi"\nnext' } },
  }),
};

beforeAll(async () => {
  h = await startAuditHarness({ AUDIT_EXPORT_MAX_ROWS: '5' });
  for (const e of Object.values(seed)) {
    const { body } = await h.ingest([e], { service: e.service });
    expect(body.results[0].status).toBe('stored');
  }
});
afterAll(async () => {
  await h?.close();
});

const EVENTS = `query ($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence id type entityType entityId actorId actor { id } changes { field from to } payload } }
  }
}`;

async function ids(filter: Record<string, unknown>, headers?: Record<string, string>) {
  const { body } = await h.gql(EVENTS, { filter }, headers ?? (await h.as(['STAFF'])));
  expect(body.errors).toBeUndefined();
  const page = body.data.auditEvents;
  const found = page.edges.map((e: { node: { id: string } }) => e.node.id);
  expect(page.totalCount).toBe(found.length);
  return found;
}

describe('auditEvents', () => {
  it('lists newest first with every field shaped', async () => {
    const { body } = await h.gql(EVENTS, {}, await h.as(['VIEWER']));
    expect(body.errors).toBeUndefined();
    const { edges, totalCount } = body.data.auditEvents;
    expect(totalCount).toBe(6);
    expect(edges.map((e: { node: { sequence: number } }) => e.node.sequence)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(edges[4]).toEqual({
      cursor: '2',
      node: {
        sequence: 2,
        id: seed.e2.id,
        type: 'user.roles_changed',
        entityType: 'User',
        entityId: u1,
        actorId: actorA,
        actor: { id: actorA },
        changes: [{ field: 'roles', from: ['VIEWER'], to: ['STAFF'] }],
        payload: null,
      },
    });
    expect(edges[1].node.actor).toBeNull();
  });

  it('filters by each field', async () => {
    const { e1, e2, e3, e4, e5, e6 } = seed;
    expect(await ids({ entityType: 'Sample' })).toEqual([e6.id, e4.id]);
    expect(await ids({ entityId: u1 })).toEqual([e2.id, e1.id]);
    expect(await ids({ actorId: actorA })).toEqual([e2.id, e1.id]);
    expect(await ids({ action: 'user.created' })).toEqual([e3.id, e1.id]);
    expect(await ids({ service: 'samples' })).toEqual([e6.id, e4.id]);
    expect(await ids({ from: '2026-01-02T00:00:00Z', to: '2026-01-03T08:00:00Z' })).toEqual([e3.id, e2.id]);
    expect(await ids({ text: 'needle' })).toEqual([e3.id]);
    expect(await ids({ text: 'ROLES_changed' })).toEqual([e2.id]);
    expect(await ids({ text: 'a@lab' })).toEqual([e1.id]);
    expect(await ids({ text: '=cmd' })).toEqual([e6.id]);
    expect(await ids({ text: '100%' })).toEqual([]);
    expect(await ids({ entityId: u2, action: 'user.login_failed' })).toEqual([e5.id]);
  });

  it('takes dates (a `to` date includes its whole UTC day) and periods up to now', async () => {
    const { e2, e3, e4, e5, e6 } = seed;
    expect(await ids({ from: '2026-01-02', to: '2026-01-03' })).toEqual([e5.id, e4.id, e3.id, e2.id]);
    expect(await ids({ from: '2026-01-03' })).toEqual([e6.id, e5.id, e4.id]);
    h.setNow(new Date('2026-01-04T09:00:00.000Z'));
    try {
      expect(await ids({ last: 'PT12H' })).toEqual([e6.id]);
      expect(await ids({ last: 'P1D' })).toEqual([e6.id, e5.id]); // e4 at 08:00 the day before: outside
      expect(await ids({ last: 'P1W' })).toHaveLength(6);
    } finally {
      h.setNow(new Date());
    }
    const staff = await h.as(['STAFF']);
    const refused = async (filter: Record<string, unknown>) => {
      const { body } = await h.gql(EVENTS, { filter }, staff);
      return body.errors?.[0].extensions;
    };
    expect(await refused({ last: 'P1D', from: '2026-01-01' })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.last',
      rule: 'RANGE_CONFLICT',
    });
    expect(await refused({ last: 'P6Y' })).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'PERIOD_TOO_LONG' });
    expect(await refused({ from: '2026-01-03', to: '2026-01-02T00:00:00Z' })).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'RANGE_ORDER',
    });
    for (const bad of [{ from: '2026-02-30' }, { to: '2026-1-2' }, { last: '30D' }, { last: 'P0D' }]) {
      expect(await refused(bad)).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });

  it('pages by cursor with a stable totalCount', async () => {
    const headers = await h.as(['ADMIN']);
    const first = await h.gql(EVENTS, { first: 4 }, headers);
    const page1 = first.body.data.auditEvents;
    expect(page1).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true, endCursor: '3' } });
    const second = await h.gql(EVENTS, { first: 4, after: page1.pageInfo.endCursor }, headers);
    const page2 = second.body.data.auditEvents;
    expect(page2.edges.map((e: { cursor: string }) => e.cursor)).toEqual(['2', '1']);
    expect(page2).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: false, endCursor: '1' } });
    const tooMany = await h.gql(EVENTS, { first: 101 }, headers);
    expect(tooMany.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'PAGE_SIZE' });
    const badCursor = await h.gql(EVENTS, { after: 'abc' }, headers);
    expect(badCursor.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'CURSOR' });
  });
});

describe('permissions', () => {
  it('lets a SUBMITTER read only the events of entities they own', async () => {
    const submitter = await h.as(['SUBMITTER'], u1);
    expect(await ids({}, submitter)).toEqual([seed.e4.id, seed.e2.id, seed.e1.id]);
    expect(await ids({ entityId: u2 }, submitter)).toEqual([]);
  });

  it('keeps stats, exports and verification to audit:read', async () => {
    const submitter = await h.as(['SUBMITTER'], u1);
    for (const query of [
      `{ auditStats(groupBy: ACTION) { key count } }`,
      `{ exportAuditEvents(format: CSV) { count } }`,
      `{ verifyAuditChain { intact } }`,
    ]) {
      const { body } = await h.gql(query, {}, submitter);
      expect(body.errors![0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('answers UNAUTHENTICATED to anonymous callers', async () => {
    for (const query of [`{ auditEvents { totalCount } }`, `{ auditStats(groupBy: DAY) { key } }`]) {
      const { body } = await h.gql(query);
      expect(body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('has no way to write to the log through GraphQL: its only mutations manage webhook subscriptions', async () => {
    const { body } = await h.gql(
      `{ __schema { mutationType { fields { name } } } }`,
      {},
      await h.as(['ADMIN']),
    );
    const names = (body.data.__schema.mutationType.fields as { name: string }[]).map((f) => f.name).sort();
    expect(names).toEqual([
      'createWebhookSubscription',
      'deleteWebhookSubscription',
      'rotateWebhookSecret',
      'updateWebhookSubscription',
    ]);
  });
});

describe('User.auditTrail', () => {
  const TRAIL = `query ($representations: [_Any!]!, $first: Int) {
    _entities(representations: $representations) {
      ... on User { id auditTrail(first: $first) { totalCount pageInfo { hasNextPage } edges { node { type } } } }
    }
  }`;
  const reps = [
    { __typename: 'User', id: u1 },
    { __typename: 'User', id: u2 },
    { __typename: 'User', id: 'nobody' },
  ];

  it('resolves the trails of several users in one request', async () => {
    const { body } = await h.gql(TRAIL, { representations: reps, first: 1 }, await h.as(['STAFF']));
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toEqual([
      {
        id: u1,
        auditTrail: {
          totalCount: 2,
          pageInfo: { hasNextPage: true },
          edges: [{ node: { type: 'user.roles_changed' } }],
        },
      },
      {
        id: u2,
        auditTrail: {
          totalCount: 2,
          pageInfo: { hasNextPage: true },
          edges: [{ node: { type: 'user.login_failed' } }],
        },
      },
      { id: 'nobody', auditTrail: { totalCount: 0, pageInfo: { hasNextPage: false }, edges: [] } },
    ]);
  });

  it('shows a SUBMITTER their own trail only', async () => {
    const { body } = await h.gql(TRAIL, { representations: reps }, await h.as(['SUBMITTER'], u1));
    expect(body.errors).toBeUndefined();
    const [own, other] = body.data._entities;
    expect(own.auditTrail.totalCount).toBe(2);
    expect(other.auditTrail).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false }, edges: [] });
  });

  it('is UNAUTHENTICATED anonymously', async () => {
    const { body } = await h.gql(TRAIL, { representations: reps });
    expect(body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('auditStats', () => {
  const STATS = `query ($groupBy: AuditStatsGroupBy!, $from: DateBound, $to: DateBound) {
    auditStats(groupBy: $groupBy, from: $from, to: $to) { key count }
  }`;
  const stats = async (groupBy: string, range: Record<string, string> = {}) => {
    const { body } = await h.gql(STATS, { groupBy, ...range }, await h.as(['VIEWER']));
    expect(body.errors).toBeUndefined();
    return body.data.auditStats;
  };

  it('counts by action, actor, day and service', async () => {
    expect(await stats('ACTION')).toEqual([
      { key: 'user.created', count: 2 },
      { key: 'sample.renamed', count: 1 },
      { key: 'sample.stage_advanced', count: 1 },
      { key: 'user.login_failed', count: 1 },
      { key: 'user.roles_changed', count: 1 },
    ]);
    const byActor = await stats('ACTOR');
    expect(byActor).toHaveLength(3);
    expect(byActor).toEqual(
      expect.arrayContaining([
        { key: actorB, count: 3 },
        { key: actorA, count: 2 },
        { key: null, count: 1 },
      ]),
    );
    expect(await stats('DAY')).toEqual([
      { key: '2026-01-01', count: 1 },
      { key: '2026-01-02', count: 2 },
      { key: '2026-01-03', count: 2 },
      { key: '2026-01-04', count: 1 },
    ]);
    expect(await stats('SERVICE')).toEqual([
      { key: 'auth', count: 4 },
      { key: 'samples', count: 2 },
    ]);
    expect(await stats('SERVICE', { from: '2026-01-03T00:00:00Z', to: '2026-01-04T00:00:00Z' })).toEqual([
      { key: 'auth', count: 1 },
      { key: 'samples', count: 1 },
    ]);
    expect(await stats('SERVICE', { from: '2026-01-03', to: '2026-01-03' })).toEqual([
      { key: 'auth', count: 1 },
      { key: 'samples', count: 1 },
    ]);
  });
});

describe('exportAuditEvents', () => {
  const EXPORT = `query ($filter: AuditEventFilter, $format: AuditExportFormat!) {
    exportAuditEvents(filter: $filter, format: $format) { url expiresAt filename format contentType count }
  }`;
  /** The link's file, fetched from this subgraph (links point at the router's public origin). */
  const download = async (url: string) => {
    const link = new URL(url);
    const response = await fetch(new URL(`${link.pathname}${link.search}`, h.url));
    return { status: response.status, headers: response.headers, content: await response.text() };
  };

  it('writes CSV with formula-safe, properly quoted cells', async () => {
    const { body } = await h.gql(
      EXPORT,
      { filter: { entityType: 'Sample' }, format: 'CSV' },
      await h.as(['VIEWER']),
    );
    expect(body.errors).toBeUndefined();
    const link = body.data.exportAuditEvents;
    expect(link).toMatchObject({ contentType: 'text/csv; charset=utf-8', format: 'CSV', count: 2 });
    expect(link.filename).toMatch(/^audit-events-.*\.csv$/);
    expect(link.url).toMatch(/^http:\/\/localhost:4000\/exports\/audit\/events\?p=/);
    const file = await download(link.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-events-.*\.csv"/);
    const lines = file.content.split('\r\n');
    expect(lines[0]).toBe(
      'sequence,event_id,occurred_at,received_at,type,entity_type,entity_id,owner_id,actor_id,actor_roles,service,request_id,changes,payload,source_sequence,truncated,full_content_sha256,prev_hash,hash',
    );
    expect(lines[1]).toMatch(/^4,/);
    expect(file.content).toContain(`,Sample,'${FORMULA},,`);
    expect(file.content).toContain(`,"{""name"":{""from"":""a,b"",""to"":""say \\""hi\\""\\nnext""}}",`);
    expect(file.content.endsWith('\r\n')).toBe(true);
  });

  it('writes JSON a recipient can re-verify', async () => {
    const { body } = await h.gql(
      EXPORT,
      { filter: { service: 'auth' }, format: 'JSON' },
      await h.as(['ADMIN']),
    );
    const link = body.data.exportAuditEvents;
    expect(link).toMatchObject({ contentType: 'application/json; charset=utf-8', count: 4 });
    // Events ingested after the link was made are not in its file: it is the log as of the link.
    await h.ingest([
      wireEvent({ type: 'user.created', entityId: randomUUID(), occurredAt: '2026-01-05T00:00:00Z' }),
    ]);
    const file = await download(link.url);
    expect(file.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const events = JSON.parse(file.content);
    expect(events.map((e: { sequence: string }) => e.sequence)).toEqual(['1', '2', '3', '5']);
    for (const e of events) {
      const recomputed = eventHash({
        ...e,
        sequence: BigInt(e.sequence),
        sourceSequence: e.sourceSequence === null ? null : BigInt(e.sourceSequence),
        occurredAt: new Date(e.occurredAt),
        receivedAt: new Date(e.receivedAt),
      });
      expect(recomputed).toBe(e.hash);
    }
  });

  it('refuses an export over the configured limit', async () => {
    const { body } = await h.gql(EXPORT, { format: 'JSON' }, await h.as(['ADMIN']));
    expect(body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'EXPORT_TOO_LARGE',
      count: 7,
    });
  });

  it('refuses an altered link (403 LINK_INVALID) and an expired one (410 LINK_EXPIRED)', async () => {
    const { body } = await h.gql(
      EXPORT,
      { filter: { entityType: 'Sample' }, format: 'CSV' },
      await h.as(['ADMIN']),
    );
    const url = new URL(body.data.exportAuditEvents.url);
    const params = JSON.parse(Buffer.from(url.searchParams.get('p')!, 'base64url').toString('utf8'));
    url.searchParams.set('p', Buffer.from(JSON.stringify({ ...params, filter: {} })).toString('base64url'));
    const tampered = await download(url.href);
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.content).error.code).toBe('LINK_INVALID');
    h.advance(301);
    try {
      const expired = await download(body.data.exportAuditEvents.url);
      expect(expired.status).toBe(410);
      expect(JSON.parse(expired.content).error.code).toBe('LINK_EXPIRED');
    } finally {
      h.advance(-301);
    }
  });
});
