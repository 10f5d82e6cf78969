// createOutboxRelay: delivers a domain database's outbox events to the audit subgraph, at least once, in order
// per entity, in batches (contract: ./outbox-wire.ts). One batch is one database transaction:
//   claim the oldest pending rows (FOR UPDATE SKIP LOCKED: replicas never hold the same rows), keep only the
//   rows that are safe to send now in entity order (./outbox-relay-store.ts), POST them signed as the service
//   (./outbox-relay-send.ts), then mark each as the receiver answered (stored/duplicate: delivered, rejected: rejected) and commit.
// An audit event too large to send is shortened and flagged (./event-content.ts), never rejected for its size.
// The relay of the audit outbox also reports its status (pending, oldest pending, rejected) to the audit
// subgraph every statusIntervalMs and after a rejection, so the audit API can say which service is behind.
// A batch that fails as a whole (receiver down, timeout, refused) marks nothing, counts an attempt, and the
// relay backs off exponentially until it succeeds. Nothing is ever deleted or dropped. With `table`, the same relay
// delivers another table of the same columns to another receiver (the submission subgraph's sample commands).
import pg from 'pg';
import { Registry } from 'prom-client';
import { poolSettings } from './database.ts';
import { createLogger, type Logger } from './logger.ts';
import { createOutboxRelayMetrics, type FailureReason } from './outbox-relay-metrics.ts';
import {
  assertOutboxTable,
  claimPending,
  DEFAULT_OUTBOX_TABLE,
  markAttemptFailed,
  markDelivered,
  markRejected,
  orderSafeRows,
  readStats,
  type OutboxRow,
} from './outbox-relay-store.ts';
import { postBatch, prepareBatch, type PreparedBatch } from './outbox-relay-send.ts';
import { MAX_BATCH_EVENTS } from './outbox-wire.ts';
import { MIN_SERVICE_SECRET_LENGTH } from './service-auth.ts';

export interface OutboxRelayBackoff {
  /** The first wait after a failure; default 500. */
  initialMs?: number;
  /** The longest wait; default 30000. */
  maxMs?: number;
  /** Each consecutive failure multiplies the wait by this; default 2. */
  factor?: number;
  /** Up to this fraction of a wait is taken off at random, so replicas do not retry in step; default 0.2. */
  jitter?: number;
}

export interface OutboxRelayOptions {
  /** The domain database (any with the reference outbox_event table). The relay opens a pool of 2 and closes it on stop(). */
  databaseUrl?: string;
  /** Or a pool to use; stop() leaves it open. */
  pool?: pg.Pool;
  /**
   * The table to deliver, with the reference OutboxEvent columns; default outbox_event. Another table (e.g. the
   * submission subgraph's sample_command) makes a second relay beside the first, with its own receiver.
   */
  table?: string;
  /**
   * Start of the relay's metric names; default 'outbox' for outbox_event and the table's name for any other, so
   * two relays can share one registry (outbox_pending_events, sample_command_pending_events ...).
   */
  metricsPrefix?: string;
  /** The emitting subgraph, e.g. auth: the signing identity, and every event's `service` must equal it. */
  service: string;
  /** The audit subgraph's origin + INGEST_PATH. */
  ingestUrl: string;
  /** OUTBOX_RELAY_SECRET, at least MIN_SERVICE_SECRET_LENGTH characters. */
  secret: string;
  /** Events per batch; default 100, at most MAX_BATCH_EVENTS. */
  batchSize?: number;
  /** How often to look for new events when idle; default 500. notify() looks sooner (see notifyDelayMs). */
  pollIntervalMs?: number;
  /**
   * How long after a notify() the relay waits before it looks, so that the events of concurrent changes travel
   * in one batch instead of one POST each; default 20.
   */
  notifyDelayMs?: number;
  backoff?: OutboxRelayBackoff;
  /** Timeout of one POST to the receiver; default 10000. Row locks are held that long at most. */
  requestTimeoutMs?: number;
  /** Where the outbox_* metrics go, e.g. the subgraph's registry; default a private one. */
  registry?: Registry;
  /** Default: a pino logger named after the service. */
  logger?: Logger;
  /** The clock for the oldest-pending-age metric; default the system's. */
  now?: () => Date;
  /** The wait between failed attempts; injectable so tests can record the delays. Must end early on abort. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * How often the relay of the audit outbox (the default table) reports its status (pending, oldest pending,
   * rejected) to the audit subgraph, so that a silent or stuck service shows there; default 15000. 0: only
   * after a batch that rejected events, and on reportStatus().
   */
  statusIntervalMs?: number;
}

/** One batch's outcome. delivered + duplicates were marked delivered; failed stay pending (attempts + 1). */
export interface OutboxBatchResult {
  /** Newly stored by the receiver. */
  delivered: number;
  /** Already stored (a redelivery): acknowledged. */
  duplicates: number;
  /** Refused for good, by the receiver or locally (oversized, invalid): marked rejected. */
  rejected: number;
  /** Sent but not acknowledged (receiver down, timeout, refused batch, missing result): retried later. */
  failed: number;
}

export interface OutboxRelay {
  /** Starts the delivery loop; a second call does nothing. */
  start(): void;
  /** Stops the loop after the in-flight batch (bounded by requestTimeoutMs); safe to call twice. */
  stop(): Promise<void>;
  /** Look for events now (call after a commit that recorded events). */
  notify(): void;
  /** Runs one batch (tests); throws on database errors. */
  runOnce(): Promise<OutboxBatchResult>;
  /** Events neither delivered nor rejected. */
  pending(): Promise<number>;
  /**
   * Sends the outbox's status to the audit subgraph now (signed, with no events); false when it did not arrive.
   * The relay of another table (commands) has no audit subgraph to tell: false.
   */
  reportStatus(): Promise<boolean>;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

interface BatchOutcome {
  result: OutboxBatchResult;
  failure?: { reason: FailureReason; message: string };
  /** Go again at once: the batch was full and made progress. */
  more: boolean;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { service, secret, ingestUrl } = options;
  const table = assertOutboxTable(options.table ?? DEFAULT_OUTBOX_TABLE);
  const isDefaultTable = table === DEFAULT_OUTBOX_TABLE;
  if (!SERVICE_NAME.test(service)) throw new Error(`outbox relay: bad service name '${service}'`);
  if (secret.length < MIN_SERVICE_SECRET_LENGTH)
    throw new Error(`outbox relay: the secret must be at least ${MIN_SERVICE_SECRET_LENGTH} characters`);
  if (!/^https?:\/\/./.test(ingestUrl)) throw new Error('outbox relay: ingestUrl must be an http(s) URL');
  const batchSize = Math.min(Math.max(1, Math.floor(options.batchSize ?? 100)), MAX_BATCH_EVENTS);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const notifyDelayMs = options.notifyDelayMs ?? 20;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const backoff = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2, ...options.backoff };
  const now = options.now ?? (() => new Date());
  const statusIntervalMs = options.statusIntervalMs ?? 15_000;
  const sleep = options.sleep ?? abortableSleep;
  const log = (options.logger ?? createLogger({ name: service })).child({
    stage: 'outbox-relay',
    ...(isDefaultTable ? {} : { table }),
  });

  if (!options.pool && !options.databaseUrl) throw new Error('outbox relay: databaseUrl or pool is required');
  const ownPool = !options.pool;
  const pool =
    options.pool ??
    new pg.Pool({
      // Its own two connections, whatever the URL's connection_limit gives the request pool.
      connectionString: poolSettings(options.databaseUrl!).connectionString,
      max: 2,
      application_name: isDefaultTable ? `${service}-outbox-relay` : `${service}-${table}-relay`,
    });
  if (ownPool) pool.on('error', (error) => log.warn({ err: error }, 'outbox relay: idle connection failed'));

  const metrics = createOutboxRelayMetrics({
    registry: options.registry ?? new Registry(),
    service,
    prefix: options.metricsPrefix ?? (isDefaultTable ? 'outbox' : table),
    stats: () => readStats(pool, table),
    now,
    log,
  });

  /** Shrinks after a 413/400 on a whole batch, grows back after successes. */
  let batchLimit = batchSize;

  async function runBatch(): Promise<BatchOutcome> {
    const result: OutboxBatchResult = { delivered: 0, duplicates: 0, rejected: 0, failed: 0 };
    const done = metrics.batchTimer();
    const client = await pool.connect().catch((error: unknown) => {
      done();
      throw error;
    });
    // A connection lost while the batch waits on HTTP (say, PostgreSQL shutting down) must not crash the
    // process: the next query fails and the batch rolls back like any other failure.
    const onConnectionLost = (error: Error) =>
      log.warn({ err: error }, 'outbox relay: connection lost in a batch');
    client.on('error', onConnectionLost);
    let failure: { reason: FailureReason; message: string } | undefined;
    const limit = batchLimit;
    let claimedCount = 0;
    let prepared: PreparedBatch;
    const rejected: { id: string; error: string; row?: OutboxRow }[] = [];
    try {
      await client.query('BEGIN');
      const claimed = await claimPending(client, limit, table);
      claimedCount = claimed.length;
      prepared = prepareBatch(await orderSafeRows(client, claimed, table), service, {
        shortenOversized: isDefaultTable,
      });
      await markRejected(client, prepared.rejectLocally, table);
      if (prepared.send.length) {
        const answer = await postBatch(prepared.send, { ingestUrl, secret, service, requestTimeoutMs });
        if ('failure' in answer) {
          failure = { reason: answer.failure, message: answer.message };
          result.failed = prepared.send.length;
          await markAttemptFailed(
            client,
            prepared.send.map((e) => e.row.id),
            answer.message,
            table,
          );
        } else {
          const byId = new Map(answer.results.map((r) => [r.id, r]));
          const acknowledged: string[] = [];
          const unacknowledged: string[] = [];
          // An entity whose event got no answer stops there: its later events wait (they come back as duplicates).
          const blocked = new Set<string>();
          for (const { row } of prepared.send) {
            const entity = JSON.stringify([row.entity_type, row.entity_id]);
            const answered = byId.get(row.id);
            if (!answered || blocked.has(entity)) {
              blocked.add(entity);
              unacknowledged.push(row.id);
            } else if (answered.status === 'rejected') {
              const error = `${answered.code ?? 'REJECTED'}: ${answered.message ?? 'rejected by the receiver'}`;
              rejected.push({ id: row.id, error, row });
            } else {
              acknowledged.push(row.id);
              if (answered.status === 'stored') result.delivered += 1;
              else result.duplicates += 1;
            }
          }
          await markDelivered(client, acknowledged, table);
          await markRejected(client, rejected, table);
          if (unacknowledged.length) {
            const message = 'the receiver answered without a result for the event';
            failure = { reason: 'bad_response', message };
            result.failed = unacknowledged.length;
            await markAttemptFailed(client, unacknowledged, message, table);
          }
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      client.removeListener('error', onConnectionLost);
      client.release(error as Error);
      done();
      throw error;
    }
    client.removeListener('error', onConnectionLost);
    client.release();
    done();

    // Metrics and logs only once the marks are committed.
    result.rejected = prepared.rejectLocally.length + rejected.length;
    metrics.delivered('stored', result.delivered);
    metrics.delivered('duplicate', result.duplicates);
    metrics.rejected('relay', prepared.rejectLocally.length);
    metrics.rejected('receiver', rejected.length);
    for (const r of prepared.rejectLocally)
      log.warn(
        { eventId: r.id, error: r.error },
        'outbox relay: event rejected before sending, kept as rejected',
      );
    for (const r of rejected) {
      log.warn(
        {
          eventId: r.id,
          type: r.row?.type,
          entityType: r.row?.entity_type,
          entityId: r.row?.entity_id,
          error: r.error,
        },
        'outbox relay: event rejected by the receiver, kept as rejected',
      );
    }
    // A rejection should show at the audit subgraph now, not at the next heartbeat.
    if (result.rejected) void reportStatus();
    if (failure) {
      metrics.failure(failure.reason);
      if (failure.reason === 'too_large' || failure.reason === 'bad_request') {
        batchLimit = Math.max(1, Math.floor(prepared.send.length / 2));
      }
      return { result, failure: { reason: failure.reason, message: failure.message }, more: false };
    }
    if (prepared.send.length) batchLimit = Math.min(batchSize, batchLimit * 2);
    const progressed = result.delivered + result.duplicates + result.rejected > 0;
    return { result, more: progressed && (claimedCount >= limit || prepared.cut) };
  }

  async function reportStatus(): Promise<boolean> {
    if (!isDefaultTable) return false;
    try {
      const stats = await readStats(pool, table);
      const answer = await postBatch([], {
        ingestUrl,
        secret,
        service,
        requestTimeoutMs,
        status: {
          pending: stats.pending,
          oldestPendingAt: stats.oldestPendingAt?.toISOString() ?? null,
          rejected: stats.rejected,
          at: now().toISOString(),
        },
      });
      if ('failure' in answer) {
        log.debug({ ...answer }, 'outbox relay: the status report did not arrive');
        return false;
      }
      return true;
    } catch (error) {
      log.debug({ err: error }, 'outbox relay: the status could not be read');
      return false;
    }
  }

  // runOnce and the loop never run batches at the same time.
  let chain: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn);
    chain = next.catch(() => {});
    return next;
  }

  const stopping = new AbortController();
  let heartbeat: NodeJS.Timeout | undefined;
  let loop: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let notified = false;
  let wake: (() => void) | undefined;

  function idle(ms: number): Promise<void> {
    if (notified || stopping.signal.aborted) {
      notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let soon: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(soon);
        stopping.signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done);
      wake = () => {
        soon ??= setTimeout(done, notifyDelayMs);
      };
    });
  }

  function backoffMs(failures: number): number {
    const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (failures - 1));
    return Math.round(base * (1 - backoff.jitter * Math.random()));
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let outcome: BatchOutcome | undefined;
      let failure: BatchOutcome['failure'];
      try {
        outcome = await exclusive(runBatch);
        failure = outcome.failure;
      } catch (error) {
        metrics.failure('database');
        failure = { reason: 'database', message: (error as Error).message };
      }
      if (stopping.signal.aborted) break;
      if (failure) {
        failures += 1;
        const delayMs = backoffMs(failures);
        // A refused credential will not fix itself: say it loudly.
        const level = failure.reason === 'unauthorized' || failure.reason === 'database' ? 'error' : 'warn';
        log[level]({ ...failure, failures, delayMs }, 'outbox relay: delivery failed, backing off');
        await sleep(delayMs, stopping.signal);
        continue;
      }
      if (failures) log.info({ failures }, 'outbox relay: delivering again');
      failures = 0;
      if (!outcome?.more) await idle(pollIntervalMs);
    }
  }

  return {
    start() {
      if (loop || stopping.signal.aborted) return;
      log.info({ ingestUrl, batchSize }, 'outbox relay: started');
      loop = run();
      if (isDefaultTable && statusIntervalMs > 0) {
        void reportStatus();
        heartbeat = setInterval(() => void reportStatus(), statusIntervalMs);
        heartbeat.unref();
      }
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        clearInterval(heartbeat);
        await loop;
        await chain;
        if (ownPool) await pool.end();
        if (loop) log.info('outbox relay: stopped');
      })();
      return stopped;
    },
    notify() {
      if (wake) wake();
      else notified = true;
    },
    async runOnce() {
      return (await exclusive(runBatch)).result;
    },
    async pending() {
      return (await readStats(pool, table)).pending;
    },
    reportStatus,
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
