// The extraction job runner over a real PostgreSQL: claims, leases, heartbeats, outcomes, and what each
// transition leaves in the outboxes. Jobs are inserted as the queue leaves them; a cancel is the queue's write
// (cancel_requested on a RUNNING job).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractionJob } from '../../../generated/prisma/ai/client.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { JobError } from './errors.ts';
import { createJobRunner, type JobRunnerOptions } from './runner.ts';
import {
  createJobsTestDatabase,
  EMPTY_PAGES,
  insertJob,
  insertJobs,
  jobEvents,
  ONE_VALUE_DRAFT,
  sleep,
  submissionNotices,
  testLog,
  untilAborted,
  type JobsTestDatabase,
} from './testing.ts';
import type { Extractor, JobRunner } from './types.ts';

let t: JobsTestDatabase;
const runners: JobRunner[] = [];

beforeAll(async () => {
  t = await createJobsTestDatabase();
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  // Each test starts from an empty table: a job left by one test must not be claimed by the next.
  await t.prisma.$executeRaw`TRUNCATE extraction_job, outbox_event, extraction_notice`;
});
afterAll(() => t.close());

const document = new Uint8Array([1, 2, 3]);

/** A started runner that is stopped after the test. Fast polls and a short lease unless the test says. */
function startRunner(
  extractor: Extractor,
  options: Partial<JobRunnerOptions> = {},
): JobRunner & { finished: number } {
  const counter = { finished: 0 };
  const runner = createJobRunner({
    prisma: t.prisma,
    extractors: { SCANNED_QUOTE: extractor, DOCUMENT: extractor },
    fetchDocument: () => Promise.resolve(document),
    pollMs: 50,
    leaseMs: 1500,
    log: testLog,
    onFinished: () => (counter.finished += 1),
    ...options,
  });
  runner.start();
  runners.push(runner);
  return {
    start: runner.start,
    stop: runner.stop,
    get finished() {
      return counter.finished;
    },
  };
}

const read = (id: string) => t.prisma.extractionJob.findUniqueOrThrow({ where: { id } });

function untilStatus(id: string, status: ExtractionJob['status'], timeoutMs = 10_000) {
  return eventually(
    async () => {
      const job = await read(id);
      return job.status === status && job;
    },
    { what: `job ${id} ${status}`, timeoutMs },
  );
}

const types = async (id: string) => (await jobEvents(t.prisma, id)).map((e) => e.type);

/** A latch a test opens. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('a job that succeeds', () => {
  it('runs with progress written while it runs, then SUCCEEDED with result, versions, event and notice', async () => {
    const job = await insertJob(t.prisma);
    const release = gate();
    let seen: Uint8Array | null = null;
    const runner = startRunner(
      async ({ document, progress }) => {
        seen = document;
        progress(1, 2);
        await release.opened;
        return ONE_VALUE_DRAFT;
      },
      { heartbeatMs: 100 },
    );

    const running = await eventually(async () => {
      const row = await read(job.id);
      return row.status === 'RUNNING' && row.pagesDone === 1 && row;
    });
    expect(running).toMatchObject({ pagesTotal: 2, attempts: 1, version: 2 });
    expect(running.leaseOwner).toBeTruthy();
    expect(running.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(running.startedAt).not.toBeNull();
    release.open();

    const done = await untilStatus(job.id, 'SUCCEEDED');
    expect(seen).toEqual(document);
    expect(done).toMatchObject({
      result: ONE_VALUE_DRAFT.result,
      model: 'test-model',
      promptVersion: 'p1',
      ocrVersion: null,
      attempts: 1,
      leaseOwner: null,
      leaseExpiresAt: null,
      errorCode: null,
      version: 3,
    });
    expect(done.finishedAt).not.toBeNull();
    expect(done.runMs).toBeGreaterThanOrEqual(0);

    const events = await jobEvents(t.prisma, job.id);
    expect(events.map((e) => e.type)).toEqual(['extraction.started', 'extraction.succeeded']);
    expect(events[0]).toMatchObject({
      entityId: job.id,
      ownerId: job.ownerId,
      actorId: null,
      service: 'ai',
      changes: { status: { from: 'QUEUED', to: 'RUNNING' }, attempts: { from: 0, to: 1 } },
    });
    expect(events[1]!.payload).toMatchObject({ resultKind: 'DRAFT', model: 'test-model', attempt: 1 });
    const notices = await submissionNotices(t.prisma, job.submissionId);
    expect(notices).toEqual([
      expect.objectContaining({
        type: 'ai.extraction_finished',
        entityId: job.submissionId,
        ownerId: job.ownerId,
        service: 'ai',
        payload: {
          jobId: job.id,
          submissionId: job.submissionId,
          status: 'SUCCEEDED',
          errorCode: null,
          errorMessage: null,
        },
      }),
    ]);
    // Once for the claim, once for the outcome.
    expect(runner.finished).toBe(2);
  });

  it('is not claimed before its runAfter', async () => {
    const job = await insertJob(t.prisma, { runAfter: new Date(Date.now() + 60_000) });
    startRunner(() => Promise.resolve(EMPTY_PAGES));
    await sleep(300);
    expect((await read(job.id)).status).toBe('QUEUED');
  });
});

describe('runners side by side', () => {
  it('two runners on the same database never run a job twice (500 jobs)', async ({ annotate }) => {
    const ids = await insertJobs(t.prisma, 500);
    const runs: string[] = [];
    const extractor: Extractor = ({ job }) => {
      runs.push(job.id);
      return Promise.resolve(EMPTY_PAGES);
    };
    const started = performance.now();
    startRunner(extractor, { concurrency: 4, workerId: 'runner-a' });
    startRunner(extractor, { concurrency: 4, workerId: 'runner-b' });
    await eventually(
      async () => (await t.prisma.extractionJob.count({ where: { status: 'SUCCEEDED' } })) === 500,
      { what: 'all 500 jobs SUCCEEDED', timeoutMs: 120_000 },
    );
    const seconds = (performance.now() - started) / 1000;
    await annotate(
      `[measure] 2 runners x concurrency 4: 500 jobs in ${seconds.toFixed(1)} s = ${(500 / seconds).toFixed(0)} claims/s`,
    );

    expect(runs).toHaveLength(500);
    expect(new Set(runs)).toEqual(new Set(ids));
    const byOwner = await t.prisma.extractionJob.groupBy({ by: ['attempts'], _count: true });
    expect(byOwner).toEqual([{ attempts: 1, _count: 500 }]);
    const started_ = await t.prisma.outboxEvent.count({ where: { type: 'extraction.started' } });
    expect(started_).toBe(500);
    // Both took part.
    const owners = await t.prisma.$queryRaw<{ worker: string }[]>`
      SELECT DISTINCT payload->>'workerId' AS worker FROM outbox_event WHERE type = 'extraction.started'`;
    expect(owners.map((o) => o.worker).sort()).toEqual(['runner-a', 'runner-b']);
  }, 150_000);

  it('never runs more than `concurrency` jobs at once in one runner', async () => {
    await insertJobs(t.prisma, 12);
    let now = 0;
    let most = 0;
    startRunner(
      async () => {
        now += 1;
        most = Math.max(most, now);
        await sleep(60);
        now -= 1;
        return EMPTY_PAGES;
      },
      { concurrency: 3 },
    );
    await eventually(
      async () => (await t.prisma.extractionJob.count({ where: { status: 'SUCCEEDED' } })) === 12,
    );
    expect(most).toBe(3);
  });
});

describe('a runner that dies', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('killed mid-job (SIGKILL): another runner takes the job over once the default lease expires', async ({
    annotate,
  }) => {
    const job = await insertJob(t.prisma);
    child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/ai/jobs/test-worker.ts'], {
      env: { ...process.env, TEST_WORKER_DATABASE_URL: t.db.url, TEST_WORKER_ID: 'doomed-worker' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`test-worker exited (${code})`)));
      lines.on('line', (line) => line === `running ${job.id}` && resolve());
    });
    await eventually(async () => (await read(job.id)).pagesDone === 1, { what: 'the worker progress' });
    const held = await read(job.id);
    expect(held).toMatchObject({ status: 'RUNNING', leaseOwner: 'doomed-worker', attempts: 1 });

    child.kill('SIGKILL');
    const killedAt = performance.now();
    await new Promise((resolve) => child!.once('exit', resolve));
    const lease = await read(job.id);
    const leaseLeftMs = lease.leaseExpiresAt!.getTime() - Date.now();

    let takenOverAt = 0;
    startRunner(
      () => {
        takenOverAt = performance.now();
        return Promise.resolve(EMPTY_PAGES);
      },
      { workerId: 'survivor', leaseMs: undefined, pollMs: 200 },
    );
    const done = await untilStatus(job.id, 'SUCCEEDED', 25_000);
    await annotate(
      `[measure] takeover after SIGKILL with the default lease (15 s, poll 200 ms): ${((takenOverAt - killedAt) / 1000).toFixed(1)} s`,
    );
    // Not before the dead worker's lease ran out.
    expect(takenOverAt - killedAt).toBeGreaterThan(leaseLeftMs - 500);
    expect(done).toMatchObject({ attempts: 2, leaseOwner: null, pagesDone: 1, pagesTotal: 3 });
    const events = await jobEvents(t.prisma, job.id);
    expect(events.map((e) => [e.type, e.payload?.workerId ?? null])).toEqual([
      ['extraction.started', 'doomed-worker'],
      ['extraction.started', 'survivor'],
      ['extraction.succeeded', null],
    ]);
    expect(events[1]).toMatchObject({
      changes: { status: { from: 'RUNNING', to: 'RUNNING' }, attempts: { from: 1, to: 2 } },
      payload: { leaseExpired: true, attempt: 2 },
    });
  }, 60_000);

  it('a job whose expired lease used its last attempt ends FAILED LEASE_EXPIRED without running', async () => {
    // As a runner killed on the last attempt leaves it.
    const job = await insertJob(t.prisma, {
      status: 'RUNNING',
      attempts: 3,
      maxAttempts: 3,
      leaseOwner: 'dead-worker',
      leaseExpiresAt: new Date(Date.now() - 1000),
      startedAt: new Date(Date.now() - 60_000),
    });
    let ran = false;
    startRunner(() => {
      ran = true;
      return Promise.resolve(EMPTY_PAGES);
    });
    const failed = await untilStatus(job.id, 'FAILED');
    expect(ran).toBe(false);
    expect(failed).toMatchObject({ errorCode: 'LEASE_EXPIRED', attempts: 4, leaseOwner: null });
    expect(await types(job.id)).toEqual(['extraction.started', 'extraction.failed']);
    const [notice] = await submissionNotices(t.prisma, job.submissionId);
    expect(notice!.payload).toMatchObject({ status: 'FAILED', errorCode: 'LEASE_EXPIRED' });
  });
});

describe('a claimed job that must not run', () => {
  const deadRunner = () => ({
    status: 'RUNNING' as const,
    attempts: 1,
    leaseOwner: 'dead-worker',
    leaseExpiresAt: new Date(Date.now() - 1000),
  });

  it('cancelled while its runner was gone: CANCELLED without running', async () => {
    const job = await insertJob(t.prisma, { ...deadRunner(), cancelRequested: true });
    let ran = false;
    startRunner(() => {
      ran = true;
      return Promise.resolve(EMPTY_PAGES);
    });
    expect(await untilStatus(job.id, 'CANCELLED')).toMatchObject({ attempts: 2, cancelRequested: false });
    expect(ran).toBe(false);
    expect(await types(job.id)).toEqual(['extraction.started', 'extraction.cancelled']);
  });

  it('its time budget already spent: FAILED JOB_TIMEOUT without running', async () => {
    const job = await insertJob(t.prisma, { ...deadRunner(), runMs: 800 });
    let ran = false;
    startRunner(
      () => {
        ran = true;
        return Promise.resolve(EMPTY_PAGES);
      },
      { jobTimeoutMs: 500 },
    );
    expect(await untilStatus(job.id, 'FAILED')).toMatchObject({ errorCode: 'JOB_TIMEOUT', runMs: 800 });
    expect(ran).toBe(false);
  });
});

describe('lease loss', () => {
  /** What another runner's claim does to the row once it thinks the lease expired. */
  const steal = (id: string) =>
    t.prisma.extractionJob.update({
      where: { id },
      data: {
        leaseOwner: 'thief',
        attempts: { increment: 1 },
        leaseExpiresAt: new Date(Date.now() + 60_000),
      },
    });

  it('the heartbeat that finds the lease gone aborts the attempt, and nothing of it is written', async () => {
    const job = await insertJob(t.prisma);
    let signal: AbortSignal | null = null;
    startRunner(
      ({ signal: s }) => {
        signal = s;
        return untilAborted(s);
      },
      { heartbeatMs: 100 },
    );
    await untilStatus(job.id, 'RUNNING');
    await steal(job.id);
    await eventually(() => signal?.aborted, { what: 'the attempt aborted' });
    await sleep(200);
    expect(await read(job.id)).toMatchObject({ status: 'RUNNING', leaseOwner: 'thief', attempts: 2 });
    expect(await types(job.id)).toEqual(['extraction.started']);
    expect(await submissionNotices(t.prisma, job.submissionId)).toEqual([]);
  });

  it("a stale runner's result is not written over the new owner's job", async () => {
    const job = await insertJob(t.prisma);
    const release = gate();
    // Heartbeats far apart: the attempt ends before any beat could notice the loss; the final write must.
    startRunner(
      async () => {
        await release.opened;
        return ONE_VALUE_DRAFT;
      },
      { leaseMs: 60_000 },
    );
    await untilStatus(job.id, 'RUNNING');
    await steal(job.id);
    release.open();
    await sleep(300);
    expect(await read(job.id)).toMatchObject({ status: 'RUNNING', leaseOwner: 'thief', result: null });
    expect(await types(job.id)).toEqual(['extraction.started']);
    expect(await submissionNotices(t.prisma, job.submissionId)).toEqual([]);
  });
});

describe('outcomes', () => {
  it('cancel of a RUNNING job aborts its extractor and ends it CANCELLED', async () => {
    const job = await insertJob(t.prisma);
    let signal: AbortSignal | null = null;
    startRunner(
      ({ signal: s }) => {
        signal = s;
        return untilAborted(s);
      },
      { heartbeatMs: 100 },
    );
    await untilStatus(job.id, 'RUNNING');
    await t.prisma.extractionJob.update({ where: { id: job.id }, data: { cancelRequested: true } });
    const cancelled = await untilStatus(job.id, 'CANCELLED');
    expect(signal!.aborted).toBe(true);
    expect(cancelled).toMatchObject({ leaseOwner: null, result: null });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(await types(job.id)).toEqual(['extraction.started', 'extraction.cancelled']);
    const [notice] = await submissionNotices(t.prisma, job.submissionId);
    expect(notice!.payload).toMatchObject({ status: 'CANCELLED', errorCode: null });
  });

  it('an extractor that ignores its signal: the cancel is written at once, its slot stays taken until it returns', async () => {
    const first = await insertJob(t.prisma, { runAfter: new Date(Date.now() - 1000) });
    const release = gate();
    let returned = 0;
    let secondStarted = 0;
    startRunner(
      async ({ job }) => {
        if (job.id !== first.id) {
          secondStarted = performance.now();
          return EMPTY_PAGES;
        }
        await release.opened;
        returned = performance.now();
        return EMPTY_PAGES;
      },
      { heartbeatMs: 100, concurrency: 1 },
    );
    await untilStatus(first.id, 'RUNNING');
    const second = await insertJob(t.prisma);
    await t.prisma.extractionJob.update({ where: { id: first.id }, data: { cancelRequested: true } });
    await untilStatus(first.id, 'CANCELLED');
    await sleep(300);
    expect((await read(second.id)).status).toBe('QUEUED');
    release.open();
    await untilStatus(second.id, 'SUCCEEDED');
    expect(secondStarted).toBeGreaterThanOrEqual(returned);
    // Its late result is not written over the cancel.
    expect(await read(first.id)).toMatchObject({ status: 'CANCELLED', result: null });
  });

  it('retries after backoff (an unexpected error masked as INTERNAL, then a retryable one), then succeeds', async () => {
    const job = await insertJob(t.prisma);
    const attempts: number[] = [];
    startRunner(
      ({ job }) => {
        attempts.push(performance.now());
        if (job.attempts === 1) throw new Error('connection to 10.0.0.7:5432 refused (password=hunter2)');
        if (job.attempts === 2) throw new JobError('OCR_BUSY', 'the OCR engine is busy', true);
        return Promise.resolve(EMPTY_PAGES);
      },
      { backoff: { baseMs: 400, maxMs: 1000 } },
    );
    const queued = await eventually(async () => {
      const row = await read(job.id);
      return row.status === 'QUEUED' && row.attempts === 1 && row;
    });
    expect(queued).toMatchObject({
      errorCode: 'INTERNAL',
      errorMessage: 'the extraction failed unexpectedly',
    });
    // Half the base at least (jitter takes up to half off).
    expect(queued.runAfter.getTime() - Date.now()).toBeGreaterThan(0);

    const done = await untilStatus(job.id, 'SUCCEEDED');
    expect(done).toMatchObject({ attempts: 3, ocrVersion: 'test-ocr 1' });
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(190);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(390);
    const events = await jobEvents(t.prisma, job.id);
    expect(events.map((e) => e.type)).toEqual([
      'extraction.started',
      'extraction.retry_scheduled',
      'extraction.started',
      'extraction.retry_scheduled',
      'extraction.started',
      'extraction.succeeded',
    ]);
    expect(events[1]!.payload).toMatchObject({ errorCode: 'INTERNAL' });
    expect(JSON.stringify(events)).not.toContain('hunter2');
    expect(events[3]!.payload).toMatchObject({ errorCode: 'OCR_BUSY' });
    // Only the end is told to the submission subgraph.
    expect((await submissionNotices(t.prisma, job.submissionId)).map((n) => n.payload)).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED' }),
    ]);
  });

  it('a retryable error on the last attempt ends FAILED with its code', async () => {
    const job = await insertJob(t.prisma, { maxAttempts: 2 });
    startRunner(() => Promise.reject(new JobError('OCR_BUSY', 'the OCR engine is busy', true)), {
      backoff: { baseMs: 20, maxMs: 20 },
    });
    const failed = await untilStatus(job.id, 'FAILED');
    expect(failed).toMatchObject({ attempts: 2, errorCode: 'OCR_BUSY' });
    expect(await types(job.id)).toEqual([
      'extraction.started',
      'extraction.retry_scheduled',
      'extraction.started',
      'extraction.failed',
    ]);
  });

  it('a non-retryable error ends the job FAILED at once with its code and message', async () => {
    const job = await insertJob(t.prisma);
    startRunner(() => Promise.reject(new JobError('NOT_AN_IMAGE', 'the file is not an image')));
    const failed = await untilStatus(job.id, 'FAILED');
    expect(failed).toMatchObject({
      attempts: 1,
      errorCode: 'NOT_AN_IMAGE',
      errorMessage: 'the file is not an image',
      result: null,
    });
    expect(await types(job.id)).toEqual(['extraction.started', 'extraction.failed']);
    const [notice] = await submissionNotices(t.prisma, job.submissionId);
    expect(notice!.payload).toEqual({
      jobId: job.id,
      submissionId: job.submissionId,
      status: 'FAILED',
      errorCode: 'NOT_AN_IMAGE',
      errorMessage: 'the file is not an image',
    });
  });

  it('a failed document fetch is the attempt failing', async () => {
    const job = await insertJob(t.prisma);
    startRunner(() => Promise.resolve(EMPTY_PAGES), {
      fetchDocument: () => Promise.reject(new JobError('DOCUMENT_GONE', 'the submission has no document')),
    });
    expect(await untilStatus(job.id, 'FAILED')).toMatchObject({ errorCode: 'DOCUMENT_GONE' });
  });

  it('the time budget across attempts: an attempt past it is aborted and the job ends FAILED JOB_TIMEOUT', async () => {
    // 200 ms already spent by earlier attempts; 300 ms left of 500.
    const job = await insertJob(t.prisma, { runMs: 200 });
    let signal: AbortSignal | null = null;
    const started = performance.now();
    startRunner(
      ({ signal: s }) => {
        signal = s;
        return untilAborted(s);
      },
      { jobTimeoutMs: 500 },
    );
    const failed = await untilStatus(job.id, 'FAILED');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(signal!.aborted).toBe(true);
    expect(failed.errorCode).toBe('JOB_TIMEOUT');
    expect(failed.runMs).toBeGreaterThanOrEqual(490);
    expect(await types(job.id)).toEqual(['extraction.started', 'extraction.failed']);
  });
});

describe('stop()', () => {
  it('aborts running attempts and gives their jobs back, QUEUED and due, without using an attempt', async () => {
    const job = await insertJob(t.prisma);
    let signal: AbortSignal | null = null;
    const runner = startRunner(({ signal: s }) => {
      signal = s;
      return untilAborted(s);
    });
    await untilStatus(job.id, 'RUNNING');
    await runner.stop();
    expect(signal!.aborted).toBe(true);
    const released = await read(job.id);
    expect(released).toMatchObject({ status: 'QUEUED', attempts: 0, leaseOwner: null, errorCode: null });
    expect(released.runAfter.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await types(job.id)).toEqual(['extraction.started', 'extraction.released']);
    expect(await submissionNotices(t.prisma, job.submissionId)).toEqual([]);

    // Another runner picks it up.
    startRunner(() => Promise.resolve(EMPTY_PAGES));
    expect(await untilStatus(job.id, 'SUCCEEDED')).toMatchObject({ attempts: 1 });
  });
});
