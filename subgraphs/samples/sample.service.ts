// Changes to samples: creating and editing their data, notes, assignment and priority, and (through
// sample-moves.ts) every workflow move. Each change is one transaction that also writes its outbox event; each
// bulk change runs per sample (sample-bulk.ts).
import { GraphQLError } from 'graphql';
import type { Prisma, Sample, SampleNote } from '../../generated/prisma/samples/client.ts';
import { badUserInput, ERRORS, fromPrismaError } from '../kit/errors.ts';
import { diffChanges, recordEvent } from '../kit/outbox.ts';
import { isUuid } from '../kit/uuid.ts';
import type { Caller, SamplesDeps } from './deps.ts';
import { runBulk, type BulkResult } from './sample-bulk.ts';
import { EDITABLE_FIELDS, normalizeSampleFields, type SampleFieldsInput } from './sample-input.ts';
import { createSampleMoves } from './sample-moves.ts';
import { checkOccurredAt } from './occurred-at.ts';
import { toStateColumns } from './sample-state.ts';
import { assertExpectedVersion, readVisibleSample, sampleEvent, updateVersioned } from './sample-store.ts';
import { getDueAt, type Priority } from './turnaround.ts';
import { createSubmittedState } from './workflow.ts';

export type CreateSampleFields = SampleFieldsInput & { name: string };

const MAX_NOTE_LENGTH = 5000;
/** What sample.created lists as set from nothing. */
const CREATED_FIELDS = ['name', 'labSampleId', 'submissionId', 'ownerId', 'status', 'priority'] as const;

/** A unique violation as CONFLICT naming the field: the lab sample id, or the name within its submission. */
function toSampleConflict(error: unknown): unknown {
  const mapped = fromPrismaError(error, 'sample');
  if (mapped === error || !(mapped instanceof GraphQLError) || mapped.extensions.code !== 'CONFLICT')
    return mapped;
  const onLabId = /lab_?sample_?id/i.test(JSON.stringify(mapped.extensions.target ?? ''));
  return onLabId
    ? ERRORS.CONFLICT.err('a sample with this lab sample id already exists', {
        field: 'labSampleId',
        rule: 'UNIQUE',
      })
    : ERRORS.CONFLICT.err('a sample with this name already exists in its submission', {
        field: 'name',
        rule: 'UNIQUE',
      });
}

async function assertProjectExists(tx: Prisma.TransactionClient, projectId: string | null | undefined) {
  if (!projectId) return;
  const project = await tx.project.findUnique({ where: { id: projectId }, select: { id: true } });
  if (!project) throw ERRORS.NOT_FOUND.err('project not found', { field: 'projectId' });
}

export function createSampleService(deps: SamplesDeps) {
  const { prisma } = deps;
  const moves = createSampleMoves(deps);

  /**
   * Reads one visible sample at the expected version and lets `change` write it, in one transaction. An ARCHIVED
   * sample's record is closed: its data, assignee and priority no longer change (notes still may be added).
   */
  function changeOne(
    caller: Caller,
    id: string,
    change: (tx: Prisma.TransactionClient, row: Sample, now: Date) => Promise<Sample>,
    expectedVersion?: number | null,
  ): Promise<Sample> {
    return prisma.$transaction(async (tx) => {
      const row = await readVisibleSample(tx, caller, id);
      assertExpectedVersion(row, expectedVersion);
      if (row.status === 'ARCHIVED') {
        throw ERRORS.INVALID_TRANSITION.err('the sample is archived; its record is closed', {
          rule: 'TERMINAL_STATUS',
        });
      }
      return change(tx, row, deps.now());
    });
  }

  return {
    ...moves,

    /**
     * `occurredAt`, when given, is when the sample was registered (a record moved from an earlier system): its
     * createdAt; updatedAt and the audit event keep the time of recording, and the event carries `occurredAt`.
     */
    async create(caller: Caller, input: CreateSampleFields, occurredAt?: Date | null): Promise<Sample> {
      const fields = normalizeSampleFields(input);
      const ownerId = (fields.ownerId as string | undefined) ?? caller.userId;
      const columns = toStateColumns(createSubmittedState(ownerId));
      const now = deps.now();
      const createdAt = occurredAt ? checkOccurredAt(occurredAt, { now, field: 'input.occurredAt' }) : now;
      try {
        return await prisma.$transaction(async (tx) => {
          await assertProjectExists(tx, fields.projectId);
          const sample = await tx.sample.create({
            data: {
              ...fields,
              name: fields.name as string,
              ownerId,
              ...columns,
              qc: columns.qc as Prisma.InputJsonValue,
              createdAt,
              updatedAt: now,
            },
          });
          const changes = diffChanges({} as Partial<Sample>, sample, [...CREATED_FIELDS]);
          const payload = {
            name: sample.name,
            labSampleId: sample.labSampleId,
            submissionId: sample.submissionId,
            ...(occurredAt ? { occurredAt: createdAt.toISOString() } : {}),
          };
          await recordEvent(tx, sampleEvent(caller, sample, 'sample.created', now, changes, payload));
          return sample;
        });
      } catch (error) {
        throw toSampleConflict(error);
      }
    },

    /** Data only (no workflow fields); no write, no event and no new version when nothing changes. */
    async update(
      caller: Caller,
      id: string,
      input: SampleFieldsInput,
      expectedVersion?: number | null,
    ): Promise<Sample> {
      const fields = normalizeSampleFields(input) as Partial<Sample>;
      try {
        return await changeOne(
          caller,
          id,
          async (tx, row, now) => {
            const changes = diffChanges(row, fields, [...EDITABLE_FIELDS]);
            if (Object.keys(changes).length === 0) return row;
            if (changes.projectId) await assertProjectExists(tx, fields.projectId);
            const data = Object.fromEntries(
              Object.keys(changes).map((field) => [field, fields[field as keyof Sample]]),
            );
            const after = await updateVersioned(tx, row, data, now);
            changes.version = { from: row.version, to: after.version };
            await recordEvent(tx, sampleEvent(caller, row, 'sample.updated', now, changes));
            return after;
          },
          expectedVersion,
        );
      } catch (error) {
        throw toSampleConflict(error);
      }
    },

    async addNote(caller: Caller, sampleId: string, body: string): Promise<SampleNote> {
      const text = body.trim();
      if (text.length < 1 || text.length > MAX_NOTE_LENGTH) {
        throw badUserInput(`a note must be 1 to ${MAX_NOTE_LENGTH} characters`, {
          field: 'body',
          rule: 'NOTE_LENGTH',
        });
      }
      return prisma.$transaction(async (tx) => {
        const sample = await readVisibleSample(tx, caller, sampleId);
        const now = deps.now();
        const note = await tx.sampleNote.create({
          data: { sampleId, authorId: caller.userId, body: text, createdAt: now },
        });
        const payload = { noteId: note.id, body: text };
        await recordEvent(tx, sampleEvent(caller, sample, 'sample.note_added', now, {}, payload));
        return note;
      });
    },

    /**
     * Assigns (null: unassigns). The user is not checked here: users live in the auth subgraph, which this one does
     * not call; the id only has to be well formed, and the router resolves it as a User.
     */
    assign(caller: Caller, ids: readonly string[], userId: string | null): Promise<BulkResult> {
      if (userId !== null && !isUuid(userId)) {
        throw badUserInput('userId is not a valid id', { field: 'userId', rule: 'ID_FORMAT' });
      }
      const assigneeId = userId?.toLowerCase() ?? null;
      const assignOne = (id: string) =>
        changeOne(caller, id, async (tx, row, now) => {
          if (row.assigneeId === assigneeId) return row;
          const after = await updateVersioned(tx, row, { assigneeId }, now);
          const changes = diffChanges(row, after, ['assigneeId', 'version']);
          await recordEvent(tx, sampleEvent(caller, row, 'sample.assigned', now, changes));
          return after;
        });
      return runBulk(ids, assignOne, deps.log);
    },

    /** A received sample's due date follows its new priority, still counted from its reception. */
    setPriority(caller: Caller, ids: readonly string[], priority: Priority): Promise<BulkResult> {
      const prioritizeOne = (id: string) =>
        changeOne(caller, id, async (tx, row, now) => {
          if (row.priority === priority) return row;
          const dueAt = row.receivedAt ? getDueAt(priority, row.receivedAt) : row.dueAt;
          const after = await updateVersioned(tx, row, { priority, dueAt }, now);
          const changes = diffChanges(row, after, ['priority', 'dueAt', 'version']);
          await recordEvent(tx, sampleEvent(caller, row, 'sample.priority_changed', now, changes));
          return after;
        });
      return runBulk(ids, prioritizeOne, deps.log);
    },
  };
}

export type SampleService = ReturnType<typeof createSampleService>;
