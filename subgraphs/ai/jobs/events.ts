// What the queue and the runner write beside a job's transition, in the same transaction: the audit event (outbox_event,
// delivered to the audit subgraph) and, when the job ends, the EXTRACTION_FINISHED notice (extraction_notice,
// delivered to the submission subgraph by the second relay; kit/extraction-wire.ts is the contract).
import { randomUUID } from 'node:crypto';
import type { ExtractionJob, Prisma } from '../../../generated/prisma/ai/client.ts';
import {
  AI_SERVICE,
  EXTRACTION_ENTITY,
  EXTRACTION_FINISHED,
  type ExtractionFinished,
} from '../../kit/extraction-wire.ts';
import { OUTBOX_WRITER_LOCK, recordEvent, type Changes, type JsonValue } from '../../kit/outbox.ts';
import type { JobActor } from './types.ts';

export const JOB_ENTITY = 'ExtractionJob';

export type JobEventType =
  | 'extraction.queued'
  | 'extraction.cancel_requested'
  | 'extraction.retried'
  | 'extraction.file_linked'
  | 'extraction.started'
  | 'extraction.succeeded'
  | 'extraction.failed'
  | 'extraction.cancelled'
  | 'extraction.retry_scheduled'
  | 'extraction.released';

/** The job's audit event, by `actor` (a caller), or by the system (null: the runner, a command). */
export async function recordJobEvent(
  tx: Prisma.TransactionClient,
  job: Pick<ExtractionJob, 'id' | 'ownerId'>,
  type: JobEventType,
  changes: Changes,
  payload: Record<string, JsonValue>,
  actor: JobActor | null = null,
): Promise<void> {
  await recordEvent(tx, {
    type,
    entityType: JOB_ENTITY,
    entityId: job.id,
    ownerId: job.ownerId,
    actor: actor?.userId ? { userId: actor.userId, roles: actor.roles } : null,
    service: AI_SERVICE,
    requestId: actor?.requestId ?? null,
    changes,
    payload,
  });
}

/**
 * The EXTRACTION_FINISHED notice of a job that ended. Its entity is the submission, not the job: the writer lock
 * that recordEvent takes for the job's event does not cover it, so it is taken here for the submission, which
 * keeps the notice relay from passing a later notice of the same submission while this one is uncommitted.
 */
export async function insertFinishedNotice(
  tx: Prisma.TransactionClient,
  job: Pick<ExtractionJob, 'id' | 'ownerId' | 'submissionId'>,
  finished: Omit<ExtractionFinished, 'jobId' | 'submissionId'>,
): Promise<void> {
  const payload: ExtractionFinished = { jobId: job.id, submissionId: job.submissionId, ...finished };
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${OUTBOX_WRITER_LOCK}::int4, hashtext(${`${EXTRACTION_ENTITY}:${job.submissionId}`}))`;
  await tx.extractionNotice.create({
    data: {
      id: randomUUID(),
      type: EXTRACTION_FINISHED,
      entityType: EXTRACTION_ENTITY,
      entityId: job.submissionId,
      ownerId: job.ownerId,
      service: AI_SERVICE,
      payload,
    },
  });
}
