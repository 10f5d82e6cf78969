// Issue 10 end to end, through the router with every subgraph and its relay running: an over-long reason is
// refused and changes nothing; an event too large for one audit event reaches the sample's trail shortened,
// flagged and with the hash of its full content; an event the audit subgraph refuses is counted for its service
// in the relay's metrics, auditDeliveryStatus and verifyAuditChain.complete.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrismaClient } from '../../generated/prisma/samples/client.ts';
import { canonicalSha256 } from '../../subgraphs/kit/canonical-json.ts';
import { createDatabaseAdapter } from '../../subgraphs/kit/database.ts';
import { recordEvent, type JsonValue } from '../../subgraphs/kit/outbox.ts';
import { MAX_EVENT_BYTES } from '../../subgraphs/kit/outbox-wire.ts';
import { loginThroughRouter, post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually } from '../helpers/eventually.ts';
import { sql } from '../helpers/sql.ts';

let stack: TestStack;
let samplesDb: PrismaClient;
const tokens = { admin: '', staff: '' };
let staffId = '';

const gql = (who: keyof typeof tokens, query: string, variables: Record<string, unknown> = {}) =>
  post(stack.routerUrl, query, variables, { authorization: `Bearer ${tokens[who]}` });

const login = (email: string, password: string) => loginThroughRouter(stack.routerUrl, email, password);

const samplesSql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
  sql<T>(stack.databaseUrls.samples!, text, values);

async function createSample(name: string): Promise<{ id: string; version: number }> {
  const { body } = await gql(
    'staff',
    'mutation ($i: CreateSampleInput!) { createSample(input: $i) { id version } }',
    { i: { name } },
  );
  expect(body.errors).toBeUndefined();
  return body.data.createSample;
}

beforeAll(async () => {
  stack = await startTestStack();
  samplesDb = new PrismaClient({ adapter: createDatabaseAdapter(stack.databaseUrls.samples!) });
  tokens.admin = (await login(stack.admin.email, stack.admin.password)).accessToken;
  const password = randomBytes(18).toString('base64url');
  const created = await gql('admin', 'mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }', {
    i: { email: 'staff@lab.test', name: 'Sam Staff', roles: ['STAFF'], password },
  });
  expect(created.body.errors).toBeUndefined();
  const staff = await login('staff@lab.test', password);
  tokens.staff = staff.accessToken;
  staffId = staff.user.id;
});
afterAll(async () => {
  await samplesDb?.$disconnect();
  await stack?.close();
});

describe('text limits through the router', () => {
  test('a 70 KB cancellation reason is BAD_USER_INPUT naming the field and the limit; nothing changes', async () => {
    const sample = await createSample('S-long-reason');
    const eventsBefore = await samplesSql('SELECT id FROM outbox_event WHERE entity_id = $1', [sample.id]);
    const { body } = await gql(
      'staff',
      'mutation ($id: ID!, $r: String!) { cancelSample(id: $id, reason: $r) { id status } }',
      { id: sample.id, r: 'x'.repeat(70 * 1024) },
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'reason',
      rule: 'TEXT_LENGTH',
      max: 2000,
    });
    const after = await gql('staff', 'query ($id: ID!) { sample(id: $id) { status version } }', {
      id: sample.id,
    });
    expect(after.body.data.sample).toEqual({ status: 'SUBMITTED', version: sample.version });
    expect(await samplesSql('SELECT id FROM outbox_event WHERE entity_id = $1', [sample.id])).toEqual(
      eventsBefore,
    );
  });
});

describe('events too large and events refused', () => {
  test("an event too large for the relay reaches the sample's trail shortened, flagged, with the full hash", async () => {
    const sample = await createSample('S-large-event');
    // A change whose recorded content is larger than one audit event takes (no client input can be this large
    // any more: recordEvent is where any such event is shortened, whatever wrote it).
    const payload = { note: 'n'.repeat(2 * MAX_EVENT_BYTES), source: 'instrument log' };
    const eventId = await samplesDb.$transaction((tx) =>
      recordEvent(tx, {
        type: 'sample.note_added',
        entityType: 'Sample',
        entityId: sample.id,
        service: 'samples',
        actor: { userId: staffId, roles: ['STAFF'] },
        payload,
      }),
    );
    const trailQuery = `query ($id: ID!) { sample(id: $id) { auditTrail { edges { node {
      id type truncated fullContentSha256 payload } } } } }`;
    const node = await eventually(
      async () => {
        const { body } = await gql('staff', trailQuery, { id: sample.id });
        return body.data?.sample?.auditTrail.edges
          .map((e: { node: { id: string } }) => e.node)
          .find((n: { id: string }) => n.id === eventId);
      },
      { what: 'the large event in the trail', timeoutMs: 30_000 },
    );
    expect(node).toMatchObject({
      type: 'sample.note_added',
      truncated: true,
      fullContentSha256: canonicalSha256({ changes: {}, payload: payload as Record<string, JsonValue> }),
      payload: { source: 'instrument log' },
    });
    expect(node.payload.note).toMatch(/^n+…\[\+\d+ characters\]$/);
    // The relay marks the event delivered once the audit subgraph's answer is back: after the trail shows it.
    const row = await eventually(
      async () => {
        const [outbox] = await samplesSql<{ rejected_at: Date | null; delivered_at: Date | null }>(
          'SELECT rejected_at, delivered_at FROM outbox_event WHERE id = $1',
          [eventId],
        );
        return outbox?.delivered_at || outbox?.rejected_at ? outbox : undefined;
      },
      { what: 'the relay to mark the large event delivered', timeoutMs: 30_000 },
    );
    expect(row).toMatchObject({ rejected_at: null, delivered_at: expect.any(Date) });
    const verified = await gql('admin', '{ verifyAuditChain { intact } }');
    expect(verified.body.data.verifyAuditChain.intact).toBe(true);
  });

  test('an event the audit subgraph refuses is counted for its service: metric, delivery status, verification', async () => {
    const sample = await createSample('S-refused-event');
    // Nested deeper than ingestion stores (and hashes): refused as INVALID_EVENT, kept as rejected.
    let deep: JsonValue = 'bottom';
    for (let i = 0; i < 40; i++) deep = { deeper: deep };
    const eventId = await samplesDb.$transaction((tx) =>
      recordEvent(tx, {
        type: 'sample.note_added',
        entityType: 'Sample',
        entityId: sample.id,
        service: 'samples',
        actor: { userId: staffId, roles: ['STAFF'] },
        payload: { deep },
      }),
    );
    const status = await eventually(
      async () => {
        const { body } = await gql(
          'admin',
          '{ auditDeliveryStatus { service rejected ingestRejected lastIngestError stale ok } }',
        );
        const samples = body.data?.auditDeliveryStatus.find(
          (s: { service: string }) => s.service === 'samples',
        );
        return samples?.rejected === 1 ? samples : undefined;
      },
      { what: 'samples to report the rejected event', timeoutMs: 30_000 },
    );
    expect(status).toMatchObject({ rejected: 1, ingestRejected: 1, stale: false, ok: false });
    expect(status.lastIngestError).toContain(eventId);
    const [row] = await samplesSql<{ rejected_at: Date | null; last_error: string }>(
      'SELECT rejected_at, last_error FROM outbox_event WHERE id = $1',
      [eventId],
    );
    expect(row!.rejected_at).toBeInstanceOf(Date);
    expect(row!.last_error).toMatch(/^INVALID_EVENT/);

    const { body } = await gql('admin', '{ verifyAuditChain { intact complete delivery { service ok } } }');
    expect(body.data.verifyAuditChain).toMatchObject({ intact: true, complete: false });
    expect(
      body.data.verifyAuditChain.delivery
        .filter((d: { ok: boolean }) => !d.ok)
        .map((d: { service: string }) => d.service),
    ).toEqual(['samples']);

    const samplesOrigin = stack.subgraphUrls.samples!.replace(/\/graphql$/, '');
    const relayMetrics = await (await fetch(`${samplesOrigin}/metrics`)).text();
    expect(relayMetrics).toMatch(/^outbox_rejected_events\{service="samples"[^}]*\} 1$/m);
    const auditOrigin = stack.subgraphUrls.audit!.replace(/\/graphql$/, '');
    const auditMetrics = await (await fetch(`${auditOrigin}/metrics`)).text();
    expect(auditMetrics).toMatch(/^audit_delivery_rejected_events\{service="samples"[^}]*\} 1$/m);
    expect(auditMetrics).toMatch(/^audit_delivery_rejected_events\{service="auth"[^}]*\} 0$/m);
  });
});
