// Workflow moves against the database. Every move, single or bulk, goes through `move`: one transaction that reads
// the row, lets workflow.ts decide, writes the new state with optimistic concurrency, and records the history row
// and the outbox event. So the rules are the same everywhere, and a refused move changes nothing.
import type { Prisma, Sample } from '../../generated/prisma/samples/client.ts';
import { ERRORS } from '../kit/errors.ts';
import { diffChanges, recordEvent, type JsonValue } from '../kit/outbox.ts';
import type { Caller, SamplesDeps } from './deps.ts';
import { runBulk, type BulkResult } from './sample-bulk.ts';
import { toStateColumns, toWorkflowState } from './sample-state.ts';
import { assertExpectedVersion, readVisibleSample, sampleEvent, updateVersioned } from './sample-store.ts';
import { checkOccurredAt } from './occurred-at.ts';
import { getRuleErrorCode } from './stages.ts';
import { getDueAt } from './turnaround.ts';
import {
  applyMove,
  type HistoryEntry,
  type Move,
  type MoveResult,
  type MoveType,
  type SampleWorkflowState,
} from './workflow.ts';

type MoveSuccess = Extract<MoveResult, { ok: true }>;

const EVENT_TYPES: Readonly<Record<MoveType, string>> = {
  receive: 'sample.received',
  recordQc: 'sample.qc_recorded',
  advance: 'sample.advanced',
  hold: 'sample.held',
  resume: 'sample.resumed',
  fail: 'sample.failed',
  reprocess: 'sample.reprocessed',
  cancel: 'sample.cancelled',
  markDistributed: 'sample.distributed',
  archive: 'sample.archived',
};

/** The columns an event lists when they change. */
const EVENT_FIELDS = [
  'status',
  'stage',
  'qcStatus',
  'version',
  'receivedAt',
  'dueAt',
  'completedAt',
  'distributedAt',
] as const satisfies readonly (keyof Sample)[];

/** Timestamps and the due date that follow from a move, beside the workflow state itself. */
function getSideColumns(
  row: Sample,
  move: Move,
  next: SampleWorkflowState,
  now: Date,
): Partial<Pick<Sample, 'receivedAt' | 'dueAt' | 'completedAt' | 'distributedAt'>> {
  if (move.type === 'receive') return { receivedAt: now, dueAt: getDueAt(row.priority, now) };
  if (move.type === 'markDistributed') return { distributedAt: now };
  if (next.status === 'COMPLETED' && row.status !== 'COMPLETED') return { completedAt: now };
  return {};
}

/** The facts an auditor needs beside the column changes: the move, its reason and what the rules looked at. */
function getPayload(
  row: Sample,
  move: Move,
  before: SampleWorkflowState,
  result: MoveSuccess,
  occurredAt: Date | null,
) {
  const { history, state: next } = result;
  const payload: Record<string, JsonValue> = { move: move.type, reason: history.reason };
  if (occurredAt) payload.occurredAt = occurredAt.toISOString();
  if (history.timeInStageMs !== null) payload.timeInStageMs = history.timeInStageMs;
  if (move.type === 'recordQc') Object.assign(payload, { qcStage: row.stage, qcResult: move.result });
  if (move.type === 'advance' && move.toStage) payload.requestedStage = move.toStage;
  if (move.type === 'hold') Object.assign(payload, { heldFromStatus: row.status, heldFromStage: row.stage });
  if (move.type === 'reprocess') {
    payload.qcCleared = Object.keys(before.qc).filter((stage) => !(stage in next.qc));
  }
  return payload;
}

function historyData(sampleId: string, history: HistoryEntry): Prisma.SampleHistoryCreateManyInput {
  return {
    sampleId,
    move: history.move,
    fromStatus: history.fromStatus,
    toStatus: history.toStatus,
    fromStage: history.fromStage,
    toStage: history.toStage,
    actorId: history.actorId,
    reason: history.reason,
    qcResult: history.qcResult,
    at: history.at,
    timeInStageMs: history.timeInStageMs,
  };
}

export function createSampleMoves(deps: SamplesDeps) {
  const { prisma } = deps;

  /** When a move given `occurredAt` happened: checked against the clock and the sample's latest change. */
  async function getMoveTime(tx: Prisma.TransactionClient, row: Sample, now: Date, occurredAt: Date) {
    const latest = await tx.sampleHistory.findFirst({
      where: { sampleId: row.id },
      orderBy: { at: 'desc' },
      select: { at: true },
    });
    const notBefore = latest && latest.at > row.createdAt ? latest.at : row.createdAt;
    return checkOccurredAt(occurredAt, { now, notBefore });
  }

  /**
   * One workflow move of one sample; `expectedVersion`, when given, must be the sample's current version.
   * `occurredAt`, when given, is when the move happened (occurred-at.ts): the history row, the QC record and the
   * reception and completion times take it; the row's updatedAt and the audit event keep the time of recording.
   */
  async function move(
    caller: Caller,
    id: string,
    step: Move,
    expectedVersion?: number | null,
    occurredAt?: Date | null,
  ): Promise<Sample> {
    const { row, after } = await prisma.$transaction(async (tx) => {
      const row = await readVisibleSample(tx, caller, id);
      assertExpectedVersion(row, expectedVersion);
      const now = deps.now();
      const at = occurredAt ? await getMoveTime(tx, row, now, occurredAt) : now;
      const before = toWorkflowState(row);
      const result = applyMove(before, step, caller, at);
      if (!result.ok) throw ERRORS[getRuleErrorCode(result.rule)].err(result.message, { rule: result.rule });

      const columns = toStateColumns(result.state);
      const data = {
        ...columns,
        qc: columns.qc as Prisma.InputJsonValue,
        ...getSideColumns(row, step, result.state, at),
      };
      const after = await updateVersioned(tx, row, data, now);
      await tx.sampleHistory.createMany({ data: [historyData(row.id, result.history)] });
      const changes = diffChanges(row, after, [...EVENT_FIELDS]);
      const payload = getPayload(row, step, before, result, occurredAt ? at : null);
      await recordEvent(tx, sampleEvent(caller, row, EVENT_TYPES[step.type], now, changes, payload));
      return { row, after };
    });
    deps.workflowMetrics?.moved(step.type, row, after);
    return after;
  }

  return {
    move,
    /** The same move on each sample, each by the rules of the single move, each in its own transaction. */
    bulkMove(
      caller: Caller,
      ids: readonly string[],
      bulk: Move,
      occurredAt?: Date | null,
    ): Promise<BulkResult> {
      return runBulk(ids, (id) => move(caller, id, bulk, null, occurredAt), deps.log);
    },
  };
}
