// Runs: a flow cell's run and the samples loaded on it, in load order. Every change writes its outbox events in
// the same transaction: run.* on the run, and sample.loaded_on_run / sample.removed_from_run on each sample, so
// that the sample's own audit trail shows where it was sequenced. MinKNOW's rules (minknow-rules.ts) are the
// same for createRun/updateRun (naming the field), addSamplesToRun (naming the entry) and the sample sheet.
import type {
  FlowCellFormat,
  Prisma,
  Run,
  RunSample,
  Sample,
} from '../../generated/prisma/samples/client.ts';
import {
  assertExpectedVersion as assertVersion,
  badUserInput,
  ERRORS,
  fromPrismaError,
} from '../kit/errors.ts';
import {
  callerEvent,
  diffChanges,
  recordEvent,
  type Changes,
  type EntityEventFields,
  type OutboxEventInput,
} from '../kit/outbox.ts';
import { MAX_BULK_IDS, SERVICE_NAME, type Caller, type SamplesDeps } from './deps.ts';
import { checkEntries } from './minknow-rules.ts';
import { buildMinknowSampleSheet } from './minknow.ts';
import {
  assertNewSamples,
  entryError,
  mergeRunUpdate,
  parseRunFields,
  RUN_FIELDS,
  toEntry,
  type CreateRunInput,
  type Entry,
  type RunSampleInput,
  type UpdateRunInput,
} from './run-input.ts';
import { isUuid } from '../kit/uuid.ts';
import { visibleRunWhere } from './visibility.ts';

export const MAX_RUNS_PAGE = 200;

const LOAD_ORDER = [
  { position: 'asc' },
  { sampleId: 'asc' },
] satisfies Prisma.RunSampleOrderByWithRelationInput[];

function event(caller: Caller, now: Date, fields: EntityEventFields): OutboxEventInput {
  return callerEvent(SERVICE_NAME, caller, now, fields);
}

/** On the sample's own trail (owned by its owner): which run and flow cell it went on or came off. */
function sampleEvent(caller: Caller, now: Date, type: string, run: Run, entry: Entry): OutboxEventInput {
  const { barcode, alias, type: sampleType } = entry;
  return event(caller, now, {
    type,
    entityType: 'Sample',
    entityId: entry.sample.id,
    ownerId: entry.sample.ownerId,
    payload: { runId: run.id, flowCellId: run.flowCellId, barcode, alias, type: sampleType },
  });
}

/** A change of the run's version alone (its samples changed), as outbox changes. */
function versionChange(before: Run, after: Run): Changes {
  return { version: { from: before.version, to: after.version } };
}

/**
 * Takes the run's row lock for the rest of the transaction: changes to one run's samples are serialised, so the
 * uniqueness checks below see every entry committed before them. NOT_FOUND if there is no such run.
 */
async function lockRun(tx: Prisma.TransactionClient, id: string): Promise<Run> {
  const locked = isUuid(id)
    ? await tx.$queryRaw<unknown[]>`SELECT id FROM run WHERE id = ${id}::uuid FOR UPDATE`
    : [];
  if (locked.length === 0) throw ERRORS.NOT_FOUND.err('run not found', { id });
  return tx.run.findUniqueOrThrow({ where: { id } });
}

function assertExpectedVersion(run: Run, expected: number | null | undefined): void {
  assertVersion('run', run.version, expected);
}

/** The samples of the entries, in their order; NOT_FOUND naming the first that does not exist (or is not visible). */
async function readEntrySamples(
  tx: Prisma.TransactionClient,
  caller: Caller,
  inputs: RunSampleInput[],
): Promise<Sample[]> {
  const ids = inputs.map((input) => input.sampleId).filter(isUuid);
  const rows = await tx.sample.findMany({ where: { id: { in: ids } } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return inputs.map(({ sampleId }, index) => {
    const sample = byId.get(sampleId);
    if (!sample || (caller.ownerId !== null && sample.ownerId !== caller.ownerId)) {
      throw ERRORS.NOT_FOUND.err(`samples[${index}]: sample ${sampleId} not found`, {
        field: 'samples',
        index,
        sampleId,
      });
    }
    return sample;
  });
}

export function createRunService(deps: SamplesDeps) {
  const { prisma } = deps;

  /** Marks the run changed (its samples); the caller holds its lock (lockRun). */
  async function bumpVersion(tx: Prisma.TransactionClient, run: Run, now: Date): Promise<Run> {
    return tx.run.update({ where: { id: run.id }, data: { version: { increment: 1 }, updatedAt: now } });
  }

  return {
    /** The runs the caller may see (visibility.ts), newest first. */
    async list(caller: Caller, format: FlowCellFormat | null | undefined, first: number): Promise<Run[]> {
      if (!Number.isInteger(first) || first < 1 || first > MAX_RUNS_PAGE) {
        throw badUserInput(`first must be between 1 and ${MAX_RUNS_PAGE}`, {
          field: 'first',
          rule: 'PAGE_SIZE',
        });
      }
      return prisma.run.findMany({
        where: { AND: [format ? { format } : {}, visibleRunWhere(caller)] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: first,
      });
    },

    /** The entries of each run in load order; a caller who sees only their own samples gets only those. */
    async listEntries(caller: Caller, runIds: readonly string[]): Promise<Map<string, RunSample[]>> {
      const rows = await prisma.runSample.findMany({
        where: {
          runId: { in: [...runIds] },
          ...(caller.ownerId !== null ? { sample: { ownerId: caller.ownerId } } : {}),
        },
        orderBy: LOAD_ORDER,
      });
      const byRun = new Map<string, RunSample[]>(runIds.map((id) => [id, []]));
      for (const row of rows) byRun.get(row.runId)?.push(row);
      return byRun;
    },

    /** The MinKNOW sample sheet; FORBIDDEN to a caller who may not see every sample on it. */
    async getSampleSheet(caller: Caller, run: Run): Promise<string> {
      const entries = await prisma.runSample.findMany({
        where: { runId: run.id },
        include: { sample: { select: { id: true, name: true, labSampleId: true, ownerId: true } } },
        orderBy: LOAD_ORDER,
      });
      if (caller.ownerId !== null && entries.some((entry) => entry.sample.ownerId !== caller.ownerId)) {
        throw ERRORS.FORBIDDEN.err("the sample sheet names other submitters' samples", {
          rule: 'OWN_SAMPLES_ONLY',
        });
      }
      return buildMinknowSampleSheet(run, entries);
    },

    async create(caller: Caller, input: CreateRunInput): Promise<Run> {
      const now = deps.now();
      const fields = parseRunFields({
        flowCellId: input.flowCellId,
        productCode: input.productCode,
        format: input.format,
        position: input.position ?? null,
        kit: input.kit,
        experimentId: input.experimentId,
        startedAt: input.startedAt ?? null,
        endedAt: null,
      });
      return prisma.$transaction(async (tx) => {
        const run = await tx.run.create({ data: { ...fields, createdAt: now, updatedAt: now } });
        const none = Object.fromEntries(RUN_FIELDS.map((field) => [field, null])) as Record<string, unknown>;
        const changes = diffChanges(none, run, [...RUN_FIELDS]);
        await recordEvent(
          tx,
          event(caller, now, { type: 'run.created', entityType: 'Run', entityId: run.id, changes }),
        );
        return run;
      });
    },

    /** Fields left out are unchanged; position, startedAt and endedAt may be cleared with null. */
    async update(
      caller: Caller,
      id: string,
      input: UpdateRunInput,
      version: number | null | undefined,
    ): Promise<Run> {
      const now = deps.now();
      return prisma.$transaction(async (tx) => {
        const before = await lockRun(tx, id);
        assertExpectedVersion(before, version);
        const fields = parseRunFields(mergeRunUpdate(before, input));
        const changes = diffChanges(before, fields, [...RUN_FIELDS]);
        if (Object.keys(changes).length === 0) return before;
        const after = await tx.run.update({
          where: { id },
          data: { ...fields, version: { increment: 1 }, updatedAt: now },
        });
        changes.version = { from: before.version, to: after.version };
        await recordEvent(
          tx,
          event(caller, now, { type: 'run.updated', entityType: 'Run', entityId: id, changes }),
        );
        return after;
      });
    },

    /** All the entries or none; barcodes and aliases stay unique on the flow cell. */
    async addSamples(caller: Caller, runId: string, inputs: RunSampleInput[]): Promise<Run> {
      if (inputs.length === 0 || inputs.length > MAX_BULK_IDS) {
        throw badUserInput(`give 1 to ${MAX_BULK_IDS} samples`, { field: 'samples', rule: 'SAMPLES_COUNT' });
      }
      const now = deps.now();
      try {
        return await prisma.$transaction(async (tx) => {
          const run = await lockRun(tx, runId);
          const existing = await tx.runSample.findMany({
            where: { runId },
            include: { sample: { select: { name: true, labSampleId: true } } },
            orderBy: LOAD_ORDER,
          });
          const samples = await readEntrySamples(tx, caller, inputs);
          assertNewSamples(samples, existing);
          const added = inputs.map((input, index) => toEntry(input, samples[index]!));
          const problem = checkEntries([...existing, ...added]);
          if (problem) throw entryError(problem, existing, added);

          const last = Math.max(0, ...existing.map((entry) => entry.position));
          await tx.runSample.createMany({
            data: added.map(({ sampleId, barcode, alias, type }, i) => ({
              runId,
              sampleId,
              barcode,
              alias,
              type,
              position: last + 1 + i,
            })),
          });
          const after = await bumpVersion(tx, run, now);
          const loaded = added.map(({ sampleId, barcode, alias, type }) => ({
            sampleId,
            barcode,
            alias,
            type,
          }));
          await recordEvent(
            tx,
            event(caller, now, {
              type: 'run.samples_added',
              entityType: 'Run',
              entityId: runId,
              changes: versionChange(run, after),
              payload: { samples: loaded },
            }),
          );
          for (const entry of added) {
            await recordEvent(tx, sampleEvent(caller, now, 'sample.loaded_on_run', run, entry));
          }
          return after;
        });
      } catch (error) {
        // A concurrent load past the run lock is impossible; the unique indexes stay the last line regardless.
        throw fromPrismaError(error, 'sample on this run');
      }
    },

    async removeSample(caller: Caller, runId: string, sampleId: string): Promise<Run> {
      const now = deps.now();
      return prisma.$transaction(async (tx) => {
        const run = await lockRun(tx, runId);
        const key = { runId_sampleId: { runId, sampleId } };
        const entry = isUuid(sampleId)
          ? await tx.runSample.findUnique({ where: key, include: { sample: true } })
          : null;
        if (!entry) throw ERRORS.NOT_FOUND.err('the sample is not on this run', { runId, sampleId });
        await tx.runSample.delete({ where: key });
        const after = await bumpVersion(tx, run, now);
        const { barcode, alias, type } = entry;
        await recordEvent(
          tx,
          event(caller, now, {
            type: 'run.sample_removed',
            entityType: 'Run',
            entityId: runId,
            changes: versionChange(run, after),
            payload: { sampleId, barcode, alias, type },
          }),
        );
        await recordEvent(tx, sampleEvent(caller, now, 'sample.removed_from_run', run, entry));
        return after;
      });
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;
