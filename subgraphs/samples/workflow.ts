// The sample workflow of docs/domain.md as pure rules: one state, one move, one answer. Every mutation and every bulk
// operation goes through applyMove, so status and stage only ever change together, by these rules. No database
// and no GraphQL here: a refused move is a value ({ ok: false, rule }) that the resolver turns into the error code
// RULE_ERROR_CODES names (INVALID_TRANSITION, FORBIDDEN or BAD_USER_INPUT), with the rule in its extensions.
//
// Decisions docs/domain.md leaves open:
// - SUBMITTED and RECEIVED have no stage (null): no lab work has started; advancing from RECEIVED enters SAMPLE_QC.
// - DATA_DELIVERY runs under status ANALYSIS: COMPLETED means "delivery done", so it is entered by advancing out of
//   DATA_DELIVERY, and COMPLETED, DISTRIBUTED (and ARCHIVED after them) have no stage again.
// - ON_HOLD keeps the stage and remembers { status, stage } in heldFrom; resume restores exactly that. The stage
//   clock (enteredStageAt) keeps running on hold: time in stage is wall time, hold included.
// - FAILED and CANCELLED keep the stage they stopped at. Reprocess restarts at a stage chosen by staff, at or before
//   the failed one (default: LIBRARY_PREP, or SAMPLE_QC when it failed there), and clears the QC from that stage
//   on. A sample that failed before any stage (at reception) cannot be reprocessed: it is cancelled or archived.
// - DISTRIBUTED only from COMPLETED. ARCHIVED from DISTRIBUTED, FAILED or CANCELLED: archiving files away samples
//   whose story is over; a COMPLETED sample still owes the customer its data, so it is distributed first.
// - CANCELLED is terminal for the workflow (no move but archive); ARCHIVED is terminal for everything.

import {
  STAGES,
  QC_STAGES,
  STAGE_STATUS,
  type Stage,
  type QcStage,
  type QcResult,
  type Status,
  type HoldableStatus,
  type WorkflowRule,
} from './stages.ts';

export interface QcRecord {
  result: QcResult;
  /** Required for CONDITIONAL and FAILED. */
  note: string | null;
  recordedBy: string;
  recordedAt: Date;
}

export interface SampleWorkflowState {
  status: Status;
  /** The lab stage the sample is in; null before SAMPLE_QC and after DATA_DELIVERY (see the header). */
  stage: Stage | null;
  /** The latest QC record per QC stage; cleared from the restart stage on by reprocess. */
  qc: Readonly<Partial<Record<QcStage, QcRecord>>>;
  /** Set exactly while ON_HOLD: where resume returns to. */
  heldFrom: { status: HoldableStatus; stage: Stage | null } | null;
  /** When the current stage was entered (or restarted); null exactly when stage is null. */
  enteredStageAt: Date | null;
  /** The submitter the sample belongs to. */
  ownerId: string;
  /** Bumped by every move; the store uses it for optimistic concurrency. */
  version: number;
}

export type Move =
  | { type: 'receive'; reason?: string }
  | { type: 'recordQc'; result: QcResult; note?: string }
  /** toStage, when given, must be the next stage: a guard against skipping or a stale client. */
  | { type: 'advance'; toStage?: Stage; reason?: string }
  | { type: 'hold'; reason: string }
  | { type: 'resume'; reason?: string }
  | { type: 'fail'; reason: string }
  /** toStage defaults to getDefaultReprocessStage(the failed stage). */
  | { type: 'reprocess'; toStage?: Stage; reason?: string }
  | { type: 'cancel'; reason: string }
  | { type: 'markDistributed'; reason?: string }
  | { type: 'archive'; reason?: string };
export type MoveType = Move['type'];

/** Who moves; Identity from common/identity.ts fits. */
export interface Actor {
  userId: string;
  roles: readonly string[];
}

export interface HistoryEntry {
  move: MoveType;
  fromStatus: Status;
  toStatus: Status;
  fromStage: Stage | null;
  toStage: Stage | null;
  actorId: string;
  /** The move's reason, or the QC note for recordQc. */
  reason: string | null;
  /** The result recorded, for recordQc. */
  qcResult: QcResult | null;
  at: Date;
  /** Time spent in fromStage, when this move left or restarted it; otherwise null. */
  timeInStageMs: number | null;
}

export interface MoveRefusal {
  ok: false;
  rule: WorkflowRule;
  message: string;
}
export type MoveResult = { ok: true; state: SampleWorkflowState; history: HistoryEntry } | MoveRefusal;

const HOLDABLE: readonly Status[] = ['RECEIVED', 'IN_PREP', 'SEQUENCING', 'ANALYSIS'];
const ARCHIVABLE: readonly Status[] = ['DISTRIBUTED', 'FAILED', 'CANCELLED'];

export function isQcStage(stage: Stage | null): stage is QcStage {
  return (QC_STAGES as readonly (Stage | null)[]).includes(stage);
}

/** PASSED, or CONDITIONAL with a note: enough to leave the QC stage. */
export function isQcPassing(record: QcRecord | undefined): boolean {
  if (!record) return false;
  return record.result === 'PASSED' || (record.result === 'CONDITIONAL' && hasText(record.note));
}

export function getDefaultReprocessStage(failedStage: Stage): Stage {
  return failedStage === 'SAMPLE_QC' ? 'SAMPLE_QC' : 'LIBRARY_PREP';
}

/** Why the state breaks the status/stage invariant, or null when it holds. */
export function getInconsistency(state: SampleWorkflowState): string | null {
  const { status, stage, qc, heldFrom } = state;
  if (!Number.isInteger(state.version) || state.version < 0) return 'version must be a non-negative integer';
  if (stage !== null && !STAGES.includes(stage)) return `unknown stage ${String(stage)}`;
  if ((stage === null) !== (state.enteredStageAt === null))
    return 'enteredStageAt must be set exactly with a stage';
  if (status !== 'ON_HOLD' && heldFrom !== null) return `heldFrom is set while ${status}`;
  switch (status) {
    case 'SUBMITTED':
    case 'RECEIVED':
      return stage === null ? getQcInconsistency(qc, null) : `${status} has no stage, not ${stage}`;
    case 'IN_PREP':
    case 'SEQUENCING':
    case 'ANALYSIS':
      if (stage === null || STAGE_STATUS[stage] !== status) return `${status} cannot be at stage ${stage}`;
      return getQcInconsistency(qc, stage);
    case 'COMPLETED':
    case 'DISTRIBUTED':
      return stage === null ? getQcInconsistency(qc, 'DONE') : `${status} has no stage, not ${stage}`;
    case 'ON_HOLD':
      if (!heldFrom || !HOLDABLE.includes(heldFrom.status))
        return 'ON_HOLD needs heldFrom with a holdable status';
      if (heldFrom.stage !== stage) return 'ON_HOLD keeps the stage it was held at';
      return getInconsistency({ ...state, status: heldFrom.status, heldFrom: null });
    case 'FAILED':
    case 'CANCELLED':
      return getQcInconsistency(qc, stage);
    case 'ARCHIVED':
      // Archived after distribution (all QC passed, no stage) or after failing / cancelling (stage kept).
      if (stage === null && getQcInconsistency(qc, null) === null) return null;
      return getQcInconsistency(qc, stage ?? 'DONE');
    default:
      return `unknown status ${String(status)}`;
  }
}

export function isConsistent(state: SampleWorkflowState): boolean {
  return getInconsistency(state) === null;
}

/**
 * QC stages before `at` were left, so their QC passes; those after were never reached (or were cleared by
 * reprocess), so they have none; `at` itself may hold any record. null: before any stage; 'DONE': after the last.
 */
function getQcInconsistency(qc: SampleWorkflowState['qc'], at: Stage | null | 'DONE'): string | null {
  const atIndex = at === null ? -1 : at === 'DONE' ? STAGES.length : STAGES.indexOf(at);
  for (const qcStage of QC_STAGES) {
    const index = STAGES.indexOf(qcStage);
    if (index < atIndex && !isQcPassing(qc[qcStage])) return `${qcStage} was left without passing QC`;
    if (index > atIndex && qc[qcStage]) return `${qcStage} has QC but was not reached`;
  }
  return null;
}

function refuse(rule: WorkflowRule, message: string): MoveRefusal {
  return { ok: false, rule, message };
}

function hasText(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** STAFF and ADMIN move; a SUBMITTER may only cancel their own sample while SUBMITTED; anyone else reads. */
function checkRole(state: SampleWorkflowState, move: Move, actor: Actor): MoveRefusal | null {
  if (actor.roles.includes('STAFF') || actor.roles.includes('ADMIN')) return null;
  if (!actor.roles.includes('SUBMITTER')) return refuse('ROLE_FORBIDDEN', 'only STAFF or ADMIN move samples');
  if (move.type !== 'cancel') return refuse('SUBMITTER_CANCEL_ONLY', 'a submitter may only cancel a sample');
  if (state.ownerId !== actor.userId)
    return refuse('SUBMITTER_NOT_OWNER', 'a submitter may cancel only their own');
  if (state.status !== 'SUBMITTED') {
    return refuse(
      'SUBMITTER_CANCEL_ONLY_SUBMITTED',
      `a submitter may cancel only while SUBMITTED, not ${state.status}`,
    );
  }
  return null;
}

/** For moves that act on a sample in the lab (RECEIVED or a stage phase): why this status is not that. */
function checkInLab(status: Status): MoveRefusal | null {
  if (status === 'SUBMITTED') return refuse('NOT_RECEIVED', 'the sample has not been received');
  if (status === 'ON_HOLD') return refuse('SAMPLE_ON_HOLD', 'the sample is on hold; resume it first');
  if (status === 'FAILED')
    return refuse('SAMPLE_FAILED', 'the sample failed; reprocess, cancel or archive it');
  if (status === 'COMPLETED' || status === 'DISTRIBUTED') {
    return refuse('WORKFLOW_COMPLETE', `the sample is ${status}; its lab work is done`);
  }
  return null;
}

function checkQcGate(stage: QcStage, record: QcRecord | undefined): MoveRefusal | null {
  if (!record) return refuse('QC_REQUIRED', `leaving ${stage} needs its QC recorded`);
  if (record.result === 'FAILED') return refuse('QC_FAILED', `${stage} QC failed`);
  if (!isQcPassing(record)) return refuse('QC_NOTE_REQUIRED', `a CONDITIONAL ${stage} QC needs a note`);
  return null;
}

type Next = Pick<SampleWorkflowState, 'status' | 'stage'> &
  Partial<Pick<SampleWorkflowState, 'qc' | 'heldFrom'>> & { restartStage?: boolean };

function transition(state: SampleWorkflowState, move: Move, actorId: string, now: Date): Next | MoveRefusal {
  const { status, stage } = state;
  if (status === 'ARCHIVED' || (status === 'CANCELLED' && move.type !== 'archive')) {
    return refuse('TERMINAL_STATUS', `the sample is ${status}`);
  }
  switch (move.type) {
    case 'receive':
      if (status !== 'SUBMITTED') return refuse('ALREADY_RECEIVED', `the sample is ${status}`);
      return { status: 'RECEIVED', stage: null };
    case 'recordQc': {
      const refusal = checkInLab(status);
      if (refusal) return refusal;
      if (!isQcStage(stage)) return refuse('NOT_QC_STAGE', `QC is recorded in ${QC_STAGES.join(', ')}`);
      if (move.result !== 'PASSED' && !hasText(move.note)) {
        return refuse('QC_NOTE_REQUIRED', `a ${move.result} QC needs a note`);
      }
      const record = {
        result: move.result,
        note: move.note?.trim() || null,
        recordedBy: actorId,
        recordedAt: now,
      };
      return { status, stage, qc: { ...state.qc, [stage]: record } };
    }
    case 'advance': {
      const refusal = checkInLab(status);
      if (refusal) return refusal;
      const index = stage === null ? -1 : STAGES.indexOf(stage);
      const next = STAGES[index + 1] ?? null;
      if (move.toStage !== undefined) {
        const target = STAGES.indexOf(move.toStage);
        if (next === null || target <= index)
          return refuse('STAGE_BACKWARD', `advance cannot go to ${move.toStage}`);
        if (target > index + 1) return refuse('STAGE_SKIP', `the next stage is ${next}, not ${move.toStage}`);
      }
      const gate = isQcStage(stage) ? checkQcGate(stage, state.qc[stage]) : null;
      if (gate) return gate;
      return next === null
        ? { status: 'COMPLETED', stage: null }
        : { status: STAGE_STATUS[next], stage: next };
    }
    case 'hold': {
      const refusal = checkInLab(status);
      if (refusal) return refusal;
      if (!hasText(move.reason)) return refuse('REASON_REQUIRED', 'a hold needs a reason');
      return { status: 'ON_HOLD', stage, heldFrom: { status: status as HoldableStatus, stage } };
    }
    case 'resume':
      if (status !== 'ON_HOLD' || !state.heldFrom) return refuse('NOT_ON_HOLD', `the sample is ${status}`);
      return { status: state.heldFrom.status, stage: state.heldFrom.stage };
    case 'fail': {
      const refusal = checkInLab(status);
      if (refusal) return refusal;
      if (!hasText(move.reason)) return refuse('REASON_REQUIRED', 'a failure needs a reason');
      return { status: 'FAILED', stage };
    }
    case 'reprocess': {
      if (status !== 'FAILED')
        return refuse('NOT_FAILED', `only a FAILED sample is reprocessed, not ${status}`);
      if (stage === null) return refuse('REPROCESS_FORWARD', 'the sample failed before any stage');
      const target = move.toStage ?? getDefaultReprocessStage(stage);
      if (STAGES.indexOf(target) > STAGES.indexOf(stage)) {
        return refuse('REPROCESS_FORWARD', `reprocess restarts at or before ${stage}, not ${target}`);
      }
      const qc = Object.fromEntries(
        Object.entries(state.qc).filter(
          ([qcStage]) => STAGES.indexOf(qcStage as Stage) < STAGES.indexOf(target),
        ),
      );
      return { status: STAGE_STATUS[target], stage: target, qc, restartStage: true };
    }
    case 'cancel':
      if (status === 'COMPLETED' || status === 'DISTRIBUTED') {
        return refuse('WORKFLOW_COMPLETE', `a ${status} sample is not cancelled`);
      }
      if (!hasText(move.reason)) return refuse('REASON_REQUIRED', 'a cancellation needs a reason');
      return { status: 'CANCELLED', stage };
    case 'markDistributed':
      if (status !== 'COMPLETED') return refuse('DISTRIBUTE_ONLY_COMPLETED', `the sample is ${status}`);
      return { status: 'DISTRIBUTED', stage: null };
    case 'archive':
      if (!ARCHIVABLE.includes(status))
        return refuse('ARCHIVE_ONLY_CLOSED', `a ${status} sample is not archived`);
      return { status: 'ARCHIVED', stage };
  }
}

/**
 * Applies one move by one actor at `now`: the next state (version bumped) and its history row, or the rule that
 * refuses it. Throws only when given a state that already breaks the invariant (a bug or bad data, not a user error).
 */
export function applyMove(state: SampleWorkflowState, move: Move, actor: Actor, now: Date): MoveResult {
  const inconsistency = getInconsistency(state);
  if (inconsistency) throw new Error(`applyMove: inconsistent sample state: ${inconsistency}`);
  const refusal = checkRole(state, move, actor);
  if (refusal) return refusal;
  const next = transition(state, move, actor.userId, now);
  if ('ok' in next) return next;

  const stageChanged = next.stage !== state.stage || next.restartStage === true;
  const nextState: SampleWorkflowState = {
    ...state,
    status: next.status,
    stage: next.stage,
    qc: next.qc ?? state.qc,
    heldFrom: next.heldFrom ?? null,
    enteredStageAt: stageChanged ? (next.stage === null ? null : now) : state.enteredStageAt,
    version: state.version + 1,
  };
  const after = getInconsistency(nextState);
  if (after) throw new Error(`applyMove: ${move.type} produced an inconsistent state: ${after}`);
  const reason = move.type === 'recordQc' ? move.note : move.reason;
  return {
    ok: true,
    state: nextState,
    history: {
      move: move.type,
      fromStatus: state.status,
      toStatus: nextState.status,
      fromStage: state.stage,
      toStage: nextState.stage,
      actorId: actor.userId,
      reason: reason?.trim() || null,
      qcResult: move.type === 'recordQc' ? move.result : null,
      at: now,
      timeInStageMs:
        stageChanged && state.enteredStageAt ? now.getTime() - state.enteredStageAt.getTime() : null,
    },
  };
}

/** A sample as it is created by a submission: SUBMITTED, no stage, version 0. */
export function createSubmittedState(ownerId: string): SampleWorkflowState {
  return {
    status: 'SUBMITTED',
    stage: null,
    qc: {},
    heldFrom: null,
    enteredStageAt: null,
    ownerId,
    version: 0,
  };
}
