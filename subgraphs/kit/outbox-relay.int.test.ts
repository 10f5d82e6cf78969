// The outbox relay against a real PostgreSQL (the auth database holds the reference outbox table) and a small
// local receiver that speaks the ingestion contract (./outbox-wire.ts): it checks the signature and every event,
// records what it got, and can be told to be down, answer 503, hang, or reject ids.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../generated/prisma/auth/client.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { createLogger } from './logger.ts';
import { recordEvent } from './outbox.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
import { canonicalSha256 } from './canonical-json.ts';
import {
  INGEST_PATH,
  MAX_CONTENT_BYTES,
  MAX_EVENT_BYTES,
  wireEventSchema,
  type IngestResult,
  type WireEvent,
} from './outbox-wire.ts';
import { verifyServiceRequest } from './service-auth.ts';
import { eventually } from '../../test/helpers/eventually.ts';

const SECRET = 'relay-test-secret-0123456789abcdefghij';

type Mode = 'ok' | 'unavailable' | 'hang-after-store';

/** A receiver that behaves like the audit subgraph's ingestion endpoint. */
async function startReceiver(port = 0) {
  const state = {
    mode: 'ok' as Mode,
    /** Delay before answering, in ms. */
    slowMs: 0,
    rejectIds: new Set<string>(),
    /** Stored events in arrival order. */
    stored: [] as WireEvent[],
    storedIds: new Set<string>(),
    /** How many times each id arrived (any answer). */
    received: new Map<string, number>(),
    requests: 0,
    /** Stored events that arrived with a lower sequence than one already stored for the same entity. */
    orderViolations: [] as string[],
    lastSequence: new Map<string, number>(),
    problems: [] as string[],
    /** The `status` of each body that carried one (heartbeats and status reports). */
    statuses: [] as unknown[],
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        state.requests += 1;
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        };
        const auth = verifyServiceRequest({ secret: SECRET, header: req.headers.authorization, body });
        if (req.url !== INGEST_PATH || 'error' in auth) {
          state.problems.push(`unauthenticated: ${JSON.stringify(auth)}`);
          return answer(401, { error: { code: 'UNAUTHENTICATED', message: 'no' } });
        }
        if (state.mode === 'unavailable')
          return answer(503, { error: { code: 'UNAVAILABLE', message: 'down' } });
        const parsedBody = JSON.parse(body) as { events: unknown[]; status?: unknown };
        const events = parsedBody.events;
        if (parsedBody.status !== undefined) state.statuses.push(parsedBody.status);
        const results: IngestResult[] = events.map((raw) => {
          const parsed = wireEventSchema.safeParse(raw);
          if (!parsed.success) {
            state.problems.push(`invalid event: ${parsed.error.message}`);
            return {
              id: String((raw as { id?: unknown }).id),
              status: 'rejected',
              code: 'BAD_EVENT',
              message: 'x',
            };
          }
          const event = parsed.data;
          if (event.service !== auth.service) state.problems.push('service differs from the signer');
          state.received.set(event.id, (state.received.get(event.id) ?? 0) + 1);
          if (state.rejectIds.has(event.id))
            return { id: event.id, status: 'rejected', code: 'BAD_CHANGES', message: 'not acceptable' };
          if (state.storedIds.has(event.id)) return { id: event.id, status: 'duplicate' };
          const entity = `${event.entityType}:${event.entityId}`;
          if (event.sequence < (state.lastSequence.get(entity) ?? -1)) state.orderViolations.push(event.id);
          state.lastSequence.set(entity, event.sequence);
          state.storedIds.add(event.id);
          state.stored.push(event);
          return { id: event.id, status: 'stored' };
        });
        if (state.mode === 'hang-after-store') return; // stored, but the answer never comes
        if (state.slowMs) await delay(state.slowMs);
        answer(200, { results });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    state,
    port: actual,
    url: `http://127.0.0.1:${actual}${INGEST_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

let db: TestDatabase;
let prisma: PrismaClient;
let pool: pg.Pool;
const cleanup: (() => Promise<unknown>)[] = [];
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

beforeAll(async () => {
  db = await createTestDatabase('auth');
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // A backend ended under an idle client (a relay test terminating connections, the database dropped at the end)
  // is an 'error' on the pool; unheard, it would be an uncaught exception in the test process.
  pool.on('error', (error) => log.warn({ err: error }, 'test pool: idle connection ended'));
});
afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
  await db?.drop();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});
beforeEach(async () => {
  await pool.query('TRUNCATE outbox_event, "user" CASCADE');
});

async function receiver(port?: number): Promise<Receiver> {
  const r = await startReceiver(port);
  cleanup.push(r.close);
  return r;
}

function relay(ingestUrl: string, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  const r = createOutboxRelay({
    databaseUrl: db.url,
    service: 'auth',
    ingestUrl,
    secret: SECRET,
    logger: log,
    pollIntervalMs: 10,
    backoff: { initialMs: 10, maxMs: 40, jitter: 0 },
    // The tests count requests: status reports only when asked (and after a rejection).
    statusIntervalMs: 0,
    ...options,
  });
  cleanup.push(() => r.stop());
  return r;
}

/** Records events, each in its own transaction unless `tx` groups them. */
async function record(entities: string[], extra: Partial<Parameters<typeof recordEvent>[1]> = {}) {
  const ids: string[] = [];
  for (const entityId of entities) {
    ids.push(
      await prisma.$transaction((tx) =>
        recordEvent(tx, {
          type: 'sample.stage_advanced',
          entityType: 'Sample',
          entityId,
          ownerId: `owner-${entityId}`,
          service: 'auth',
          actor: { userId: 'u-1', roles: ['STAFF'] },
          requestId: 'req-1',
          changes: { stage: { from: 'A', to: 'B' } },
          ...extra,
        }),
      ),
    );
  }
  return ids;
}

const rows = async () =>
  (
    await pool.query<{
      id: string;
      entity_id: string;
      delivered_at: Date | null;
      rejected_at: Date | null;
      attempts: number;
      last_error: string | null;
    }>(
      'SELECT id, entity_id, delivered_at, rejected_at, attempts, last_error FROM outbox_event ORDER BY sequence',
    )
  ).rows;

async function freePort(): Promise<number> {
  const r = await startReceiver();
  await r.close();
  return r.port;
}

describe('outbox relay', () => {
  it('delivers committed events in the wire format and marks them; a rolled-back transaction sends nothing', async () => {
    const audit = await receiver();
    const [id] = await record(['s-1']);
    await expect(
      prisma.$transaction(async (tx) => {
        await recordEvent(tx, {
          type: 'sample.created',
          entityType: 'Sample',
          entityId: 's-2',
          service: 'auth',
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');

    const r = relay(audit.url);
    expect(await r.pending()).toBe(1);
    expect(await r.runOnce()).toEqual({ delivered: 1, duplicates: 0, rejected: 0, failed: 0 });
    expect(audit.state.problems).toEqual([]);
    expect(audit.state.stored).toEqual([
      {
        id,
        type: 'sample.stage_advanced',
        entityType: 'Sample',
        entityId: 's-1',
        ownerId: 'owner-s-1',
        actor: { userId: 'u-1', roles: ['STAFF'] },
        service: 'auth',
        requestId: 'req-1',
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        sequence: expect.any(Number),
        changes: { stage: { from: 'A', to: 'B' } },
        payload: null,
        truncated: false,
        fullContentSha256: null,
      },
    ]);
    expect((await rows())[0]?.delivered_at).toBeInstanceOf(Date);
    expect(await r.pending()).toBe(0);
    expect(await r.runOnce()).toEqual({ delivered: 0, duplicates: 0, rejected: 0, failed: 0 });
    expect(audit.state.requests).toBe(1);
  });

  it('keeps the order of each entity across batches', async () => {
    const audit = await receiver();
    const ids = await record(['a', 'b', 'a', 'c', 'a', 'b', 'a', 'c', 'b', 'a']);
    const r = relay(audit.url, { batchSize: 3 });
    for (let i = 0; i < 4; i++) await r.runOnce();
    expect(audit.state.stored.map((e) => e.id)).toEqual(ids);
    expect(audit.state.orderViolations).toEqual([]);
  });

  it('backs off while the receiver is down (refused, then 503), marks nothing, then delivers everything once', async () => {
    const port = await freePort();
    const ids = await record(['a', 'b', 'a']);
    const delays: number[] = [];
    const r = relay(`http://127.0.0.1:${port}${INGEST_PATH}`, {
      sleep: async (ms) => {
        delays.push(ms);
        await delay(ms);
      },
    });
    r.start();
    await eventually(() => delays.length >= 4);
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 40]);
    expect((await rows()).every((row) => !row.delivered_at && row.attempts >= 4)).toBe(true);
    expect((await rows())[0]?.last_error).toMatch(/ECONNREFUSED/);

    const audit = await receiver(port);
    audit.state.mode = 'unavailable';
    await eventually(() => audit.state.requests >= 2);
    expect(await r.pending()).toBe(3);
    expect((await rows())[0]?.last_error).toMatch(/^HTTP 503/);

    audit.state.mode = 'ok';
    await eventually(async () => (await r.pending()) === 0);
    const failures = delays.length;
    expect(audit.state.stored.map((e) => e.id)).toEqual(ids);
    expect([...audit.state.received.values()]).toEqual([1, 1, 1]);
    // Back to normal: no more waiting after the success.
    await record(['c']);
    r.notify();
    await eventually(() => audit.state.stored.length === 4);
    expect(delays.length).toBe(failures);
  });

  it('marks a duplicate as delivered, and keeps a rejected event (other events still flow)', async () => {
    const audit = await receiver();
    const [dup, bad, good, afterBad] = await record(['a', 'b', 'c', 'b']);
    audit.state.storedIds.add(dup!);
    audit.state.rejectIds.add(bad!);
    const registry = new Registry();
    const r = relay(audit.url, { registry });
    expect(await r.runOnce()).toEqual({ delivered: 2, duplicates: 1, rejected: 1, failed: 0 });
    const byId = new Map((await rows()).map((row) => [row.id, row]));
    expect(byId.get(dup!)?.delivered_at).toBeInstanceOf(Date);
    expect(byId.get(good!)?.delivered_at).toBeInstanceOf(Date);
    expect(byId.get(afterBad!)?.delivered_at).toBeInstanceOf(Date);
    expect(byId.get(bad!)).toMatchObject({ delivered_at: null, last_error: 'BAD_CHANGES: not acceptable' });
    expect(byId.get(bad!)?.rejected_at).toBeInstanceOf(Date);
    // Never retried automatically, still counted.
    expect(await r.runOnce()).toEqual({ delivered: 0, duplicates: 0, rejected: 0, failed: 0 });
    expect(await r.pending()).toBe(0);
    expect(await registry.metrics()).toMatch(/^outbox_rejected_events\{service="auth"\} 1$/m);
  });

  it('stores an event too large to deliver shortened, flagged and with the full content hash; delivers it', async () => {
    const audit = await receiver();
    const payload = { blob: 'x'.repeat(MAX_EVENT_BYTES), note: 'kept' };
    const changes = { reason: { from: null, to: 'y'.repeat(70 * 1024) } };
    const [huge] = await record(['a'], { payload, changes });
    const [next] = await record(['a']);
    const [stored] = (
      await pool.query<{ truncated: boolean; full_content_sha256: string; bytes: number }>(
        `SELECT truncated, full_content_sha256, octet_length(changes::text) + octet_length(payload::text) AS bytes
           FROM outbox_event WHERE id = $1`,
        [huge],
      )
    ).rows;
    expect(stored).toMatchObject({
      truncated: true,
      full_content_sha256: canonicalSha256({ changes, payload }),
    });
    expect(stored!.bytes).toBeLessThanOrEqual(MAX_CONTENT_BYTES);

    const r = relay(audit.url);
    expect(await r.runOnce()).toEqual({ delivered: 2, duplicates: 0, rejected: 0, failed: 0 });
    expect(audit.state.stored.map((e) => e.id)).toEqual([huge, next]);
    const sent = audit.state.stored[0]!;
    expect(sent).toMatchObject({ truncated: true, fullContentSha256: canonicalSha256({ changes, payload }) });
    expect((sent.payload as { note: string }).note).toBe('kept');
    expect((sent.payload as { blob: string }).blob).toMatch(/^x+…\[\+\d+ characters\]$/);
    expect(Buffer.byteLength(JSON.stringify(sent))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(audit.state.stored[1]).toMatchObject({ truncated: false, fullContentSha256: null });
    expect((await rows()).every((row) => row.rejected_at === null)).toBe(true);
  });

  it('exports every outbox_* series the alert rules in deploy/prometheus/alerts.yml use', async () => {
    const rules = await readFile(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8');
    const expressions = rules
      .split('\n')
      .filter((line) => line.trim().startsWith('expr:'))
      .join('\n');
    const used = [...new Set(expressions.match(/\boutbox_[a-z_]+\b/g))];
    expect(used.length).toBeGreaterThanOrEqual(2);
    const registry = new Registry();
    relay('http://127.0.0.1:9/ingest', { registry });
    const text = await registry.metrics();
    for (const name of used) expect(text).toMatch(new RegExp(`^${name}\\{service="auth"\\} \\d`, 'm'));
  });

  it('shortens an oversized row recorded before shortening existed instead of rejecting it', async () => {
    const audit = await receiver();
    const [legacy] = await record(['a']);
    const payload = { blob: 'z'.repeat(MAX_EVENT_BYTES) };
    await pool.query('UPDATE outbox_event SET payload = $2 WHERE id = $1', [legacy, JSON.stringify(payload)]);
    const r = relay(audit.url);
    expect(await r.runOnce()).toEqual({ delivered: 1, duplicates: 0, rejected: 0, failed: 0 });
    expect(audit.state.stored[0]).toMatchObject({
      id: legacy,
      truncated: true,
      fullContentSha256: canonicalSha256({ changes: { stage: { from: 'A', to: 'B' } }, payload }),
    });
  });

  it('reports its outbox status (pending, oldest pending, rejected) signed, after a rejection and on demand', async () => {
    const audit = await receiver();
    const [bad] = await record(['a']);
    audit.state.rejectIds.add(bad!);
    const r = relay(audit.url);
    expect(await r.runOnce()).toMatchObject({ rejected: 1 });
    await eventually(() => audit.state.statuses.length > 0);
    expect(audit.state.statuses.at(-1)).toMatchObject({ pending: 0, oldestPendingAt: null, rejected: 1 });

    await record(['b', 'c']);
    expect(await r.reportStatus()).toBe(true);
    const status = audit.state.statuses.at(-1) as {
      pending: number;
      oldestPendingAt: string;
      rejected: number;
    };
    expect(status).toMatchObject({ pending: 2, rejected: 1 });
    expect(Date.now() - Date.parse(status.oldestPendingAt)).toBeLessThan(60_000);
    expect(audit.state.problems).toEqual([]);
  });

  it('two relays on one database deliver every event exactly once and in order per entity, while writers commit', async () => {
    const audit = await receiver();
    audit.state.slowMs = 2;
    const registries = [new Registry(), new Registry()] as const;
    const a = relay(audit.url, { batchSize: 40, registry: registries[0] });
    const b = relay(audit.url, { batchSize: 40, registry: registries[1] });
    a.start();
    b.start();
    // 100 transactions of 10 events over 20 entities, 5 at a time, each slow enough to commit out of order.
    let next = 0;
    const writer = async () => {
      while (next < 100) {
        next += 1;
        await prisma.$transaction(async (tx) => {
          for (let i = 0; i < 10; i++) {
            await recordEvent(tx, {
              type: 'sample.stage_advanced',
              entityType: 'Sample',
              entityId: `s-${Math.floor(Math.random() * 20)}`,
              service: 'auth',
            });
            if (i % 3 === 0) await delay(1);
          }
        });
        a.notify();
        b.notify();
      }
    };
    await Promise.all(Array.from({ length: 5 }, writer));
    await eventually(async () => (await a.pending()) === 0 && audit.state.stored.length === 1000, {
      timeoutMs: 15_000,
    });
    expect(audit.state.problems).toEqual([]);
    expect(audit.state.orderViolations).toEqual([]);
    expect(audit.state.received.size).toBe(1000);
    expect([...audit.state.received.values()].every((n) => n === 1)).toBe(true);
    // Both took part.
    for (const registry of registries) {
      expect(await registry.metrics()).toMatch(
        /^outbox_delivered_total\{service="auth",result="stored"\} [1-9]/m,
      );
    }
  });

  it('stop() waits for the batch in flight, and an answer lost after storing is acknowledged as duplicate later', async () => {
    const audit = await receiver();
    audit.state.slowMs = 300;
    await record(['a', 'b']);
    const first = relay(audit.url);
    first.start();
    await eventually(() => audit.state.requests === 1);
    await first.stop();
    await first.stop();
    expect((await rows()).every((row) => row.delivered_at)).toBe(true);

    // The receiver stores, but the relay's request times out before the answer.
    const ids = await record(['a', 'c']);
    audit.state.slowMs = 0;
    audit.state.mode = 'hang-after-store';
    const second = relay(audit.url, { requestTimeoutMs: 200 });
    expect(await second.runOnce()).toEqual({ delivered: 0, duplicates: 0, rejected: 0, failed: 2 });
    await second.stop();
    const pending = (await rows()).filter((row) => ids.includes(row.id));
    expect(pending.map((row) => [row.delivered_at, row.attempts])).toEqual([
      [null, 1],
      [null, 1],
    ]);
    expect(pending[0]?.last_error).toMatch(/no answer within 200 ms/);

    audit.state.mode = 'ok';
    const third = relay(audit.url);
    expect(await third.runOnce()).toEqual({ delivered: 0, duplicates: 2, rejected: 0, failed: 0 });
    expect(await third.pending()).toBe(0);
    expect(audit.state.stored).toHaveLength(4);
  });

  it('halves the batch after the receiver refuses it as too large, down to what it takes', async () => {
    const audit = await receiver();
    await record(['a', 'b', 'c', 'd']);
    let calls = 0;
    const sizes: number[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          calls += 1;
          const body = Buffer.concat(chunks).toString('utf8');
          const { events } = JSON.parse(body) as { events: { id: string }[] };
          sizes.push(events.length);
          if (events.length > 1) return res.writeHead(413).end('{}');
          // The real receiver behind it.
          const upstream = await fetch(audit.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
            body,
          });
          res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const r = relay(`http://127.0.0.1:${(server.address() as AddressInfo).port}${INGEST_PATH}`);
    expect((await r.runOnce()).failed).toBe(4);
    expect((await r.runOnce()).failed).toBe(2);
    expect(await r.runOnce()).toMatchObject({ delivered: 1 });
    expect(sizes).toEqual([4, 2, 1]);
    expect(calls).toBe(3);
  });

  it('exposes pending, oldest age, delivered, failures and batch duration, labelled with the service', async () => {
    const now = new Date('2026-11-28T12:00:00.000Z');
    await record(['a', 'b'], { occurredAt: new Date(now.getTime() - 90_000) });
    await record(['c'], { occurredAt: new Date(now.getTime() - 30_000) });
    const registry = new Registry();
    const audit = await receiver();
    const r = relay(audit.url, { registry, now: () => now });
    const metric = async (name: string) => {
      const line = new RegExp(`^${name} (\\S+)$`, 'm').exec(await registry.metrics());
      return line ? Number(line[1]) : undefined;
    };
    expect(await metric('outbox_pending_events{service="auth"}')).toBe(3);
    expect(await metric('outbox_oldest_pending_age_seconds{service="auth"}')).toBe(90);
    expect(await metric('outbox_rejected_events{service="auth"}')).toBe(0);

    audit.state.mode = 'unavailable';
    await r.runOnce();
    expect(await metric('outbox_delivery_failures_total{service="auth",reason="server_error"}')).toBe(1);
    audit.state.mode = 'ok';
    await r.runOnce();
    expect(await metric('outbox_pending_events{service="auth"}')).toBe(0);
    expect(await metric('outbox_oldest_pending_age_seconds{service="auth"}')).toBe(0);
    expect(await metric('outbox_delivered_total{service="auth",result="stored"}')).toBe(3);
    expect(await metric('outbox_batch_duration_seconds_count{service="auth"}')).toBe(2);
  });

  it('delivers another table of the same columns beside the outbox, each with its own metrics', async () => {
    await pool.query('DROP TABLE IF EXISTS sample_command');
    await pool.query('CREATE TABLE sample_command (LIKE outbox_event INCLUDING ALL)');
    cleanup.push(() => pool.query('DROP TABLE sample_command'));
    await record(['a']);
    await pool.query(
      `INSERT INTO sample_command (id, type, entity_type, entity_id, service, changes)
       SELECT gen_random_uuid(), 'submission.sample_committed', 'Submission', 's-' || n, 'auth', '{}'
         FROM generate_series(1, 3) AS n`,
    );
    const registry = new Registry();
    const audit = await receiver();
    const commands = await receiver();
    const outbox = relay(audit.url, { registry });
    const second = relay(commands.url, { registry, table: 'sample_command' });
    expect(await second.runOnce()).toEqual({ delivered: 3, duplicates: 0, rejected: 0, failed: 0 });
    expect(await outbox.runOnce()).toEqual({ delivered: 1, duplicates: 0, rejected: 0, failed: 0 });
    expect(commands.state.stored.map((e) => e.type)).toEqual(Array(3).fill('submission.sample_committed'));
    expect(audit.state.stored.map((e) => e.entityId)).toEqual(['a']);
    const text = await registry.metrics();
    expect(text).toMatch(/^sample_command_delivered_total\{service="auth",result="stored"\} 3$/m);
    expect(text).toMatch(/^outbox_delivered_total\{service="auth",result="stored"\} 1$/m);
    expect(() => relay(commands.url, { table: 'outbox_event; DROP TABLE x' })).toThrow(/bad table name/);
  });

  it('refuses a short secret, a bad service name and a missing database', () => {
    const base = {
      databaseUrl: 'postgresql://x@127.0.0.1/x',
      service: 'auth',
      ingestUrl: 'http://127.0.0.1:1/x',
    };
    expect(() => createOutboxRelay({ ...base, secret: 'short' })).toThrow(/at least 32 characters/);
    expect(() => createOutboxRelay({ ...base, secret: SECRET, service: 'Auth!' })).toThrow(/service name/);
    expect(() => createOutboxRelay({ ...base, databaseUrl: undefined, secret: SECRET })).toThrow(
      /databaseUrl/,
    );
  });
});
