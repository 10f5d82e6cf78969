// Issue 15 part 7: two routers and two processes of every subgraph on one PostgreSQL (test/helpers/replicas.ts),
// under concurrent writes through both routers. Every workflow move is sent through both routers at once with
// the version both read: exactly one wins, and the sample's state and history are exactly the winners'. Then,
// once the relays have drained: every outbox event reached the audit log exactly once, the chain verifies and is
// gapless, the relays (and the audit ingestion) of both replicas did part of the work, and each webhook delivery
// reached the receiver once although two audit processes dispatch.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  AdvanceStageDocument,
  CreateSampleDocument,
  createClient,
  GraphQLRequestError,
  LoginDocument,
  ReceiveSamplesDocument,
  RecordQcDocument,
  SampleDetailDocument,
  SamplesDocument,
  VerifyAuditChainDocument,
} from '../../client/index.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { eventually } from '../helpers/eventually.ts';
import { post } from '../helpers/graphql.ts';
import { readMetric, startReplicas, type ReplicaSet, type Replicas } from '../helpers/replicas.ts';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts';

const SAMPLES = 24;

let databases: TestDatabase[] = [];
let databaseUrls: Record<string, string> = {};
let filesDir = '';
let replicas: Replicas;
let receiver: WebhookReceiver;
const received: ReceivedWebhook[] = [];
let token = '';

const client = (set: number) =>
  createClient({ url: replicas.sets[set]!.routerUrl, accessToken: () => token });

/** One connection per database for the test's own reads, opened before the processes take theirs. */
const connections: Record<string, pg.Client> = {};

async function query<T>(domain: string, sql: string): Promise<T[]> {
  return (await connections[domain]!.query(sql)).rows as T[];
}

/** Sum of a metric over the processes of one subgraph in every set, and each process's own value. */
async function perReplica(subgraph: string, name: string, labels: Record<string, string>) {
  const each = await Promise.all(
    replicas.sets.map((set) => readMetric(set.subgraphOrigins[subgraph]!, name, labels)),
  );
  return { each, total: each.reduce((a, b) => a + b, 0) };
}

beforeAll(async () => {
  databases = await Promise.all(listDomains().map((d) => createTestDatabase(d)));
  databaseUrls = Object.fromEntries(listDomains().map((d, i) => [d, databases[i]!.url]));
  for (const [domain, url] of Object.entries(databaseUrls)) {
    connections[domain] = new pg.Client({ connectionString: url });
    await connections[domain].connect();
  }
  filesDir = await mkdtemp(path.join(tmpdir(), 'scale-out-files-'));
  receiver = await startWebhookReceiver(received, new Map());
  const admin = { email: 'admin@lab.test', password: randomBytes(18).toString('base64url') };
  replicas = await startReplicas({
    databaseUrls,
    sets: 2,
    env: {
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      FILES_DIR: filesDir,
      AUDIT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      AUDIT_WEBHOOK_ALLOW_HTTP: 'true',
      AUDIT_WEBHOOK_POLL_MS: '100',
    },
  });
  const { login } = await createClient({ url: replicas.sets[0]!.routerUrl }).request(LoginDocument, admin);
  token = login.accessToken;
}, 300_000);

afterAll(async () => {
  await replicas?.close();
  await receiver?.close();
  await Promise.all(Object.values(connections).map((c) => c.end()));
  await Promise.all(databases.map((db) => db.drop()));
  if (filesDir) await rm(filesDir, { recursive: true, force: true });
});

type Move =
  | { name: 'receive' }
  | { name: 'advance'; toStage: 'SAMPLE_QC' | 'LIBRARY_PREP' | 'LIBRARY_QC' | 'SEQUENCING_SETUP' }
  | { name: 'recordQc' };

/** Received, then through QC and library prep to sequencing set-up: seven moves. */
const MOVES: Move[] = [
  { name: 'receive' },
  { name: 'advance', toStage: 'SAMPLE_QC' },
  { name: 'recordQc' },
  { name: 'advance', toStage: 'LIBRARY_PREP' },
  { name: 'advance', toStage: 'LIBRARY_QC' },
  { name: 'recordQc' },
  { name: 'advance', toStage: 'SEQUENCING_SETUP' },
];

interface Won {
  status: string;
  stage: string | null | undefined;
  qcStatus?: string;
  version: number;
}

/** Answers a retry fixes (P2028: no transaction could start in time on a busy machine): nothing was done. */
let busyRetries = 0;

/** Sends until the answer is not SERVICE_UNAVAILABLE, as a client should; a retried move that had been done would show in the history. */
async function retryingBusy<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const busy = error instanceof GraphQLRequestError && error.codes.includes('SERVICE_UNAVAILABLE');
      if (!busy || attempt === 20) throw error;
      busyRetries += 1;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** One move through router `set`: the sample as the winner saw it, or the loser's error. */
async function sendMove(set: number, id: string, move: Move, version: number): Promise<Won> {
  const c = client(set);
  if (move.name === 'receive') {
    const { receiveSamples } = await c.request(ReceiveSamplesDocument, { ids: [id] });
    const result = receiveSamples.results[0]!;
    if (!result.ok) {
      throw new GraphQLRequestError(
        [{ message: result.error?.message ?? 'refused', extensions: { code: result.error?.code } }],
        200,
      );
    }
    return result.sample!;
  }
  if (move.name === 'recordQc') {
    return (await c.request(RecordQcDocument, { id, result: 'PASSED', version })).recordQc;
  }
  return (await c.request(AdvanceStageDocument, { id, toStage: move.toStage, version })).advanceStage;
}

const errorCodes = (reason: unknown): string[] =>
  reason instanceof GraphQLRequestError
    ? reason.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`)
    : [`not a GraphQL error: ${String(reason)}`];

test('concurrent moves through both routers: one winner per move, none lost, audit exactly once, relays shared', async () => {
  // A token issued by one set's auth process is honoured by the other set (one signing key in the database).
  const me = await post(
    replicas.sets[1]!.routerUrl,
    '{ me { email } }',
    {},
    { authorization: `Bearer ${token}` },
  );
  expect(me.body.data?.me?.email).toBe('admin@lab.test');

  const subscribe = await post(
    replicas.sets[1]!.routerUrl,
    `mutation ($i: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $i) { subscription { id } } }`,
    {
      i: {
        url: `http://127.0.0.1:${receiver.port}/ops`,
        eventTypes: ['sample.created', 'sample.stage_changed'],
      },
    },
    { authorization: `Bearer ${token}` },
  );
  expect(subscribe.body.errors).toBeUndefined();

  // Readers on both routers meanwhile: the mixed load of a working lab.
  let reading = true;
  const readErrors: string[] = [];
  const readers = [0, 1].map(async (set) => {
    while (reading) {
      await client(set)
        .request(SamplesDocument, { first: 20 })
        .catch((error: unknown) => readErrors.push(String(error)));
    }
  });

  const ids = await Promise.all(
    Array.from({ length: SAMPLES }, async (_, i) => {
      const { createSample } = await retryingBusy(() =>
        client(i % 2).request(CreateSampleDocument, { input: { name: `SCALE-${i}` } }),
      );
      return createSample.id;
    }),
  );

  const losses: string[][] = [];
  const winners = await Promise.all(
    ids.map(async (id) => {
      let version = 0;
      const won: Won[] = [];
      for (const move of MOVES) {
        const [a, b] = await Promise.allSettled(
          [0, 1].map((set) => retryingBusy(() => sendMove(set, id, move, version))),
        );
        const settled = [a!, b!];
        const wins = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        const lost = settled.flatMap((s) => (s.status === 'rejected' ? [errorCodes(s.reason)] : []));
        expect(
          wins,
          `${move.name} of ${id} at version ${version}: one wins (lost: ${lost.join(' | ')})`,
        ).toHaveLength(1);
        losses.push(...lost);
        const winner = wins[0]!;
        expect(winner.version).toBe(version + 1);
        version = winner.version;
        won.push(winner);
      }
      return won;
    }),
  );
  reading = false;
  if (busyRetries)
    console.error(`scale-out: ${busyRetries} requests answered SERVICE_UNAVAILABLE and were retried`);
  await Promise.all(readers);
  expect(readErrors).toEqual([]);
  // The loser of each race lost by the rules (a stale version, or the move already made), not by a failure.
  expect(losses).toHaveLength(SAMPLES * MOVES.length);
  for (const errors of losses) expect(errors[0]).toMatch(/^(CONFLICT|INVALID_TRANSITION): /);

  // Every sample is where its winners left it, with exactly their moves in its history.
  for (const [i, id] of ids.entries()) {
    const { sample } = await client(i % 2).request(SampleDetailDocument, { id });
    const last = winners[i]!.at(-1)!;
    expect(sample).toMatchObject({ status: last.status, stage: last.stage, version: last.version });
    expect(sample!.history.map((h) => h.move)).toEqual(MOVES.map((m) => m.name));
    // Each history row is the state its winner answered with.
    expect(sample!.history.map((h) => [h.toStatus, h.toStage ?? null])).toEqual(
      winners[i]!.map((w) => [w.status, w.stage ?? null]),
    );
  }

  // Drained: no event pending or rejected in any outbox.
  const outboxDomains = (
    await Promise.all(
      listDomains().map(async (domain) => {
        const [row] = await query<{ has: boolean }>(
          domain,
          `SELECT to_regclass('outbox_event') IS NOT NULL AS has`,
        );
        return row!.has ? [domain] : [];
      }),
    )
  ).flat();
  expect(outboxDomains).toContain('samples');
  await eventually(
    async () => {
      for (const domain of outboxDomains) {
        const [row] = await query<{ pending: number }>(
          domain,
          'SELECT count(*)::int AS pending FROM outbox_event WHERE delivered_at IS NULL',
        );
        if (row!.pending > 0) return false;
      }
      return true;
    },
    { what: 'every outbox to be delivered', timeoutMs: 60_000 },
  );

  // Exactly once: the audit log holds each outbox event once, and nothing else from those services.
  const audit = await query<{ event_id: string; service: string }>(
    'audit',
    'SELECT event_id::text, service FROM audit_event',
  );
  expect(new Set(audit.map((e) => e.event_id)).size).toBe(audit.length);
  for (const domain of outboxDomains) {
    const outbox = await query<{ id: string }>(domain, 'SELECT id::text FROM outbox_event ORDER BY id');
    const logged = audit.filter((e) => e.service === domain).map((e) => e.event_id);
    expect(logged.sort(), `${domain}: outbox events = audit events`).toEqual(outbox.map((r) => r.id));
  }
  const samplesEvents = audit.filter((e) => e.service === 'samples').length;
  expect(samplesEvents).toBe(SAMPLES * (1 + MOVES.length));

  // The chain is linear: gapless sequences, and the audit subgraph's own verification passes over all of it.
  const [tip] = await query<{ max: string; count: string }>(
    'audit',
    'SELECT max(sequence)::text AS max, count(*)::text AS count FROM audit_event',
  );
  expect(tip!.max).toBe(tip!.count);
  // Per entity, the log holds the events in the order the service recorded them, whichever relay sent them.
  const [outOfOrder] = await query<{ count: number }>(
    'audit',
    `SELECT count(*)::int AS count FROM (
       SELECT source_sequence < lag(source_sequence) OVER (PARTITION BY service, entity_type, entity_id ORDER BY sequence) AS back
         FROM audit_event WHERE source_sequence IS NOT NULL) e WHERE back`,
  );
  expect(outOfOrder!.count).toBe(0);
  // Received in the order of the chain: the time of receipt never goes back along it, whichever process appended.
  const [backInTime] = await query<{ count: number }>(
    'audit',
    `SELECT count(*)::int AS count FROM (
       SELECT received_at < lag(received_at) OVER (ORDER BY sequence) AS back FROM audit_event) e WHERE back`,
  );
  expect(backInTime!.count).toBe(0);
  const { verifyAuditChain } = await client(1).request(VerifyAuditChainDocument, {});
  expect(verifyAuditChain).toMatchObject({ intact: true, checked: audit.length, firstBrokenSequence: null });

  // Both samples relays delivered some, and together each event once (a redelivery would count as duplicate).
  const stored = await perReplica('samples', 'outbox_delivered_total', {
    service: 'samples',
    result: 'stored',
  });
  const duplicates = await perReplica('samples', 'outbox_delivered_total', {
    service: 'samples',
    result: 'duplicate',
  });
  console.error(
    `scale-out: samples relays stored ${stored.each.join(' + ')}, duplicates ${duplicates.each.join(' + ')}`,
  );
  expect(stored.total).toBe(samplesEvents);
  // A relay sends an event again only after an attempt that failed (timeout): never because two relays held it.
  const [attempts] = await query<{ failed: number }>(
    'samples',
    'SELECT coalesce(sum(attempts), 0)::int AS failed FROM outbox_event',
  );
  expect(duplicates.total).toBeLessThanOrEqual(attempts!.failed);
  for (const count of stored.each) expect(count).toBeGreaterThan(0);
  // Both audit processes appended to the one chain.
  const ingested = await perReplica('audit', 'audit_events_ingested_total', { outcome: 'stored' });
  console.error(`scale-out: audit ingestion stored ${ingested.each.join(' + ')}`);
  expect(ingested.total).toBe(audit.filter((e) => e.service !== 'audit').length);
  for (const count of ingested.each) expect(count).toBeGreaterThan(0);

  // Webhooks: each queued delivery reached the receiver once, though two audit processes dispatch.
  const [queued] = await query<{ count: number }>(
    'audit',
    'SELECT count(*)::int AS count FROM webhook_delivery',
  );
  // sample.created and every move but QC (sample.stage_changed).
  expect(queued!.count).toBe(SAMPLES * (1 + MOVES.filter((m) => m.name !== 'recordQc').length));
  await eventually(() => received.length >= queued!.count, {
    what: `${queued!.count} webhook deliveries`,
    timeoutMs: 60_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const keys = received.map((r) => String(r.headers['idempotency-key']));
  expect(new Set(keys).size).toBe(queued!.count);
  expect(received).toHaveLength(queued!.count);
  const sent = await perReplica('audit', 'audit_webhook_deliveries_total', { outcome: 'delivered' });
  console.error(`scale-out: webhook deliveries sent ${sent.each.join(' + ')}`);
  expect(sent.total).toBe(queued!.count);
}, 600_000);

test('an audit process killed under load: the relays of the other set deliver every event, once', async () => {
  const [first] = replicas.sets as [ReplicaSet];
  const stored = () =>
    perReplica('samples', 'outbox_delivered_total', { service: 'samples', result: 'stored' });
  const storedBefore = await stored();
  // Set 1's relays deliver to set 1's audit process: it dies mid-flight, with no chance to finish anything.
  process.kill(first.subgraphs.audit!.pid, 'SIGKILL');
  await eventually(() => first.subgraphs.audit!.exited(), { what: 'audit-1 to exit' });

  // Writes go on through router 1 (samples-1 records them); set 2's relays take them to audit-2.
  const ids = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const { createSample } = await retryingBusy(() =>
        client(0).request(CreateSampleDocument, { input: { name: `AFTER-KILL-${i}` } }),
      );
      return createSample.id;
    }),
  );
  const { receiveSamples } = await retryingBusy(() => client(0).request(ReceiveSamplesDocument, { ids }));
  expect(receiveSamples.succeeded).toBe(10);

  await eventually(
    async () => {
      const [row] = await query<{ pending: number }>(
        'samples',
        'SELECT count(*)::int AS pending FROM outbox_event WHERE delivered_at IS NULL',
      );
      return row!.pending === 0;
    },
    { what: 'the samples outbox to drain through set 2', timeoutMs: 60_000 },
  );
  const outbox = await query<{ id: string }>('samples', 'SELECT id::text FROM outbox_event ORDER BY id');
  const logged = await query<{ event_id: string }>(
    'audit',
    `SELECT event_id::text FROM audit_event WHERE service = 'samples' ORDER BY event_id`,
  );
  expect(logged.map((e) => e.event_id)).toEqual(outbox.map((r) => r.id));
  const { verifyAuditChain } = await client(1).request(VerifyAuditChainDocument, {});
  expect(verifyAuditChain).toMatchObject({ intact: true, firstBrokenSequence: null });
  // Set 1's samples relay found its audit process gone; all 20 new events (10 created, 10 received) went
  // through samples-2's relay.
  const storedAfter = await stored();
  expect(storedAfter.each[0]).toBe(storedBefore.each[0]);
  expect(storedAfter.each[1]! - storedBefore.each[1]!).toBe(20);
  expect(
    await readMetric(first.subgraphOrigins.samples!, 'outbox_delivery_failures_total', {
      reason: 'unreachable',
    }),
  ).toBeGreaterThan(0);
}, 180_000);
