// The extraction job queue over PostgreSQL (prisma/ai ExtractionJob): what requests, cancels and retries do to a
// job, each with its audit event in the same transaction (kit/outbox.ts). The runner (./runner.ts) claims what
// is queued here.
import { Prisma, type ExtractionJob, type PrismaClient } from '../../../generated/prisma/ai/client.ts';
import type { ExtractionRequested } from '../../kit/extraction-wire.ts';
import { JobStateError } from './errors.ts';
import { insertFinishedNotice, recordJobEvent } from './events.ts';
import type { JobActor, JobQueue, QueueDepth } from './types.ts';

export interface JobQueueOptions {
  prisma: PrismaClient;
  /** Called after a transaction that wrote events or notices committed (to wake the relays and the runner). */
  notify?: () => void;
}

/** The job, locked for this transaction (a cancel and the runner's finish never interleave). */
async function lockJob(tx: Prisma.TransactionClient, jobId: string): Promise<ExtractionJob | null> {
  await tx.$queryRaw`SELECT id FROM extraction_job WHERE id = ${jobId}::uuid FOR UPDATE`;
  return tx.extractionJob.findUnique({ where: { id: jobId } });
}

/** A job id that names no job: the caller's mistake, answered NOT_FOUND by the resolvers. */
export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`extraction job ${jobId} not found`);
    this.name = 'JobNotFoundError';
  }
}

export function createJobQueue(options: JobQueueOptions): JobQueue {
  const { prisma } = options;
  const notify = () => options.notify?.();

  return {
    async enqueue(request: ExtractionRequested, actor: JobActor) {
      const submissionId = request.submissionId.toLowerCase();
      const outcome = await prisma.$transaction(async (tx) => {
        // ON CONFLICT DO NOTHING on (submission_id, sha256): of two concurrent requests for the same document,
        // one inserts and writes the event; the other gets nothing back and reads the winner's job.
        const [created] = await tx.extractionJob.createManyAndReturn({
          data: [
            {
              kind: request.kind,
              submissionId,
              fileId: request.fileId ?? null,
              ownerId: request.ownerId,
              fileName: request.fileName,
              mediaType: request.mediaType,
              byteSize: request.byteSize,
              sha256: request.sha256,
            },
          ],
          skipDuplicates: true,
        });
        if (!created) return null;
        await recordJobEvent(
          tx,
          created,
          'extraction.queued',
          { status: { from: null, to: 'QUEUED' } },
          {
            submissionId,
            kind: created.kind,
            fileName: created.fileName,
            mediaType: created.mediaType,
            byteSize: created.byteSize,
            sha256: created.sha256,
          },
          actor,
        );
        return created;
      });
      if (outcome) {
        notify();
        return { job: outcome, created: true };
      }
      const existing = await prisma.extractionJob.findUnique({
        where: { submissionId_sha256: { submissionId, sha256: request.sha256 } },
      });
      if (!existing) throw new Error('extraction job conflict without a job (deleted concurrently)');
      return { job: existing, created: false };
    },

    async cancel(jobId, actor) {
      const job = await prisma.$transaction(async (tx) => {
        const job = await lockJob(tx, jobId);
        if (!job) throw new JobNotFoundError(jobId);
        if (job.status === 'QUEUED') {
          const finishedAt = new Date();
          const updated = await tx.extractionJob.update({
            where: { id: jobId },
            data: { status: 'CANCELLED', finishedAt, version: { increment: 1 } },
          });
          await recordJobEvent(
            tx,
            job,
            'extraction.cancelled',
            { status: { from: 'QUEUED', to: 'CANCELLED' } },
            {},
            actor,
          );
          // The job ended: the submission subgraph hears of it as of any ended job.
          await insertFinishedNotice(tx, job, { status: 'CANCELLED', errorCode: null, errorMessage: null });
          return updated;
        }
        if (job.status === 'RUNNING') {
          if (job.cancelRequested) return job;
          const updated = await tx.extractionJob.update({
            where: { id: jobId },
            data: { cancelRequested: true, version: { increment: 1 } },
          });
          await recordJobEvent(
            tx,
            job,
            'extraction.cancel_requested',
            { cancelRequested: { from: false, to: true } },
            {},
            actor,
          );
          return updated;
        }
        throw new JobStateError('JOB_NOT_CANCELLABLE', `the job has already finished (${job.status})`);
      });
      notify();
      return job;
    },

    async retry(jobId, actor) {
      const job = await prisma.$transaction(async (tx) => {
        const job = await lockJob(tx, jobId);
        if (!job) throw new JobNotFoundError(jobId);
        if (job.status !== 'FAILED' && job.status !== 'CANCELLED')
          throw new JobStateError(
            'JOB_NOT_RETRYABLE',
            `only a FAILED or CANCELLED job can be retried (${job.status})`,
          );
        const updated = await tx.extractionJob.update({
          where: { id: jobId },
          data: {
            status: 'QUEUED',
            attempts: 0,
            runMs: 0,
            runAfter: new Date(),
            queuedAt: new Date(),
            startedAt: null,
            finishedAt: null,
            cancelRequested: false,
            leaseOwner: null,
            leaseExpiresAt: null,
            heartbeatAt: null,
            pagesDone: 0,
            pagesTotal: null,
            errorCode: null,
            errorMessage: null,
            result: Prisma.DbNull,
            version: { increment: 1 },
          },
        });
        await recordJobEvent(
          tx,
          job,
          'extraction.retried',
          { status: { from: job.status, to: 'QUEUED' }, attempts: { from: job.attempts, to: 0 } },
          { previousErrorCode: job.errorCode },
          actor,
        );
        return updated;
      });
      notify();
      return job;
    },

    async linkFile(submissionId, fileId, actor) {
      const linked = await prisma.$transaction(async (tx) => {
        const jobs = await tx.$queryRaw<Pick<ExtractionJob, 'id' | 'ownerId'>[]>`
          UPDATE extraction_job SET file_id = ${fileId}::uuid
           WHERE submission_id = ${submissionId}::uuid AND file_id IS NULL
          RETURNING id, owner_id AS "ownerId"`;
        for (const job of jobs)
          await recordJobEvent(
            tx,
            job,
            'extraction.file_linked',
            { fileId: { from: null, to: fileId } },
            {},
            actor,
          );
        return jobs.length;
      });
      if (linked > 0) notify();
      return linked;
    },

    async depth(): Promise<QueueDepth> {
      const [row] = await prisma.$queryRaw<{ queued: bigint; running: bigint; oldest: Date | null }[]>`
        SELECT count(*) FILTER (WHERE status = 'QUEUED') AS queued,
               count(*) FILTER (WHERE status = 'RUNNING') AS running,
               min(queued_at) FILTER (WHERE status = 'QUEUED') AS oldest
          FROM extraction_job WHERE status IN ('QUEUED', 'RUNNING')`;
      return {
        queued: Number(row?.queued ?? 0),
        running: Number(row?.running ?? 0),
        oldestQueuedAt: row?.oldest ?? null,
      };
    },
  };
}
