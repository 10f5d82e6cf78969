// The end of a review. acceptSubmission: IN_REVIEW -> ACCEPTED, refused while an ERROR issue is open, and in the
// same transaction one sample command per SAMPLE/CONTROL row into sample_command (sample-commands.ts), which the
// second relay delivers to the samples subgraph at least once, where each is applied once. Accepting an accepted
// submission returns it and writes nothing; with the ai subgraph configured the accept also writes its
// SUBMISSION_ACCEPTED command (extraction-commands.ts). rejectSubmission needs a reason; cancelSubmission is the
// submitter's (also while EXTRACTING: the ai subgraph's late notice is then acknowledged and ignored).
import type { Prisma, Submission } from '../../generated/prisma/submission/client.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import { LARGE_TRANSACTION, type Caller, type SubmissionDeps } from './deps.ts';
import { blockingIssues } from './issues.ts';
import { announceAccepted } from './extraction-commands.ts';
import { buildSampleCommands, type SampleCommandData } from './sample-commands.ts';
import {
  assertExpectedVersion,
  assertStatus,
  readVisibleForUpdate,
  submissionEvent,
  updateVersioned,
} from './submission-store.ts';

const MAX_REASON = 2000;

function reasonText(reason: string | null | undefined, required: boolean): string | null {
  const text = reason?.trim() ?? '';
  if (required && !text)
    throw badUserInput('a reason is required', { field: 'reason', rule: 'REASON_REQUIRED' });
  if (text.length > MAX_REASON)
    throw badUserInput(`a reason has at most ${MAX_REASON} characters`, {
      field: 'reason',
      rule: 'TEXT_LENGTH',
    });
  return text || null;
}

/**
 * Every command in one statement from one JSON parameter, in order (their sequence is the delivery order):
 * createMany binds each value as its own parameter, which is slow for the thousands of rows a large sheet has.
 */
async function insertCommands(tx: Prisma.TransactionClient, commands: SampleCommandData[]): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO sample_command (id, type, entity_type, entity_id, owner_id, actor_id, actor_roles, service,
      request_id, occurred_at, changes, payload)
    SELECT c.id, c.type, c."entityType", c."entityId", c."ownerId", c."actorId",
      ARRAY(SELECT jsonb_array_elements_text(c."actorRoles")), c.service, c."requestId", c."occurredAt", c.changes,
      c.payload
    FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(commands)}::jsonb) AS (id uuid, type text,
      "entityType" text, "entityId" text, "ownerId" text, "actorId" text, "actorRoles" jsonb, service text,
      "requestId" text, "occurredAt" timestamptz, changes jsonb, payload jsonb)) WITH ORDINALITY AS c(id, type,
      "entityType", "entityId", "ownerId", "actorId", "actorRoles", service, "requestId", "occurredAt", changes,
      payload, n)
    ORDER BY c.n`;
}

export function createDecisions(deps: SubmissionDeps) {
  const { prisma } = deps;

  return {
    async accept(caller: Caller, id: string, version: number | null | undefined): Promise<Submission> {
      return prisma.$transaction(async (tx) => {
        const row = await readVisibleForUpdate(tx, caller, id);
        // A retried accept (a lost answer, a double click) is answered, not refused, and writes nothing.
        if (row.status === 'ACCEPTED') return row;
        assertExpectedVersion(row, version);
        assertStatus(row, ['IN_REVIEW'], 'accepted');
        const rows = await tx.submissionRow.findMany({
          where: { submissionId: row.id },
          orderBy: { rowNumber: 'asc' },
        });
        const blocking = blockingIssues(row, rows);
        if (blocking.length > 0) {
          throw ERRORS.INVALID_TRANSITION.err(
            `${blocking.length} error(s) must be corrected before the submission can be accepted`,
            {
              rule: 'UNRESOLVED_ERRORS',
              issues: blocking.slice(0, 20).map((i) => ({ path: i.path, code: i.code, message: i.message })),
            },
          );
        }
        const now = deps.now();
        const after = await updateVersioned(
          tx,
          row,
          { status: 'ACCEPTED', acceptedAt: now, reviewedById: caller.userId },
          now,
        );
        const commands = buildSampleCommands(caller, after, rows, now);
        // The event first: recordEvent holds the entity's writer lock, which both relays respect, until commit.
        await recordEvent(
          tx,
          submissionEvent(
            caller,
            row,
            'submission.accepted',
            now,
            {
              status: { from: row.status, to: 'ACCEPTED' },
              version: { from: row.version, to: after.version },
            },
            {
              samples: commands.filter((c) => c.payload.isControl === false).length,
              controls: commands.filter((c) => c.payload.isControl === true).length,
            },
          ),
        );
        await insertCommands(tx, commands);
        // The verified values, for the ai subgraph's retrieval corpus (only where there is an ai subgraph).
        if (deps.config.extraction) await announceAccepted(tx, caller, after, commands.length, now);
        return after;
      }, LARGE_TRANSACTION);
    },

    async reject(
      caller: Caller,
      id: string,
      reason: string,
      version: number | null | undefined,
    ): Promise<Submission> {
      const why = reasonText(reason, true);
      return prisma.$transaction(async (tx) => {
        const row = await readVisibleForUpdate(tx, caller, id);
        if (row.status === 'REJECTED') return row;
        assertExpectedVersion(row, version);
        assertStatus(row, ['IN_REVIEW'], 'rejected');
        const now = deps.now();
        const after = await updateVersioned(
          tx,
          row,
          { status: 'REJECTED', rejectedAt: now, rejectionReason: why, reviewedById: caller.userId },
          now,
        );
        await recordEvent(
          tx,
          submissionEvent(caller, row, 'submission.rejected', now, {
            status: { from: row.status, to: 'REJECTED' },
            rejectionReason: { from: null, to: why },
            version: { from: row.version, to: after.version },
          }),
        );
        return after;
      });
    },

    /** The submitter (with submissions:write) withdraws their own; a reviewer may cancel any. */
    async cancel(
      caller: Caller,
      id: string,
      reason: string | null | undefined,
      version: number | null | undefined,
    ) {
      const why = reasonText(reason, false);
      return prisma.$transaction(async (tx) => {
        const row = await readVisibleForUpdate(tx, caller, id);
        const isReviewer = caller.scopes.includes('submissions:review');
        const isOwnSubmitter =
          row.submittedById === caller.userId && caller.scopes.includes('submissions:write');
        if (!isReviewer && !isOwnSubmitter) {
          throw ERRORS.FORBIDDEN.err('only its submitter or a reviewer may cancel a submission', {
            rule: 'NOT_OWNER',
          });
        }
        if (row.status === 'CANCELLED') return row;
        assertExpectedVersion(row, version);
        assertStatus(row, ['DRAFT', 'EXTRACTING', 'IN_REVIEW'], 'cancelled');
        const now = deps.now();
        const after = await updateVersioned(tx, row, { status: 'CANCELLED', cancelledAt: now }, now);
        await recordEvent(
          tx,
          submissionEvent(
            caller,
            row,
            'submission.cancelled',
            now,
            {
              status: { from: row.status, to: 'CANCELLED' },
              version: { from: row.version, to: after.version },
            },
            { reason: why },
          ),
        );
        return after;
      });
    },
  };
}
