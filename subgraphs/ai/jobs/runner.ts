// Runs extraction jobs from PostgreSQL (prisma/ai ExtractionJob). Any number of runners, in any number of
// processes, share the table:
// - a runner claims jobs with one UPDATE over a FOR UPDATE SKIP LOCKED selection, so two runners never claim the
//   same row, and holds each job by a lease (lease_owner, lease_expires_at) that its heartbeat extends;
// - a runner that dies stops heartbeating: its lease expires and another runner claims the job again (a new
//   attempt);
// - every write a runner makes to a claimed job is guarded by its lease (owner and attempt number), so a runner
//   that lost its lease (stalled, then came back) cannot overwrite what the new owner does.
// A job's transitions are written with their audit event (and, when the job ends, the EXTRACTION_FINISHED
// notice to the submission subgraph) in one transaction: ./events.ts.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type {
  ExtractionJob,
  ExtractionKind,
  Prisma,
  PrismaClient,
} from '../../../generated/prisma/ai/client.ts';
import type { Logger } from '../../kit/logger.ts';
import type { Changes, JsonValue } from '../../kit/outbox.ts';
import { JobError } from './errors.ts';
import { insertFinishedNotice, recordJobEvent, type JobEventType } from './events.ts';
import type { ExtractionOutput, Extractor, JobRunner } from './types.ts';

export interface JobRunnerOptions {
  prisma: PrismaClient;
  extractors: Record<ExtractionKind, Extractor>;
  /** The document's bytes (from the submission subgraph); throw a JobError for a known failure. */
  fetchDocument: (job: ExtractionJob, signal: AbortSignal) => Promise<Uint8Array>;
  /** Written as lease_owner; default host:pid:random. Unique per runner. */
  workerId?: string;
  /** Jobs run at the same time by this runner; default 1. */
  concurrency?: number;
  /** How long a claim holds a job without a heartbeat; default 15000. */
  leaseMs?: number;
  /** How often the lease is extended (and progress and cancel checked); default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often an idle runner looks for jobs; default 1000. A finished job makes it look at once. */
  pollMs?: number;
  /** Time a job may spend running, over all its attempts (run_ms); default 600000. Then FAILED JOB_TIMEOUT. */
  jobTimeoutMs?: number;
  /** Wait before the next attempt: base * 2^(attempt-1), at most max, less up to half at random. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** How long a slot stays taken by an extractor that ignores its aborted signal; default 10000. */
  abortGraceMs?: number;
  log: Logger;
  /** Called after a transaction that wrote events or notices committed (to nudge the relays). */
  onFinished?: () => void;
}

/** Why an attempt's signal was aborted; the first reason wins. */
type AbortKind = 'cancel' | 'timeout' | 'lease' | 'shutdown';

/** How an attempt ended, as it is written to the job. */
type Outcome =
  | { kind: 'succeeded'; output: ExtractionOutput }
  | { kind: 'retry'; code: string; message: string; delayMs: number }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'cancelled' }
  | { kind: 'released' }
  | { kind: 'lost' };

/** What a claim returns besides the job. */
interface Claim {
  job: ExtractionJob;
  /** The status before the claim: RUNNING means a lease expired (its runner died or stalled). */
  previous: 'QUEUED' | 'RUNNING';
}

const INTERNAL_MESSAGE = 'the extraction failed unexpectedly';
/** The wire's limits on EXTRACTION_FINISHED (kit/extraction-wire.ts). */
const MAX_CODE = 100;
const MAX_MESSAGE = 2000;
/** Progress is written at most this often (besides with each heartbeat). */
const PROGRESS_INTERVAL_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { prisma, log } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const concurrency = positive(options.concurrency ?? 1, 'concurrency');
  const leaseMs = positive(options.leaseMs ?? 15_000, 'leaseMs');
  const heartbeatMs = positive(options.heartbeatMs ?? Math.floor(leaseMs / 3), 'heartbeatMs');
  const pollMs = positive(options.pollMs ?? 1000, 'pollMs');
  const jobTimeoutMs = positive(options.jobTimeoutMs ?? 600_000, 'jobTimeoutMs');
  const backoffBaseMs = options.backoff?.baseMs ?? 1000;
  const backoffMaxMs = options.backoff?.maxMs ?? 60_000;
  const abortGraceMs = options.abortGraceMs ?? 10_000;
  if (heartbeatMs >= leaseMs) throw new Error('heartbeatMs must be shorter than leaseMs');
  // setTimeout's limit: a longer budget would fire at once.
  if (jobTimeoutMs > MAX_TIMER_MS) throw new Error(`jobTimeoutMs must be at most ${MAX_TIMER_MS}`);

  /** Running attempts: their abort, and their end. */
  const active = new Map<string, { abort: (kind: AbortKind) => void; done: Promise<void> }>();
  let stopping = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;

  function wake(): void {
    woken = true;
    wakeUp?.();
  }

  /** Waits for `ms`, or less when wake() is called (a slot freed, stop). */
  function nap(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakeUp = null;
        woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUp = done;
    });
  }

  async function run(): Promise<void> {
    while (!stopping) {
      const free = concurrency - active.size;
      if (free > 0) {
        try {
          for (const claimed of await claim(free)) launch(claimed);
        } catch (err) {
          log.error({ err, workerId }, 'claiming extraction jobs failed');
        }
      }
      if (!stopping) await nap(pollMs);
    }
  }

  /**
   * Claims up to `limit` jobs: queued ones that are due, and running ones whose lease expired. The claim is an
   * attempt (attempts + 1), recorded as extraction.started in the same transaction.
   */
  async function claim(limit: number): Promise<Claim[]> {
    const claims = await prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; previous: 'QUEUED' | 'RUNNING' }[]>`
        WITH due AS (
          SELECT id, status FROM extraction_job
           WHERE (status = 'QUEUED' AND run_after <= now())
              OR (status = 'RUNNING' AND lease_expires_at < now())
           ORDER BY run_after, queued_at
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED)
        UPDATE extraction_job j
           SET status = 'RUNNING', lease_owner = ${workerId},
               lease_expires_at = now() + ${leaseMs}::int * interval '1 millisecond', heartbeat_at = now(),
               attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), version = j.version + 1
          FROM due
         WHERE j.id = due.id
        RETURNING j.id::text AS id, due.status::text AS previous`;
      if (rows.length === 0) return [];
      const jobs = await tx.extractionJob.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
      const claimed: Claim[] = [];
      for (const row of rows) {
        const job = jobs.find((j) => j.id === row.id)!;
        claimed.push({ job, previous: row.previous });
        await recordJobEvent(
          tx,
          job,
          'extraction.started',
          {
            status: { from: row.previous, to: 'RUNNING' },
            attempts: { from: job.attempts - 1, to: job.attempts },
          },
          { workerId, attempt: job.attempts, leaseExpired: row.previous === 'RUNNING' },
        );
      }
      return claimed;
    });
    if (claims.length > 0) options.onFinished?.();
    return claims;
  }

  function launch(claim: Claim): void {
    let abort: (kind: AbortKind) => void = () => {};
    // By attempt: a job this runner lost (and claimed again) may still be letting go of its old attempt.
    const key = `${claim.job.id}:${claim.job.attempts}`;
    const done = runAttempt(claim, (a) => (abort = a))
      .catch((err: unknown) => log.error({ err, jobId: claim.job.id }, 'an extraction attempt failed to end'))
      .finally(() => {
        active.delete(key);
        wake();
      });
    active.set(key, { abort: (kind) => abort(kind), done });
  }

  /** One attempt at a claimed job, from the claim to the write of its outcome. */
  async function runAttempt(claim: Claim, exposeAbort: (abort: (kind: AbortKind) => void) => void) {
    const { job } = claim;
    const early = outcomeBeforeRunning(claim);
    if (early) return finish(job, early, job.runMs);

    const controller = new AbortController();
    let reason: AbortKind | null = null;
    const abort = (kind: AbortKind) => {
      if (reason) return;
      reason = kind;
      controller.abort(new Error(`extraction aborted: ${kind}`));
    };

    const started = performance.now();
    const runMs = () => job.runMs + Math.round(performance.now() - started);
    const budget = setTimeout(() => abort('timeout'), Math.max(0, jobTimeoutMs - job.runMs));
    const beat = heartbeat(job, runMs, abort);

    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
        once: true,
      }),
    );
    aborted.catch(() => {});
    exposeAbort(abort);
    if (stopping) abort('shutdown');
    const work = (async () => {
      const document = await options.fetchDocument(job, controller.signal);
      controller.signal.throwIfAborted();
      return options.extractors[job.kind]({
        job,
        document,
        signal: controller.signal,
        progress: beat.progress,
      });
    })();

    let outcome: Outcome;
    try {
      const output = await Promise.race([work, aborted]);
      outcome = reason ? abortedOutcome(reason) : { kind: 'succeeded', output };
    } catch (err) {
      outcome = reason ? abortedOutcome(reason) : errorOutcome(job, err, runMs());
    }
    clearTimeout(budget);
    await beat.stop();
    await finish(job, outcome, runMs());

    // An aborted extractor keeps its slot until it has let go (or the grace is over), so that the runner never
    // has more than `concurrency` extractions working at once.
    if (reason) {
      let grace: NodeJS.Timeout | undefined;
      const graceOver = new Promise<boolean>((resolve) => (grace = setTimeout(resolve, abortGraceMs, true)));
      const ignored = await Promise.race([
        work.then(
          () => false,
          () => false,
        ),
        graceOver,
      ]);
      clearTimeout(grace);
      if (ignored) log.error({ jobId: job.id, workerId }, 'an extractor ignored its aborted signal');
    }
  }

  /** A claimed job that must not run: cancelled while its runner was gone, out of attempts, out of time. */
  function outcomeBeforeRunning({ job, previous }: Claim): Outcome | null {
    if (job.cancelRequested) return { kind: 'cancelled' };
    if (previous === 'RUNNING' && job.attempts > job.maxAttempts)
      return {
        kind: 'failed',
        code: 'LEASE_EXPIRED',
        message: `the job's runner stopped responding ${job.maxAttempts} time(s)`,
      };
    if (job.runMs >= jobTimeoutMs) return timedOut();
    return null;
  }

  function timedOut(): Outcome {
    return {
      kind: 'failed',
      code: 'JOB_TIMEOUT',
      message: `the extraction took longer than ${Math.round(jobTimeoutMs / 1000)} s`,
    };
  }

  function abortedOutcome(kind: AbortKind): Outcome {
    if (kind === 'cancel') return { kind: 'cancelled' };
    if (kind === 'timeout') return timedOut();
    if (kind === 'shutdown') return { kind: 'released' };
    return { kind: 'lost' };
  }

  function errorOutcome(job: ExtractionJob, err: unknown, spentMs: number): Outcome {
    const known = err instanceof JobError;
    if (!known) log.error({ err, jobId: job.id, workerId }, 'an extraction attempt failed unexpectedly');
    const code = known ? err.code.slice(0, MAX_CODE) : 'INTERNAL';
    const message = known ? err.message.slice(0, MAX_MESSAGE) : INTERNAL_MESSAGE;
    const retryable = known ? err.retryable : true;
    if (retryable && job.attempts < job.maxAttempts && spentMs < jobTimeoutMs)
      return { kind: 'retry', code, message, delayMs: backoffMs(job.attempts) };
    return { kind: 'failed', code, message };
  }

  function backoffMs(attempt: number): number {
    const full = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(full * (1 - 0.5 * Math.random()));
  }

  /**
   * Extends the lease every heartbeatMs and writes progress (at most every PROGRESS_INTERVAL_MS); reads
   * cancel_requested. A beat that finds the lease gone aborts the attempt ('lease').
   */
  function heartbeat(job: ExtractionJob, runMs: () => number, abort: (kind: AbortKind) => void) {
    let pages: { done: number; total: number } | null = null;
    let written = 0;
    let chain: Promise<void> = Promise.resolve();
    let stopped = false;
    let progressTimer: NodeJS.Timeout | undefined;
    let unwritten = false;

    const beat = (last = false) => {
      chain = chain.then(async () => {
        if (stopped && !last) return;
        written = performance.now();
        unwritten = false;
        try {
          const rows = await prisma.$queryRaw<{ cancel_requested: boolean }[]>`
            UPDATE extraction_job
               SET lease_expires_at = now() + ${leaseMs}::int * interval '1 millisecond', heartbeat_at = now(),
                   run_ms = ${runMs()}::int,
                   pages_done = coalesce(${pages?.done ?? null}::int, pages_done),
                   pages_total = coalesce(${pages?.total ?? null}::int, pages_total)
             WHERE id = ${job.id}::uuid AND status = 'RUNNING' AND lease_owner = ${workerId}
               AND attempts = ${job.attempts}::int
            RETURNING cancel_requested`;
          if (rows.length === 0) {
            log.warn({ jobId: job.id, workerId }, 'lost the lease of an extraction job; abandoning it');
            abort('lease');
          } else if (rows[0]!.cancel_requested) abort('cancel');
        } catch (err) {
          // The lease outlives a few missed beats; the next one tries again.
          log.warn({ err, jobId: job.id, workerId }, 'an extraction heartbeat failed');
        }
      });
    };
    const interval = setInterval(() => beat(), heartbeatMs);

    return {
      progress(done: number, total: number) {
        if (!Number.isInteger(done) || !Number.isInteger(total) || done < 0 || total < done) return;
        pages = { done, total };
        unwritten = true;
        if (progressTimer || stopped) return;
        const wait = Math.max(0, written + PROGRESS_INTERVAL_MS - performance.now());
        progressTimer = setTimeout(() => {
          progressTimer = undefined;
          beat();
        }, wait);
      },
      async stop() {
        stopped = true;
        clearInterval(interval);
        clearTimeout(progressTimer);
        // The last pages read, so that a finished job shows them all (progress is written at most once a second).
        if (unwritten) beat(true);
        await chain;
      },
    };
  }

  /** Writes an attempt's outcome, guarded by the lease: nothing is written once the lease is lost. */
  async function finish(job: ExtractionJob, outcome: Outcome, runMs: number): Promise<void> {
    if (outcome.kind === 'lost') return;
    const written = await prisma.$transaction(async (tx) => {
      const { data, event, changes, payload } = transition(job, outcome, runMs);
      const updated = await tx.extractionJob.updateMany({
        where: { id: job.id, status: 'RUNNING', leaseOwner: workerId, attempts: job.attempts },
        data: {
          ...data,
          leaseOwner: null,
          leaseExpiresAt: null,
          runMs,
          version: { increment: 1 },
        },
      });
      if (updated.count === 0) return false;
      await recordJobEvent(
        tx,
        job,
        event,
        { status: { from: 'RUNNING', to: data.status }, ...changes },
        payload,
      );
      if (data.status === 'SUCCEEDED' || data.status === 'FAILED' || data.status === 'CANCELLED')
        await insertFinishedNotice(tx, job, {
          status: data.status,
          errorCode: data.errorCode ?? null,
          errorMessage: data.errorMessage ?? null,
        });
      return true;
    });
    if (!written) {
      log.warn(
        { jobId: job.id, workerId, outcome: outcome.kind },
        'lost the lease before the outcome was written',
      );
      return;
    }
    log.info(
      { jobId: job.id, workerId, outcome: outcome.kind, attempt: job.attempts, runMs },
      'extraction attempt ended',
    );
    options.onFinished?.();
  }

  /** The job's columns, audit event and its content for an outcome. */
  function transition(
    job: ExtractionJob,
    outcome: Exclude<Outcome, { kind: 'lost' }>,
    runMs: number,
  ): {
    data: Prisma.ExtractionJobUpdateManyMutationInput & {
      status: 'QUEUED' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
      errorCode?: string | null;
      errorMessage?: string | null;
    };
    event: JobEventType;
    changes: Changes;
    payload: Record<string, JsonValue>;
  } {
    const base = { attempt: job.attempts, runMs };
    switch (outcome.kind) {
      case 'succeeded': {
        const { model = null, promptVersion = null, ocrVersion = null } = outcome.output.versions;
        return {
          data: {
            status: 'SUCCEEDED',
            result: outcome.output.result as Prisma.InputJsonValue,
            model,
            promptVersion,
            ocrVersion,
            errorCode: null,
            errorMessage: null,
            finishedAt: new Date(),
          },
          event: 'extraction.succeeded',
          changes: {},
          payload: { ...base, resultKind: outcome.output.result.kind, model, promptVersion, ocrVersion },
        };
      }
      case 'retry': {
        const runAfter = new Date(Date.now() + outcome.delayMs);
        return {
          data: { status: 'QUEUED', runAfter, errorCode: outcome.code, errorMessage: outcome.message },
          event: 'extraction.retry_scheduled',
          changes: {},
          payload: {
            ...base,
            errorCode: outcome.code,
            errorMessage: outcome.message,
            runAfter: runAfter.toISOString(),
          },
        };
      }
      case 'failed':
        return {
          data: {
            status: 'FAILED',
            errorCode: outcome.code,
            errorMessage: outcome.message,
            finishedAt: new Date(),
          },
          event: 'extraction.failed',
          changes: {},
          payload: { ...base, errorCode: outcome.code, errorMessage: outcome.message },
        };
      case 'cancelled':
        return {
          data: { status: 'CANCELLED', cancelRequested: false, finishedAt: new Date() },
          event: 'extraction.cancelled',
          changes: {},
          payload: base,
        };
      case 'released':
        // A shutdown is not the job's failure: the attempt is given back, and another runner starts it at once.
        return {
          data: { status: 'QUEUED', runAfter: new Date(), attempts: { decrement: 1 } },
          event: 'extraction.released',
          changes: { attempts: { from: job.attempts, to: job.attempts - 1 } },
          payload: { ...base, workerId },
        };
    }
  }

  return {
    start() {
      if (loop || stopping) return;
      log.info({ workerId, concurrency, leaseMs }, 'extraction runner started');
      loop = run();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      wake();
      await loop;
      for (const attempt of active.values()) attempt.abort('shutdown');
      await Promise.all([...active.values()].map((a) => a.done));
      log.info({ workerId }, 'extraction runner stopped');
    },
  };
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}
