// The bridge between a sample row and the pure workflow state of workflow.ts: the row's workflow columns become a
// SampleWorkflowState, and a new state becomes the columns to write. The qc column is JSON, so its dates are
// stored as ISO strings and read back as Dates.
import type { Sample } from '../../generated/prisma/samples/client.ts';
import { QC_RESULTS, QC_STAGES, STAGES, type QcResult, type QcStage } from './stages.ts';
import type { QcRecord, SampleWorkflowState } from './workflow.ts';

export type QcStatus = QcResult | 'PENDING';

/** The columns a workflow move writes. */
export interface StateColumns {
  status: SampleWorkflowState['status'];
  stage: SampleWorkflowState['stage'];
  qc: {
    [stage in QcStage]?: { result: QcResult; note: string | null; recordedBy: string; recordedAt: string };
  };
  qcStatus: QcStatus;
  heldFromStatus: NonNullable<SampleWorkflowState['heldFrom']>['status'] | null;
  heldFromStage: SampleWorkflowState['stage'];
  enteredStageAt: Date | null;
  version: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stored QC record, or an error: the column is only ever written by toStateColumns, so a bad one is a bug. */
function toQcRecord(stage: string, value: unknown): QcRecord {
  if (
    !isObject(value) ||
    !(QC_RESULTS as readonly unknown[]).includes(value.result) ||
    typeof value.recordedBy !== 'string' ||
    typeof value.recordedAt !== 'string' ||
    !(typeof value.note === 'string' || value.note === null || value.note === undefined)
  ) {
    throw new Error(`sample qc: malformed record for ${stage}`);
  }
  return {
    result: value.result as QcResult,
    note: (value.note as string | null | undefined) ?? null,
    recordedBy: value.recordedBy,
    recordedAt: new Date(value.recordedAt),
  };
}

export function toWorkflowState(row: Sample): SampleWorkflowState {
  const qc: Partial<Record<QcStage, QcRecord>> = {};
  if (isObject(row.qc)) {
    for (const [stage, value] of Object.entries(row.qc)) {
      if (!(QC_STAGES as readonly string[]).includes(stage))
        throw new Error(`sample qc: unknown stage ${stage}`);
      qc[stage as QcStage] = toQcRecord(stage, value);
    }
  }
  return {
    status: row.status,
    stage: row.stage,
    qc,
    heldFrom:
      row.heldFromStatus === null
        ? null
        : {
            status: row.heldFromStatus as NonNullable<StateColumns['heldFromStatus']>,
            stage: row.heldFromStage,
          },
    enteredStageAt: row.enteredStageAt,
    ownerId: row.ownerId,
    version: row.version,
  };
}

/** The result of the most recently recorded QC (a later stage wins a tie); PENDING when none is recorded. */
export function getQcStatus(qc: SampleWorkflowState['qc']): QcStatus {
  let latest: { record: QcRecord; index: number } | null = null;
  for (const [stage, record] of Object.entries(qc) as [QcStage, QcRecord | undefined][]) {
    if (!record) continue;
    const index = STAGES.indexOf(stage);
    const time = record.recordedAt.getTime();
    const latestTime = latest?.record.recordedAt.getTime() ?? -Infinity;
    if (!latest || time > latestTime || (time === latestTime && index > latest.index))
      latest = { record, index };
  }
  return latest?.record.result ?? 'PENDING';
}

export function toStateColumns(state: SampleWorkflowState): StateColumns {
  const qc: StateColumns['qc'] = {};
  for (const [stage, record] of Object.entries(state.qc) as [QcStage, QcRecord | undefined][]) {
    if (!record) continue;
    qc[stage] = {
      result: record.result,
      note: record.note,
      recordedBy: record.recordedBy,
      recordedAt: record.recordedAt.toISOString(),
    };
  }
  return {
    status: state.status,
    stage: state.stage,
    qc,
    qcStatus: getQcStatus(state.qc),
    heldFromStatus: state.heldFrom?.status ?? null,
    heldFromStage: state.heldFrom?.stage ?? null,
    enteredStageAt: state.enteredStageAt,
    version: state.version,
  };
}
