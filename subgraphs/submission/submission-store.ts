// What every submission change does inside its transaction: read the submission the caller may see, check the
// version the caller expects, write with optimistic concurrency, and describe the change as an outbox event.
import type { Prisma, Submission } from '../../generated/prisma/submission/client.ts';
import { assertExpectedVersion as assertVersion, ERRORS, staleVersion } from '../kit/errors.ts';
import { callerEvent, type Changes, type JsonValue, type OutboxEventInput } from '../kit/outbox.ts';
import { isUuid } from '../kit/uuid.ts';
import { SERVICE_NAME, type Caller } from './deps.ts';

/** Whether the caller may see the submission: STAFF, ADMIN and VIEWER see all; a SUBMITTER their own. */
export function isVisible(caller: Caller, submission: Pick<Submission, 'submittedById'>): boolean {
  return caller.ownerId === null || submission.submittedById === caller.ownerId;
}

/**
 * The submission, if the caller may see it, locked for this transaction (FOR UPDATE: concurrent reviews of one
 * submission queue up instead of reading the same version); otherwise NOT_FOUND, whether or not it exists.
 */
export async function readVisibleForUpdate(
  tx: Prisma.TransactionClient,
  caller: Caller,
  id: string,
): Promise<Submission> {
  if (isUuid(id)) await tx.$executeRaw`SELECT 1 FROM submission WHERE id = ${id}::uuid FOR UPDATE`;
  const row = isUuid(id) ? await tx.submission.findUnique({ where: { id } }) : null;
  if (!row || !isVisible(caller, row)) throw ERRORS.NOT_FOUND.err('submission not found', { id });
  return row;
}

/** CONFLICT when the caller passed a version and the submission has moved on since. */
export function assertExpectedVersion(row: Submission, expectedVersion: number | null | undefined): void {
  assertVersion('submission', row.version, expectedVersion);
}

/** INVALID_TRANSITION unless the submission is in one of `statuses`. */
export function assertStatus(row: Submission, statuses: Submission['status'][], action: string): void {
  if (statuses.includes(row.status)) return;
  throw ERRORS.INVALID_TRANSITION.err(`a ${row.status} submission cannot be ${action}`, {
    rule: 'NOT_IN_REVIEW',
    status: row.status,
  });
}

/** Writes `data` and the next version if the row still has the version it was read at; CONFLICT otherwise. */
export async function updateVersioned(
  tx: Prisma.TransactionClient,
  row: Submission,
  data: Prisma.SubmissionUncheckedUpdateManyInput,
  now: Date,
): Promise<Submission> {
  const version = row.version + 1;
  const { count } = await tx.submission.updateMany({
    where: { id: row.id, version: row.version },
    data: { ...data, version, updatedAt: now },
  });
  if (count === 0) {
    throw staleVersion('submission', row.version);
  }
  return tx.submission.findUniqueOrThrow({ where: { id: row.id } });
}

/** An outbox event about a submission, owned by its submitter. */
export function submissionEvent(
  caller: Caller,
  submission: Pick<Submission, 'id' | 'submittedById'>,
  type: string,
  now: Date,
  changes: Changes = {},
  payload?: Record<string, JsonValue>,
): OutboxEventInput {
  return callerEvent(SERVICE_NAME, caller, now, {
    type,
    entityType: 'Submission',
    entityId: submission.id,
    ownerId: submission.submittedById,
    changes,
    ...(payload ? { payload } : {}),
  });
}
