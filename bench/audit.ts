// The audit trail and its outbox, measured: `npx tsx bench/audit.ts`
//
// 1. Ingestion: signed batches of relay-built events POSTed straight to the audit subgraph's ingest endpoint
//    (batch sizes 1, 100, 500; a few concurrent senders), beside one multi-row INSERT per batch into plain
//    tables with audit_event's columns in the same PostgreSQL (no chain, no trigger, no idempotency).
// 2. Delay from a change to its audit record: updateUser renames through the auth subgraph's GraphQL at fixed
//    rates, delay = audit_event.received_at - outbox_event.occurred_at per event; the relay woken by the auth
//    subgraph's notify() on every mutation, beside a relay that only polls (every 500 ms, the default).
// 3. Catch-up: a backlog of outbox events written while the audit subgraph is down, then the time until
//    nothing is pending once it is back.
// The auth and audit subgraphs (and the poll-only relay, bench/audit-relay.ts) each run in their own process,
// wired like the stack (scripts/stack.ts wireSettings). Printed and written to bench/results/latest-audit.{md,json}.
// About two minutes with the defaults; cleans up its processes and databases also after a failure or Ctrl-C.
//
// Settings: BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL of a PostgreSQL server; default: an embedded
// one), BENCH_AUDIT_INGEST_SECONDS (3 per cell, after 1 s of warm-up), BENCH_AUDIT_SENDERS (4),
// BENCH_AUDIT_BATCH_SIZES (1,100,500), BENCH_AUDIT_RATES (50,200 changes/s), BENCH_AUDIT_LOAD_SECONDS (10),
// BENCH_AUDIT_USERS (50), BENCH_AUDIT_BACKLOG (10000), BENCH_LOG_LEVEL (error; the servers' log level, what they
// log is summarized at the end).
import { randomBytes, randomUUID } from 'node:crypto';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as AuthPrismaClient } from '../generated/prisma/auth/client.ts';
import { wireSettings } from '../scripts/stack.ts';
import { recordEvent } from '../subgraphs/kit/outbox.ts';
import type { OutboxRow } from '../subgraphs/kit/outbox-relay-store.ts';
import { postBatch, prepareBatch } from '../subgraphs/kit/outbox-relay-send.ts';
import { INGEST_PATH, MAX_BATCH_EVENTS } from '../subgraphs/kit/outbox-wire.ts';
import { createBenchDatabases } from './database.ts';
import { expectData, send } from './load.ts';
import { isReady, readCpuMs, readMemory, root, startChild, waitFor, type Child } from './processes.ts';
import { writeResults } from './report.ts';

function setting(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (!values.length || values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name} must be a positive integer or a comma-separated list of them, got '${raw}'`);
  return values;
}
const one = (name: string, fallback: number) => setting(name, [fallback])[0]!;

const settings = {
  ingestSeconds: one('BENCH_AUDIT_INGEST_SECONDS', 3),
  ingestWarmupSeconds: 1,
  senders: one('BENCH_AUDIT_SENDERS', 4),
  batchSizes: setting('BENCH_AUDIT_BATCH_SIZES', [1, 100, 500]),
  /** Entities the ingestion events are spread over. */
  entities: 100,
  rates: setting('BENCH_AUDIT_RATES', [50, 200]),
  loadSeconds: one('BENCH_AUDIT_LOAD_SECONDS', 10),
  users: one('BENCH_AUDIT_USERS', 50),
  backlog: one('BENCH_AUDIT_BACKLOG', 10_000),
  /** recordEvent calls per backlog transaction. */
  backlogEventsPerTransaction: 50,
  logLevel: process.env.BENCH_LOG_LEVEL || 'error',
};
for (const size of settings.batchSizes) {
  if (size > MAX_BATCH_EVENTS)
    throw new Error(`batch size ${size} exceeds MAX_BATCH_EVENTS (${MAX_BATCH_EVENTS})`);
}
/** The auth subgraph's relay runs with createOutboxRelay's defaults (subgraphs/auth/server.ts sets neither). */
const RELAY_DEFAULTS = { batchSize: 100, pollIntervalMs: 500 };
const resultsDir = path.join(root, 'bench/results');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- statistics -------------------------------------------------------------------------------------------

interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (milliseconds). */
function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (p: number) => (n ? sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]! : NaN);
  return {
    count: n,
    mean: n ? sorted.reduce((sum, v) => sum + v, 0) / n : NaN,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: n ? sorted[n - 1]! : NaN,
  };
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

// --- processes and databases -----------------------------------------------------------------------------

/** Every child started, for the summary of what they logged. */
const children: Child[] = [];

function child(name: string, script: string, env: NodeJS.ProcessEnv): Child {
  const started = startChild(name, script, [], { ...env, LOG_LEVEL: settings.logLevel });
  cleanups.push({ what: `stopping the ${name}`, run: () => started.stop() });
  children.push(started);
  return started;
}

/** What a child logged (pino JSON lines, at BENCH_LOG_LEVEL or above), counted by message. */
function logSummary(process: Child): string[] {
  const counts = new Map<string, number>();
  for (const line of process.output().split('\n')) {
    if (!line.trim()) continue;
    let key = line.slice(0, 300);
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        msg?: string;
        err?: { message?: string };
        message?: string;
      };
      key = `level ${entry.level}: ${entry.msg ?? ''}${entry.err?.message ? ` — ${entry.err.message.slice(0, 300)}` : ''}${entry.message ? ` — ${entry.message.slice(0, 200)}` : ''}`;
    } catch {
      // not JSON: keep the line
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n} × ${key}`);
}

async function startSubgraph(name: 'auth' | 'audit', env: NodeJS.ProcessEnv): Promise<Child> {
  const process = child(`${name} subgraph`, `subgraphs/${name}/index.ts`, env);
  const port = env[`${name.toUpperCase()}_PORT`];
  await waitFor(`the ${name} subgraph to be ready`, () => isReady(`http://127.0.0.1:${port}/ready`), process);
  return process;
}

function pool(url: string, max = 2): pg.Pool {
  const created = new pg.Pool({ connectionString: url, max });
  created.on('error', () => {});
  cleanups.push({ what: 'closing a database pool', run: () => created.end() });
  return created;
}

const PENDING_SQL =
  'SELECT count(*)::int AS n FROM outbox_event WHERE delivered_at IS NULL AND rejected_at IS NULL';

async function pendingCount(authDb: pg.Pool): Promise<number> {
  return (await authDb.query<{ n: number }>(PENDING_SQL)).rows[0]!.n;
}

// --- 1. ingestion ----------------------------------------------------------------------------------------

/** Outbox rows as the auth subgraph writes them for a rename, over `entities` users. */
function eventFactory(entities: number) {
  const users = Array.from({ length: entities }, () => randomUUID());
  const versions = new Map<string, number>();
  const actor = randomUUID();
  let sequence = 0;
  return (count: number): OutboxRow[] =>
    Array.from({ length: count }, () => {
      const user = users[Math.floor(Math.random() * users.length)]!;
      const version = (versions.get(user) ?? 0) + 1;
      versions.set(user, version);
      sequence += 1;
      return {
        id: randomUUID(),
        sequence: String(sequence),
        type: 'user.updated',
        entity_type: 'User',
        entity_id: user,
        owner_id: user,
        actor_id: actor,
        actor_roles: ['ADMIN'],
        service: 'auth',
        request_id: randomUUID(),
        occurred_at: new Date(),
        changes: { name: { from: `Sample Submitter v${version - 1}`, to: `Sample Submitter v${version}` } },
        payload: null,
        truncated: false,
        full_content_sha256: null,
      };
    });
}

const PLAIN_COLUMNS = [
  'sequence',
  'event_id',
  'type',
  'entity_type',
  'entity_id',
  'owner_id',
  'actor_id',
  'actor_roles',
  'service',
  'request_id',
  'occurred_at',
  'changes',
  'payload',
  'source_sequence',
  'received_at',
  'prev_hash',
  'hash',
];
const ZERO_HASH = '0'.repeat(64);

/** One multi-row INSERT of `rows` into `table`, with audit_event's values but no chain (placeholder hashes). */
function plainInsert(table: string, rows: OutboxRow[], nextSequence: () => number): [string, unknown[]] {
  const values: unknown[] = [];
  const tuples: string[] = [];
  const receivedAt = new Date();
  for (const row of rows) {
    const base = values.length;
    values.push(
      nextSequence(),
      row.id,
      row.type,
      row.entity_type,
      row.entity_id,
      row.owner_id,
      row.actor_id,
      row.actor_roles,
      row.service,
      row.request_id,
      row.occurred_at,
      JSON.stringify(row.changes),
      null,
      row.sequence,
      receivedAt,
      ZERO_HASH,
      ZERO_HASH,
    );
    tuples.push(`(${PLAIN_COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`);
  }
  return [`INSERT INTO ${table} (${PLAIN_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values];
}

interface IngestResultRow {
  target: string;
  batchSize: number;
  senders: number;
  seconds: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: Summary;
  errors: number;
  /** Audit target only: events the answer did not call `stored`. */
  notStored: number;
  /** Audit target only: CPU time of the audit subgraph process per 1,000 events (PostgreSQL not included). */
  auditCpuMsPer1000Events: number | null;
  firstError?: string;
}

interface SenderTotals {
  latencies: number[];
  events: number;
  errors: string[];
  notStored: number;
}

/**
 * `senders` loops calling `sendBatch` for a warm-up, then for `seconds` measured; `cpuPid`'s CPU time is read
 * around the measured part only.
 */
async function runSenders(
  batchSize: number,
  seconds: number,
  sendBatch: (size: number) => Promise<{ ms: number; stored: number; error?: string }>,
  cpuPid?: number,
): Promise<Omit<IngestResultRow, 'target'>> {
  const loop = async (until: number, record: boolean, out: SenderTotals) => {
    while (performance.now() < until) {
      const { ms, stored, error } = await sendBatch(batchSize);
      if (!record) continue;
      if (error) out.errors.push(error);
      else {
        out.latencies.push(ms);
        out.events += stored;
        out.notStored += batchSize - stored;
      }
    }
  };
  const warm: SenderTotals = { latencies: [], events: 0, errors: [], notStored: 0 };
  const warmUntil = performance.now() + settings.ingestWarmupSeconds * 1000;
  await Promise.all(Array.from({ length: settings.senders }, () => loop(warmUntil, false, warm)));

  const out: SenderTotals = { latencies: [], events: 0, errors: [], notStored: 0 };
  const cpuBefore = cpuPid === undefined ? 0 : await readCpuMs(cpuPid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: settings.senders }, () => loop(started + seconds * 1000, true, out)),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = cpuPid === undefined ? undefined : (await readCpuMs(cpuPid)) - cpuBefore;
  return {
    batchSize,
    senders: settings.senders,
    seconds: elapsed,
    requests: out.latencies.length,
    events: out.events,
    eventsPerSecond: out.events / elapsed,
    requestsPerSecond: out.latencies.length / elapsed,
    latencyMs: summarize(out.latencies),
    errors: out.errors.length,
    notStored: out.notStored,
    auditCpuMsPer1000Events: cpuMs === undefined ? null : (cpuMs / Math.max(out.events, 1)) * 1000,
    ...(out.errors[0] ? { firstError: out.errors[0] } : {}),
  };
}

async function measureIngestion(databaseUrl: string) {
  const env = await wireSettings({
    databaseUrls: { audit: databaseUrl },
    env: {},
    subgraphPort: () => 0,
  });
  const audit = await startSubgraph('audit', env);
  const ingestUrl = `http://127.0.0.1:${env.AUDIT_PORT}${INGEST_PATH}`;
  const secret = env.OUTBOX_RELAY_SECRET!;
  const db = pool(databaseUrl, settings.senders + 1);
  const tables = {
    plain: 'bench_plain_event',
    indexed: 'bench_plain_indexed_event',
  };
  // Same columns (types, NOT NULL, defaults); the second also gets audit_event's primary key, unique event_id,
  // secondary indexes and checks. LIKE copies no triggers; nothing here locks a chain head or looks ids up.
  await db.query(`CREATE TABLE ${tables.plain} (LIKE audit_event INCLUDING DEFAULTS)`);
  await db.query(`CREATE TABLE ${tables.indexed} (LIKE audit_event INCLUDING ALL)`);

  const makeRows = eventFactory(settings.entities);
  const sequences = { [tables.plain]: 0, [tables.indexed]: 0 };
  const results: IngestResultRow[] = [];
  for (const batchSize of settings.batchSizes) {
    console.log(`ingestion: batch size ${batchSize}, ${settings.senders} senders`);
    const viaAudit = await runSenders(
      batchSize,
      settings.ingestSeconds,
      async (size) => {
        const prepared = prepareBatch(makeRows(size), 'auth');
        if (prepared.send.length !== size || prepared.cut)
          throw new Error('the relay would not send this batch');
        const started = performance.now();
        const answer = await postBatch(prepared.send, {
          ingestUrl,
          secret,
          service: 'auth',
          requestTimeoutMs: 30_000,
        });
        const ms = performance.now() - started;
        if ('failure' in answer) return { ms, stored: 0, error: `${answer.failure}: ${answer.message}` };
        return { ms, stored: answer.results.filter((r) => r.status === 'stored').length };
      },
      audit.pid,
    );
    results.push({ target: 'audit subgraph (signed POST, hash chain)', ...viaAudit });
    for (const [target, table] of [
      ['plain table, one INSERT (no indexes)', tables.plain],
      ["plain table + audit_event's indexes", tables.indexed],
    ] as const) {
      const baseline = await runSenders(batchSize, settings.ingestSeconds, async (size) => {
        const [text, values] = plainInsert(table, makeRows(size), () => ++sequences[table]!);
        const started = performance.now();
        try {
          const { rowCount } = await db.query(text, values);
          return { ms: performance.now() - started, stored: rowCount ?? 0 };
        } catch (error) {
          return { ms: performance.now() - started, stored: 0, error: (error as Error).message };
        }
      });
      results.push({ target, ...baseline });
    }
  }

  // The chain must be whole: one row per sequence up to the head, no more and no fewer.
  const { rows } = await db.query<{ head: string; events: string; min: string | null }>(
    `SELECT (SELECT sequence FROM audit_chain_head)::text AS head, count(*)::text AS events,
            min(sequence)::text AS min FROM audit_event`,
  );
  const chain = { head: Number(rows[0]!.head), events: Number(rows[0]!.events) };
  const memory = await readMemory(audit.pid);
  await audit.stop();
  return {
    results,
    chain: { ...chain, whole: chain.head === chain.events && (chain.events === 0 || rows[0]!.min === '1') },
    auditPeakRssMiB: Math.round((memory.peakKiB / 1024) * 10) / 10,
  };
}

// --- 2. delay from a change to its audit record -----------------------------------------------------------

const LOGIN =
  'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';
const CREATE_USER = 'mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }';
const RENAME =
  'mutation Rename($id: ID!, $name: String!) { updateUser(id: $id, input: { name: $name }) { id } }';

interface DelayResultRow {
  wakeUp: string;
  targetRate: number;
  seconds: number;
  issued: number;
  succeeded: number;
  failed: number;
  achievedRate: number;
  mutationLatencyMs: Summary;
  /** received_at - occurred_at per event, ms. */
  delayMs: Summary;
  /** Events of the run not found in audit_event after the drain. */
  missing: number;
  /** Relay batches that carried the run's events (distinct received_at), and events per batch. */
  batches: number;
  eventsPerBatch: number;
  /** CPU time per successful change, from the start of the load to the drained outbox (PostgreSQL not included). */
  cpuMsPerChange: { auth: number; audit: number; relay: number | null };
  firstError?: string;
}

/** Sequential renames, not measured: JIT, Prisma's query cache and the pools warm before a measured run. */
async function warmUp(authUrl: string, token: string, users: string[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    expectData(
      'a warm-up rename',
      await send(authUrl, {
        query: RENAME,
        variables: { id: users[i % users.length], name: `warm-up-${randomBytes(4).toString('hex')}` },
        headers: { authorization: `Bearer ${token}` },
      }),
    );
  }
}

/** `rate` renames a second for `seconds`, open loop (each starts on schedule, whatever the others do). */
async function steadyRenames(authUrl: string, token: string, users: string[], rate: number, tag: string) {
  const total = Math.round(rate * settings.loadSeconds);
  const latencies: number[] = [];
  const errors: string[] = [];
  const started = performance.now();
  let finished = started;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      (async () => {
        const begun = performance.now();
        try {
          const reply = await send(authUrl, {
            query: RENAME,
            variables: { id: users[i % users.length], name: `${tag}-${i}` },
            headers: { authorization: `Bearer ${token}` },
          });
          if (reply.status !== 200 || reply.json?.errors || !reply.json?.data)
            errors.push(`HTTP ${reply.status}: ${reply.text.slice(0, 300)}`);
          else latencies.push(performance.now() - begun);
        } catch (error) {
          errors.push((error as Error).message);
        }
        finished = Math.max(finished, performance.now());
      })(),
    );
  }
  await Promise.all(inFlight);
  return { total, latencies, errors, seconds: (finished - started) / 1000 };
}

async function measureDelay(
  wakeUp: string,
  rate: number,
  run: {
    authUrl: string;
    token: string;
    users: string[];
    authDb: pg.Pool;
    auditDb: pg.Pool;
    auth: Child;
    audit: Child;
    /** The relay's own process, when it has one (else it runs in the auth subgraph). */
    relay?: Child;
  },
): Promise<DelayResultRow> {
  const tag = `${wakeUp.split(' ')[0]}-${rate}`;
  console.log(`delay: ${wakeUp}, ${rate} changes/s for ${settings.loadSeconds} s`);
  const processes = [run.auth, run.audit, ...(run.relay ? [run.relay] : [])];
  const cpuBefore = await Promise.all(processes.map((p) => readCpuMs(p.pid)));
  const load = await steadyRenames(run.authUrl, run.token, run.users, rate, tag);
  await waitFor(
    'the outbox to drain',
    async () => (await pendingCount(run.authDb)) === 0,
    run.relay ?? run.auth,
    60_000,
    50,
  );
  const cpuAfter = await Promise.all(processes.map((p) => readCpuMs(p.pid)));
  const perChange = (i: number) => (cpuAfter[i]! - cpuBefore[i]!) / Math.max(load.latencies.length, 1);

  const { rows: outbox } = await run.authDb.query<{ id: string; occurred_at: Date }>(
    `SELECT id::text, occurred_at FROM outbox_event
      WHERE type = 'user.updated' AND changes -> 'name' ->> 'to' LIKE $1`,
    [`${tag}-%`],
  );
  const { rows: stored } = await run.auditDb.query<{ id: string; received_at: Date }>(
    'SELECT event_id::text AS id, received_at FROM audit_event WHERE event_id = ANY($1::uuid[])',
    [outbox.map((r) => r.id)],
  );
  const receivedAt = new Map(stored.map((r) => [r.id, r.received_at.getTime()]));
  const delays = outbox.flatMap((r) => {
    const received = receivedAt.get(r.id);
    return received === undefined ? [] : [received - r.occurred_at.getTime()];
  });
  const batches = new Set(stored.map((r) => r.received_at.getTime())).size;
  await sleep(500);
  return {
    wakeUp,
    targetRate: rate,
    seconds: load.seconds,
    issued: load.total,
    succeeded: load.latencies.length,
    failed: load.errors.length,
    achievedRate: load.latencies.length / load.seconds,
    mutationLatencyMs: summarize(load.latencies),
    delayMs: summarize(delays),
    missing: outbox.length - delays.length,
    batches,
    eventsPerBatch: stored.length / Math.max(batches, 1),
    cpuMsPerChange: { auth: perChange(0), audit: perChange(1), relay: run.relay ? perChange(2) : null },
    ...(load.errors[0] ? { firstError: load.errors[0] } : {}),
  };
}

// --- 3. catch-up ----------------------------------------------------------------------------------------

interface CatchUpResult {
  backlog: number;
  madeBy: string;
  relayBatchSize: number;
  /** How long writing the backlog took (the audit subgraph down, the relay retrying). */
  writeSeconds: number;
  /** The relay's failed attempts on the backlog's rows during the outage (max over rows). */
  maxAttemptsPerEvent: number;
  /** From spawning the audit subgraph to its /ready answering. */
  auditStartSeconds: number;
  /** From /ready to the first backlog event stored: the rest of the relay's backoff sleep. */
  readyToFirstStoredSeconds: number;
  /** First to last backlog event stored. */
  drainSeconds: number;
  /** From /ready to no pending events (polled every 50 ms). */
  readyToZeroPendingSeconds: number;
  drainEventsPerSecond: number;
  totalEventsPerSecond: number;
  batches: number;
  eventsPerBatch: number;
  storedOnce: boolean;
}

async function writeBacklog(authUrl: string, actor: { userId: string; roles: string[] }, users: string[]) {
  const prisma = new AuthPrismaClient({ adapter: new PrismaPg({ connectionString: authUrl }) });
  cleanups.push({ what: 'disconnecting Prisma', run: () => prisma.$disconnect() });
  const transactions = Math.ceil(settings.backlog / settings.backlogEventsPerTransaction);
  let next = 0;
  let written = 0;
  const worker = async () => {
    while (next < transactions) {
      next += 1;
      const count = Math.min(settings.backlogEventsPerTransaction, settings.backlog - written);
      written += count;
      await prisma.$transaction(async (tx) => {
        for (let i = 0; i < count; i++) {
          const user = users[Math.floor(Math.random() * users.length)]!;
          await recordEvent(tx, {
            type: 'user.updated',
            entityType: 'User',
            entityId: user,
            ownerId: user,
            actor,
            service: 'auth',
            requestId: randomUUID(),
            changes: { name: { from: 'before the outage', to: `backlog-${randomBytes(4).toString('hex')}` } },
          });
        }
      });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await prisma.$disconnect();
}

// --- the report -----------------------------------------------------------------------------------------

interface AuditReport {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  loadAverage: { before: number[]; after: number[] };
  database: string;
  postgres: string;
  settings: typeof settings;
  relayDefaults: typeof RELAY_DEFAULTS;
  ingestion: Awaited<ReturnType<typeof measureIngestion>>;
  delay: DelayResultRow[];
  catchUp: CatchUpResult;
  /** What the servers logged at settings.logLevel or above (the last 20 kB of each one's output). */
  logged: { process: string; lines: string[] }[];
  durationSeconds: number;
}

function table(header: string[], align: string[], rows: string[][]): string {
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function markdownReport(r: AuditReport): string {
  const plainByBatch = new Map(
    r.ingestion.results
      .filter((row) => row.target.startsWith('plain table, one INSERT'))
      .map((row) => [row.batchSize, row.eventsPerSecond]),
  );
  const ingestion = table(
    [
      'batch',
      'target',
      'events/s',
      'requests/s',
      'p50 ms',
      'p99 ms',
      'share of plain INSERT',
      'audit CPU ms / 1k events',
      'errors',
    ],
    ['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    r.ingestion.results.map((row) => [
      String(row.batchSize),
      row.target,
      fixed(row.eventsPerSecond, 0),
      fixed(row.requestsPerSecond, 0),
      fixed(row.latencyMs.p50),
      fixed(row.latencyMs.p99),
      `${fixed((row.eventsPerSecond / (plainByBatch.get(row.batchSize) ?? NaN)) * 100, 0)} %`,
      row.auditCpuMsPer1000Events === null ? '' : fixed(row.auditCpuMsPer1000Events, 0),
      String(row.errors + row.notStored),
    ]),
  );
  const delay = table(
    [
      'relay woken by',
      'target changes/s',
      'achieved changes/s',
      'changes',
      'delay p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'events / relay batch',
      'mutation p50 / p99 ms',
      'CPU ms / change: auth · audit · relay',
      'failed / missing',
    ],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    r.delay.map((row) => [
      row.wakeUp,
      String(row.targetRate),
      fixed(row.achievedRate),
      String(row.succeeded),
      fixed(row.delayMs.p50, 0),
      fixed(row.delayMs.p90, 0),
      fixed(row.delayMs.p99, 0),
      fixed(row.delayMs.max, 0),
      fixed(row.eventsPerBatch),
      `${fixed(row.mutationLatencyMs.p50)} / ${fixed(row.mutationLatencyMs.p99)}`,
      [row.cpuMsPerChange.auth, row.cpuMsPerChange.audit, row.cpuMsPerChange.relay ?? NaN]
        .map((ms) => (Number.isNaN(ms) ? 'in auth' : fixed(ms, 2)))
        .join(' · '),
      `${row.failed} / ${row.missing}`,
    ]),
  );
  const c = r.catchUp;
  const catchUp = table(
    [
      'backlog',
      'relay batch size',
      'ready → first stored s',
      'drain (first → last stored) s',
      'ready → pending 0 s',
      'events/s (drain)',
      'events/s (ready → 0)',
      'events / relay batch',
      'stored exactly once',
    ],
    ['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---'],
    [
      [
        String(c.backlog),
        `${c.relayBatchSize} (default; max ${MAX_BATCH_EVENTS})`,
        fixed(c.readyToFirstStoredSeconds, 2),
        fixed(c.drainSeconds, 2),
        fixed(c.readyToZeroPendingSeconds, 2),
        fixed(c.drainEventsPerSecond, 0),
        fixed(c.totalEventsPerSecond, 0),
        fixed(c.eventsPerBatch),
        c.storedOnce ? 'yes' : 'NO',
      ],
    ],
  );
  const ingest100 = r.ingestion.results.find(
    (row) => row.batchSize === c.relayBatchSize && row.target.startsWith('audit subgraph'),
  );
  return [
    '# Audit and outbox benchmark',
    '',
    `\`npx tsx bench/audit.ts\` on ${r.date}: Node ${r.node}, ${r.cpus} × ${r.cpuModel}, ${r.postgres} from ` +
      `${r.database}; the bench process, the auth and audit subgraphs (and the poll-only relay) each in their ` +
      `own process, PostgreSQL on the same machine. Load average (1/5/15 min) before ` +
      `${r.loadAverage.before.map((l) => fixed(l, 2)).join('/')}, after ${r.loadAverage.after.map((l) => fixed(l, 2)).join('/')}. ` +
      `Whole run ${fixed(r.durationSeconds, 0)} s.`,
    '',
    '## 1. Ingestion throughput',
    '',
    `${r.settings.senders} concurrent senders, ${r.settings.ingestWarmupSeconds} s warm-up then ` +
      `${r.settings.ingestSeconds} s per row. Audit subgraph: batches built and signed by the relay's own code ` +
      `(kit prepareBatch + postBatch: valid WireEvents, random uuids, \`user.updated\` renames over ` +
      `${r.settings.entities} users) POSTed to ${INGEST_PATH}; an event counts once the answer says \`stored\`. ` +
      `Baselines: the same rows as one multi-row INSERT per batch (node-postgres, bound parameters) into a table ` +
      `\`LIKE audit_event\` in the same database: without any index, and with audit_event's primary key, ` +
      `unique event_id, six secondary indexes and checks — neither has the chain (head lock, hashing), the ` +
      `idempotency lookup, the trigger, HTTP, signature or validation. Latency is per request (batch).`,
    '',
    ingestion,
    '',
    `Chain after the run: head sequence ${r.ingestion.chain.head}, ${r.ingestion.chain.events} rows — ` +
      `${r.ingestion.chain.whole ? 'whole (1..head, no gaps)' : 'NOT WHOLE'}. Audit subgraph peak RSS ${r.ingestion.auditPeakRssMiB} MiB.`,
    '',
    '## 2. Delay from a change to its audit record',
    '',
    `\`updateUser\` renames as the admin through the auth subgraph's GraphQL, open loop at a fixed rate for ` +
      `${r.settings.loadSeconds} s, round robin over ${r.settings.users} users. Delay per event = ` +
      'audit_event.received_at − outbox_event.occurred_at (both set by the services’ clocks on this machine, ' +
      'ms precision; occurred_at is taken inside the mutation before its commit, received_at when the audit ' +
      'subgraph starts appending the batch). Every event of a run is matched by id after the outbox drained. ' +
      `“notify”: the auth subgraph's own relay, woken by its plugin after every mutation (subgraphs/auth/server.ts) ` +
      `and polling every ${r.relayDefaults.pollIntervalMs} ms. Baseline “poll only”: the same relay code with the ` +
      `same defaults in its own process (bench/audit-relay.ts) that nobody notifies, so it finds events only by ` +
      `polling every ${r.relayDefaults.pollIntervalMs} ms: the floor notify removes. CPU per change: each ` +
      'process’s CPU time (/proc) from the start of the load until the outbox has drained, over the successful ' +
      'changes (PostgreSQL not included; with notify the relay runs inside the auth subgraph). A failed change ' +
      '(an error answer or no answer within 10 s) wrote no event.',
    '',
    delay,
    '',
    '## 3. Catch-up after an outage',
    '',
    `The audit subgraph down, the auth subgraph (relay on, retrying with backoff) up: ${c.backlog} outbox rows ` +
      `written with kit's recordEvent (the function every mutation uses: the writer's advisory lock, then the ` +
      `insert) from the bench process in ${c.backlog / r.settings.backlogEventsPerTransaction} Prisma transactions ` +
      `of ${r.settings.backlogEventsPerTransaction}, 4 at a time, as \`user.updated\` events of the ${r.settings.users} users ` +
      `— not through GraphQL, to keep the run short; the relay sees the same rows. That took ` +
      `${fixed(c.writeSeconds, 1)} s; the relay failed up to ${c.maxAttemptsPerEvent} time(s) per event meanwhile. ` +
      `Then the audit subgraph is started (${fixed(c.auditStartSeconds, 2)} s from spawn to /ready) and the ` +
      `outbox polled every 50 ms until nothing is pending. “ready → first stored” is what is left of the relay's ` +
      `exponential backoff (500 ms doubling, up to 30 s) when the audit subgraph comes back.`,
    '',
    catchUp,
    '',
    ingest100
      ? `For comparison, direct ingestion at batch ${c.relayBatchSize} with ${r.settings.senders} senders: ` +
        `${fixed(ingest100.eventsPerSecond, 0)} events/s; the relay is one sender that also claims, ` +
        'lock-probes and marks its rows in the auth database per batch.'
      : '',
    '',
    '## Logged by the servers',
    '',
    r.logged.length
      ? r.logged
          .flatMap(({ process, lines }) => [
            `- ${process}:`,
            ...lines.slice(0, 10).map((line) => `  - ${line.replaceAll('|', '\\|')}`),
          ])
          .join('\n')
      : `Nothing at level ${r.settings.logLevel} or above.`,
    '',
  ].join('\n');
}

// --- main -----------------------------------------------------------------------------------------------

async function main(): Promise<boolean> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  console.log('bench: preparing databases');
  const databases = await createBenchDatabases(['audit', 'auth', 'audit']);
  cleanups.push({ what: 'dropping the databases', run: databases.drop });
  const [ingestDbUrl, authDbUrl, auditDbUrl] = databases.urls as [string, string, string];
  const postgres = (
    await pool(ingestDbUrl, 1).query<{ v: string }>("SELECT current_setting('server_version') AS v")
  ).rows[0]!.v;

  // 1.
  const ingestion = await measureIngestion(ingestDbUrl);

  // 2. The auth and audit subgraphs wired as the stack wires them, each in its own process.
  const admin = { email: 'bench-admin@example.com', password: randomBytes(24).toString('base64url') };
  const env = await wireSettings({
    databaseUrls: { auth: authDbUrl, audit: auditDbUrl },
    env: { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, ACCESS_TOKEN_TTL_SECONDS: '3600' },
    subgraphPort: () => 0,
  });
  const authUrl = `http://127.0.0.1:${env.AUTH_PORT}/graphql`;
  const authDb = pool(authDbUrl);
  const auditDb = pool(auditDbUrl);
  let audit = await startSubgraph('audit', env);
  let auth = await startSubgraph('auth', env);

  const login = expectData('login', await send(authUrl, { query: LOGIN, variables: admin }));
  const token = (login.json?.data?.login as { accessToken?: string } | undefined)?.accessToken;
  if (!token) throw new Error(`login: no access token in ${login.text}`);
  const headers = { authorization: `Bearer ${token}` };
  const me = expectData('me', await send(authUrl, { query: 'query { me { id } }', headers }));
  const adminId = (me.json?.data?.me as { id: string }).id;
  console.log(`delay: creating ${settings.users} users`);
  const users: string[] = [];
  for (let i = 0; i < settings.users; i += 4) {
    const created = await Promise.all(
      Array.from({ length: Math.min(4, settings.users - i) }, async (_, j) => {
        const reply = expectData(
          'createUser',
          await send(authUrl, {
            query: CREATE_USER,
            variables: {
              input: {
                email: `submitter${i + j}-${randomBytes(3).toString('hex')}@example.com`,
                name: 'Sample Submitter',
                roles: ['SUBMITTER'],
                password: randomBytes(18).toString('base64url'),
              },
            },
            headers,
          }),
        );
        return (reply.json!.data!.createUser as { id: string }).id;
      }),
    );
    users.push(...created);
  }
  await warmUp(authUrl, token, users);
  await waitFor('the outbox to drain', async () => (await pendingCount(authDb)) === 0, auth);

  const delay: DelayResultRow[] = [];
  for (const rate of settings.rates) {
    delay.push(
      await measureDelay('notify (auth relay)', rate, {
        authUrl,
        token,
        users,
        authDb,
        auditDb,
        auth,
        audit,
      }),
    );
  }
  // The poll-only baseline: the auth subgraph with delivery off, and a relay nobody notifies.
  await auth.stop();
  const { AUDIT_INGEST_URL: ingestUrl, ...withoutDelivery } = env;
  auth = await startSubgraph('auth', withoutDelivery);
  const relay = child('poll-only relay', 'bench/audit-relay.ts', {
    AUTH_DATABASE_URL: authDbUrl,
    AUDIT_INGEST_URL: ingestUrl,
    OUTBOX_RELAY_SECRET: env.OUTBOX_RELAY_SECRET,
  });
  await warmUp(authUrl, token, users);
  await waitFor('the outbox to drain', async () => (await pendingCount(authDb)) === 0, relay);
  for (const rate of settings.rates) {
    delay.push(
      await measureDelay('poll only (500 ms)', rate, {
        ...{ authUrl, token, users, authDb, auditDb },
        ...{ auth, audit, relay },
      }),
    );
  }
  await relay.stop();
  await auth.stop();
  await audit.stop();

  // 3. Audit down, relay up and failing; the backlog written; then the audit subgraph back.
  console.log(`catch-up: writing ${settings.backlog} outbox events with the audit subgraph down`);
  auth = await startSubgraph('auth', env);
  const before = (
    await authDb.query<{ max: string | null }>('SELECT max(sequence)::text AS max FROM outbox_event')
  ).rows[0]!.max;
  const writeStarted = performance.now();
  await writeBacklog(authDbUrl, { userId: adminId, roles: ['ADMIN'] }, users);
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  await sleep(1000);

  console.log('catch-up: starting the audit subgraph');
  const spawned = performance.now();
  audit = child('audit subgraph', 'subgraphs/audit/index.ts', env);
  await waitFor(
    'the audit subgraph to be ready',
    () => isReady(`http://127.0.0.1:${env.AUDIT_PORT}/ready`),
    audit,
    60_000,
    10,
  );
  const ready = performance.now();
  const readyAt = Date.now();
  await waitFor('the backlog to drain', async () => (await pendingCount(authDb)) === 0, auth, 120_000, 50);
  const drained = performance.now();

  const { rows: backlogRows } = await authDb.query<{ id: string; attempts: number }>(
    'SELECT id::text, attempts FROM outbox_event WHERE sequence > $1',
    [before ?? '0'],
  );
  const { rows: received } = await auditDb.query<{ n: string; first: Date; last: Date; batches: string }>(
    `SELECT count(*)::text AS n, min(received_at) AS first, max(received_at) AS last,
            count(DISTINCT received_at)::text AS batches
       FROM audit_event WHERE event_id = ANY($1::uuid[])`,
    [backlogRows.map((r) => r.id)],
  );
  const stats = received[0]!;
  const stored = Number(stats.n);
  const drainSeconds = (stats.last.getTime() - stats.first.getTime()) / 1000;
  const catchUp: CatchUpResult = {
    backlog: backlogRows.length,
    madeBy: `kit recordEvent, ${settings.backlogEventsPerTransaction} per Prisma transaction, from the bench process`,
    relayBatchSize: RELAY_DEFAULTS.batchSize,
    writeSeconds,
    maxAttemptsPerEvent: Math.max(0, ...backlogRows.map((r) => r.attempts)),
    auditStartSeconds: (ready - spawned) / 1000,
    readyToFirstStoredSeconds: (stats.first.getTime() - readyAt) / 1000,
    drainSeconds,
    readyToZeroPendingSeconds: (drained - ready) / 1000,
    drainEventsPerSecond: stored / Math.max(drainSeconds, 0.001),
    totalEventsPerSecond: stored / ((drained - ready) / 1000),
    batches: Number(stats.batches),
    eventsPerBatch: stored / Math.max(Number(stats.batches), 1),
    storedOnce: stored === backlogRows.length && backlogRows.length === settings.backlog,
  };
  await auth.stop();
  await audit.stop();
  const logged = children
    .map((c, i) => ({ process: `${c.name} #${i + 1}`, lines: logSummary(c) }))
    .filter((l) => l.lines.length);

  const report: AuditReport = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    loadAverage: { before: loadBefore, after: os.loadavg() },
    database: databases.source,
    postgres: `PostgreSQL ${postgres}`,
    settings,
    relayDefaults: RELAY_DEFAULTS,
    ingestion,
    delay,
    catchUp,
    logged,
    durationSeconds: (performance.now() - started) / 1000,
  };
  const markdown = markdownReport(report);
  console.log(`\n${markdown}`);
  const files = await writeResults(resultsDir, 'audit', markdown, report);
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);

  const problems = [
    ...ingestion.results
      .filter((r) => r.errors || r.notStored)
      .map((r) => `${r.target} @ ${r.batchSize}: errors`),
    ...(ingestion.chain.whole ? [] : ['the chain is not whole']),
    ...delay
      .filter((r) => r.missing || r.succeeded === 0)
      .map((r) => `${r.wakeUp} @ ${r.targetRate}/s: events missing or no change succeeded`),
    ...(catchUp.storedOnce ? [] : ['catch-up: not every event stored exactly once']),
  ];
  if (problems.length) console.error(`bench: checks failed: ${problems.join('; ')}`);
  return problems.length === 0;
}

await runBenchmark(main);
