// What every sample change does inside its transaction: read the row the caller may see, check the version the
// caller expects, write with optimistic concurrency, and describe the change as an outbox event.
import type { Prisma, Sample } from '../../generated/prisma/samples/client.ts';
import { assertExpectedVersion as assertVersion, ERRORS, staleVersion } from '../kit/errors.ts';
import { callerEvent, type Changes, type JsonValue, type OutboxEventInput } from '../kit/outbox.ts';
import { SERVICE_NAME, type Caller } from './deps.ts';
import { isUuid } from '../kit/uuid.ts';

/** The sample, if the caller may see it; otherwise NOT_FOUND, whether or not it exists. */
export async function readVisibleSample(
  tx: Prisma.TransactionClient,
  caller: Caller,
  id: string,
): Promise<Sample> {
  const row = isUuid(id) ? await tx.sample.findUnique({ where: { id } }) : null;
  if (!row || (caller.ownerId !== null && row.ownerId !== caller.ownerId)) {
    throw ERRORS.NOT_FOUND.err('sample not found', { id });
  }
  return row;
}

/** CONFLICT when the caller passed a version and the sample has moved on since. */
export function assertExpectedVersion(row: Sample, expectedVersion: number | null | undefined): void {
  assertVersion('sample', row.version, expectedVersion);
}

/**
 * Writes `data` and the next version only if the row still has the version it was read at. Under READ COMMITTED
 * a concurrent writer's UPDATE waits for the first one's row lock and then matches nothing, so of two changes
 * made from the same read exactly one wins, and the other gets CONFLICT. Returns the row as written (no re-read).
 */
export async function updateVersioned(
  tx: Prisma.TransactionClient,
  row: Sample,
  data: Prisma.SampleUncheckedUpdateManyInput,
  now: Date,
): Promise<Sample> {
  const version = row.version + 1;
  const { count } = await tx.sample.updateMany({
    where: { id: row.id, version: row.version },
    data: { ...data, version, updatedAt: now },
  });
  if (count === 0) {
    throw staleVersion('sample', row.version);
  }
  return { ...row, ...(data as Partial<Sample>), version, updatedAt: now };
}

/** An outbox event about a sample, owned by the sample's owner. */
export function sampleEvent(
  caller: Caller,
  sample: Pick<Sample, 'id' | 'ownerId'>,
  type: string,
  now: Date,
  changes: Changes,
  payload?: Record<string, JsonValue>,
): OutboxEventInput {
  return callerEvent(SERVICE_NAME, caller, now, {
    type,
    entityType: 'Sample',
    entityId: sample.id,
    ownerId: sample.ownerId,
    changes,
    ...(payload ? { payload } : {}),
  });
}
