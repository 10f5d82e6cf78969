// The vocabulary of the sample workflow (docs/domain.md): stages, statuses, QC results and the names of its rules.

export const STAGES = [
  'SAMPLE_QC',
  'LIBRARY_PREP',
  'LIBRARY_QC',
  'SEQUENCING_SETUP',
  'SEQUENCING_RUN',
  'BASECALLING',
  'QUALITY_ASSESSMENT',
  'DATA_DELIVERY',
] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_NOMINAL_HOURS: Readonly<Record<Stage, number>> = {
  SAMPLE_QC: 1,
  LIBRARY_PREP: 4,
  LIBRARY_QC: 1,
  SEQUENCING_SETUP: 1,
  SEQUENCING_RUN: 48,
  BASECALLING: 2,
  QUALITY_ASSESSMENT: 1,
  DATA_DELIVERY: 1,
};

/** Stages that cannot be left without a QC record that passes (PASSED, or CONDITIONAL with a note). */
export const QC_STAGES = [
  'SAMPLE_QC',
  'LIBRARY_QC',
  'QUALITY_ASSESSMENT',
] as const satisfies readonly Stage[];
export type QcStage = (typeof QC_STAGES)[number];

export const QC_RESULTS = ['PASSED', 'CONDITIONAL', 'FAILED'] as const;
export type QcResult = (typeof QC_RESULTS)[number];

export const STATUSES = [
  'SUBMITTED',
  'RECEIVED',
  'IN_PREP',
  'SEQUENCING',
  'ANALYSIS',
  'COMPLETED',
  'DISTRIBUTED',
  'ARCHIVED',
  'ON_HOLD',
  'FAILED',
  'CANCELLED',
] as const;
export type Status = (typeof STATUSES)[number];
/** The statuses that are a phase of the lab stages: the status is derived from the stage. */
export type PhaseStatus = 'IN_PREP' | 'SEQUENCING' | 'ANALYSIS';
/** Where a sample can be put on hold from (and so resumed to). */
export type HoldableStatus = 'RECEIVED' | PhaseStatus;

export const STAGE_STATUS: Readonly<Record<Stage, PhaseStatus>> = {
  SAMPLE_QC: 'IN_PREP',
  LIBRARY_PREP: 'IN_PREP',
  LIBRARY_QC: 'IN_PREP',
  SEQUENCING_SETUP: 'SEQUENCING',
  SEQUENCING_RUN: 'SEQUENCING',
  BASECALLING: 'ANALYSIS',
  QUALITY_ASSESSMENT: 'ANALYSIS',
  DATA_DELIVERY: 'ANALYSIS',
};

/** Stable rule names; a refused move names exactly one. */
export const WORKFLOW_RULES = [
  'ROLE_FORBIDDEN',
  'SUBMITTER_CANCEL_ONLY',
  'SUBMITTER_NOT_OWNER',
  'SUBMITTER_CANCEL_ONLY_SUBMITTED',
  'TERMINAL_STATUS',
  'SAMPLE_ON_HOLD',
  'SAMPLE_FAILED',
  'WORKFLOW_COMPLETE',
  'NOT_RECEIVED',
  'ALREADY_RECEIVED',
  'NOT_QC_STAGE',
  'QC_REQUIRED',
  'QC_FAILED',
  'QC_NOTE_REQUIRED',
  'STAGE_SKIP',
  'STAGE_BACKWARD',
  'NOT_ON_HOLD',
  'NOT_FAILED',
  'REPROCESS_FORWARD',
  'DISTRIBUTE_ONLY_COMPLETED',
  'ARCHIVE_ONLY_CLOSED',
  'REASON_REQUIRED',
] as const;
export type WorkflowRule = (typeof WORKFLOW_RULES)[number];

const ROLE_RULES = new Set<WorkflowRule>([
  'ROLE_FORBIDDEN',
  'SUBMITTER_CANCEL_ONLY',
  'SUBMITTER_NOT_OWNER',
  'SUBMITTER_CANCEL_ONLY_SUBMITTED',
]);
/** The error code each rule becomes on the wire: who may not (FORBIDDEN), missing input, or the state says no. */
export function getRuleErrorCode(rule: WorkflowRule): 'FORBIDDEN' | 'BAD_USER_INPUT' | 'INVALID_TRANSITION' {
  if (ROLE_RULES.has(rule)) return 'FORBIDDEN';
  return rule === 'REASON_REQUIRED' ? 'BAD_USER_INPUT' : 'INVALID_TRANSITION';
}
