// The queue on a real database: the same document for the same submission is one job (sequentially and under
// concurrent requests, one audit event), and the queue's depth.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractionRequest } from '../testing.ts';
import { createJobQueue } from './queue.ts';
import { createJobsTestDatabase, jobEvents, type JobsTestDatabase } from './testing.ts';
import type { JobQueue } from './types.ts';

const SYSTEM = { userId: null, roles: [], requestId: 'req-1' };

let t: JobsTestDatabase;
let queue: JobQueue;
let notified = 0;

beforeAll(async () => {
  t = await createJobsTestDatabase();
  queue = createJobQueue({ prisma: t.prisma, notify: () => notified++ });
});
afterAll(() => t?.close());

describe('enqueue', () => {
  it('is idempotent per (submission, sha256): the second request returns the first job and writes nothing', async () => {
    const request = extractionRequest();
    const first = await queue.enqueue(request, SYSTEM);
    const second = await queue.enqueue({ ...request, fileName: 'renamed.png' }, SYSTEM);
    expect(first.created).toBe(true);
    expect(second).toEqual({ job: first.job, created: false });
    expect(first.job).toMatchObject({
      status: 'QUEUED',
      attempts: 0,
      ownerId: request.ownerId,
      sha256: request.sha256,
    });
    const events = await jobEvents(t.prisma, first.job.id);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'extraction.queued',
        ownerId: request.ownerId,
        actorId: null,
        service: 'ai',
        changes: { status: { from: null, to: 'QUEUED' } },
      }),
    ]);
    // Another document of the same submission is another job.
    const other = await queue.enqueue(extractionRequest({ submissionId: request.submissionId }), SYSTEM);
    expect(other.created).toBe(true);
  });

  it('under 8 concurrent requests for one document: one job, one event', async () => {
    const before = notified;
    const request = extractionRequest();
    const results = await Promise.all(Array.from({ length: 8 }, () => queue.enqueue(request, SYSTEM)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    const rows = await t.prisma.extractionJob.count({ where: { submissionId: request.submissionId } });
    expect(rows).toBe(1);
    expect(await jobEvents(t.prisma, results[0]!.job.id)).toHaveLength(1);
    expect(notified - before).toBe(1);
  });

  it('reports the queue depth and the oldest queued job', async () => {
    await t.prisma.extractionJob.deleteMany({});
    expect(await queue.depth()).toEqual({ queued: 0, running: 0, oldestQueuedAt: null });
    const a = await queue.enqueue(extractionRequest(), SYSTEM);
    await queue.enqueue(extractionRequest(), SYSTEM);
    const running = await queue.enqueue(extractionRequest(), SYSTEM);
    await t.prisma.extractionJob.update({ where: { id: running.job.id }, data: { status: 'RUNNING' } });
    const depth = await queue.depth();
    expect(depth).toEqual({ queued: 2, running: 1, oldestQueuedAt: a.job.queuedAt });
  });

  it('cancel and retry of an unknown job are refused', async () => {
    await expect(queue.cancel(randomUUID(), SYSTEM)).rejects.toThrow(/not found/);
    await expect(queue.retry(randomUUID(), SYSTEM)).rejects.toThrow(/not found/);
  });
});
