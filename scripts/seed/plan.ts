// The demo lab's history as data: batches of samples received over about six months, each sample's story as a
// list of dated workflow steps (the moves of subgraphs/samples/workflow.ts, in order), the flow-cell runs and the
// QC reports. Pure and deterministic: the same anchor (the seed's "now") and size always give the same plan, so a
// second run finds every step already done, and an interrupted run is completed from where it stopped.
//
// Realism, in brief: the lab works in batches (one project's samples arrive together and move through the stages
// together, so most moves are bulk moves sharing a time); each stage takes a batch-specific time scaled by priority;
// sequencing sometimes waits days for a flow-cell slot (the bottleneck); a few samples get a conditional or failed QC
// (failed: reprocessed, archived, or still failed), a few are held (resumed days later, or still held), a few are
// withdrawn before reception. The last ten batches are placed so that, at the anchor, one sits in each stage
// (and one is not yet received), so every stage and status has samples whatever the size.
import {
  FLOW_CELL_PREFIX,
  PRODUCT_CODES,
  PROJECTS,
  SEED_SAMPLE_PREFIX,
  STAFF_KEYS,
  USERS,
  seedEmail,
  type FlowCellFormat,
  type SeedProject,
} from './lab.ts';
import { random, type Random } from './random.ts';
// The workflow's vocabulary, from the samples subgraph that defines it (docs/domain.md).
import {
  QC_STAGES as QC_STAGE_LIST,
  STAGES,
  type QcResult,
  type Stage,
} from '../../subgraphs/samples/stages.ts';

const QC_STAGES: readonly Stage[] = QC_STAGE_LIST;

export type Priority = 'URGENT' | 'HIGH' | 'NORMAL' | 'LOW';
/** The history's move names (SampleHistoryEntry.move). */
export type MoveName =
  | 'receive'
  | 'recordQc'
  | 'advance'
  | 'hold'
  | 'resume'
  | 'fail'
  | 'reprocess'
  | 'cancel'
  | 'markDistributed'
  | 'archive';

export interface Step {
  move: MoveName;
  at: Date;
  /** advance: the expected next stage (absent when leaving DATA_DELIVERY); reprocess: the restart stage. */
  toStage?: Stage;
  reason?: string;
  /** recordQc */
  result?: QcResult;
}

export interface PlannedSample {
  labSampleId: string;
  name: string;
  batch: number;
  project: SeedProject;
  ownerKey: string;
  assigneeKey: string;
  priority: Priority;
  createdAt: Date;
  /** createSample's data fields (without owner, project and occurredAt). */
  fields: Record<string, unknown>;
  /** Oldest first; none later than the anchor. */
  steps: Step[];
  /** A QC report file is attached (those of a third of the batches, once their sample QC is recorded). */
  qcReport: boolean;
}

export interface PlannedRun {
  experimentId: string;
  flowCellId: string;
  productCode: string;
  format: FlowCellFormat;
  position: string | null;
  kit: string;
  startedAt: Date;
  endedAt: Date | null;
  samples: { labSampleId: string; barcode: string }[];
}

export interface Plan {
  anchor: Date;
  samples: PlannedSample[];
  runs: PlannedRun[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Hours a batch spends in each stage at NORMAL priority: drawn per batch within these bounds. */
const STAGE_HOURS: Record<Stage, [number, number]> = {
  SAMPLE_QC: [3, 20],
  LIBRARY_PREP: [6, 30],
  LIBRARY_QC: [2, 8],
  SEQUENCING_SETUP: [1, 6],
  SEQUENCING_RUN: [48, 72],
  BASECALLING: [6, 20],
  QUALITY_ASSESSMENT: [2, 10],
  DATA_DELIVERY: [2, 16],
};
/** How much faster the lab moves a batch of each priority (a run takes what it takes: never under half). */
const SPEED: Record<Priority, number> = { URGENT: 0.35, HIGH: 0.6, NORMAL: 1, LOW: 1.4 };

/** Where the last batches stand at the anchor: one not yet received, one received, then one per stage. */
const TARGETS = ['SUBMITTED', 'RECEIVED', ...STAGES] as const;
const TARGET_PRIORITIES: readonly Priority[] = [
  'NORMAL',
  'URGENT',
  'NORMAL',
  'HIGH',
  'NORMAL',
  'URGENT',
  'NORMAL',
  'HIGH',
  'NORMAL',
  'LOW',
];
/** How far back the history reaches. */
const HISTORY_DAYS = 180;

const QC_NOTES: Record<Stage, { conditional: string[]; failed: string[] }> = {
  SAMPLE_QC: {
    conditional: ['Yield below the requested 1 µg; proceeding as agreed with the submitter'],
    failed: ['Degraded: most fragments under 5 kb on the TapeStation', 'A260/230 under 1.5 after clean-up'],
  },
  LIBRARY_PREP: { conditional: [], failed: [] },
  LIBRARY_QC: {
    conditional: ['Library at 8 fmol/µL, under the 10 fmol/µL target; loading more volume'],
    failed: ['Library concentration too low to load', 'Adapter dimers dominate the library'],
  },
  SEQUENCING_SETUP: { conditional: [], failed: [] },
  SEQUENCING_RUN: { conditional: [], failed: [] },
  BASECALLING: { conditional: [], failed: [] },
  QUALITY_ASSESSMENT: {
    conditional: ['N50 of 9 kb, under the 15 kb target; data still useful for the project'],
    failed: ['Under 10 % of the requested yield; pores blocked early in the run'],
  },
  DATA_DELIVERY: { conditional: [], failed: [] },
};
const HOLD_REASONS = [
  'Waiting for the submitter to confirm the barcode assignment',
  'Flow cells of this type out of stock; reorder placed',
  'Sequencer under maintenance',
  'Waiting for the submitter to approve the extra cost',
];

type Fate =
  | { kind: 'normal' }
  | { kind: 'conditional'; stage: Stage }
  | { kind: 'fail'; stage: Stage; then: 'reprocess' | 'archive' | 'stay' }
  | { kind: 'hold'; stage: Stage; days: number }
  | { kind: 'cancel'; archive: boolean };

const minutes = (ms: number) => Math.round(ms / 60_000) * 60_000;
const at = (ms: number) => new Date(minutes(ms));

/** The weekday at or after `ms` (a lab receives nothing on Saturdays and Sundays), at hour `hour` UTC. */
function weekdayAt(ms: number, hour: number): number {
  const day = new Date(ms);
  let date = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  while ([0, 6].includes(new Date(date).getUTCDay())) date += DAY;
  return date + hour * HOUR;
}

interface Batch {
  index: number;
  project: SeedProject;
  priority: Priority;
  size: number;
  receivedAt: number;
  createdAt: number;
  /** Hours to move from reception into SAMPLE_QC. */
  intakeHours: number;
  hours: Record<Stage, number>;
  /** Days waiting for a flow-cell slot, added to SEQUENCING_SETUP. */
  queueDays: number;
  /** The index of the last ten (TARGETS), or -1. */
  target: number;
}

function drawHours(r: Random, priority: Priority): Record<Stage, number> {
  return Object.fromEntries(
    STAGES.map((stage) => {
      const [lo, hi] = STAGE_HOURS[stage];
      const speed = stage === 'SEQUENCING_RUN' ? Math.max(0.5, SPEED[priority]) : SPEED[priority];
      return [stage, Math.round(r.between(lo, hi) * speed * 60) / 60];
    }),
  ) as Record<Stage, number>;
}

/** Batch sizes adding up to `total`, between 3 and 24 (one barcoding kit's worth). */
function batchSizes(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  const sizes = Array.from({ length: count }, (_, i) => base + (i < total % count ? 1 : 0));
  const r = random('batch-sizes');
  for (let i = 0; i + 1 < count; i += 2) {
    const shift = r.int(0, Math.max(0, Math.min(4, sizes[i + 1]! - 3, 24 - sizes[i]!)));
    sizes[i]! += shift;
    sizes[i + 1]! -= shift;
  }
  return sizes;
}

function planBatches(anchor: number, total: number): Batch[] {
  const count = Math.max(TARGETS.length + 4, Math.round(total / 11));
  const sizes = batchSizes(total, count);
  const historical = count - TARGETS.length;
  return sizes.map((size, index) => {
    const r = random(`batch:${index}`);
    const target = index - historical;
    const priority =
      target >= 0
        ? TARGET_PRIORITIES[target]!
        : r.pick<Priority>(['NORMAL', 'NORMAL', 'NORMAL', 'NORMAL', 'HIGH', 'HIGH', 'URGENT', 'LOW', 'LOW']);
    const project = PROJECTS[(index * 5 + 3) % PROJECTS.length]!;
    const hours = drawHours(r, priority);
    const intakeHours = Math.round(r.between(2, 8) * 60) / 60;
    // Sequencing waits for a flow-cell slot now and then, and so do the batches standing late in the workflow at
    // the anchor: that wait is the lab's bottleneck, and what makes open work overdue.
    const queueDays = target >= 0 ? (target >= 6 ? r.int(3, 5) : 0) : r.chance(0.3) ? r.int(3, 8) : 0;
    let receivedAt: number;
    if (target < 0) {
      const span = (HISTORY_DAYS - 12) * DAY;
      const start = anchor - HISTORY_DAYS * DAY + (index * span) / Math.max(1, historical);
      receivedAt = weekdayAt(start + r.between(-1.5, 1.5) * DAY, r.int(8, 11));
    } else if (TARGETS[target] === 'SUBMITTED') {
      receivedAt = anchor + 2 * DAY;
    } else if (TARGETS[target] === 'RECEIVED') {
      receivedAt = anchor - (intakeHours / 2) * HOUR;
    } else {
      // The middle of the target stage falls on the anchor.
      const stageIndex = STAGES.indexOf(TARGETS[target] as Stage);
      let before = intakeHours;
      for (const stage of STAGES.slice(0, stageIndex)) before += hours[stage];
      if (stageIndex > STAGES.indexOf('SEQUENCING_SETUP')) before += queueDays * 24;
      const middle = hours[STAGES[stageIndex]!] / 2 + (stageIndex === 3 ? queueDays * 12 : 0);
      receivedAt = anchor - (before + middle) * HOUR;
    }
    receivedAt = minutes(receivedAt);
    const createdAt = minutes(Math.min(receivedAt, anchor) - r.int(1, 3) * DAY - r.int(0, 6) * HOUR);
    return {
      index,
      project,
      priority,
      size,
      receivedAt,
      createdAt,
      intakeHours,
      hours,
      queueDays,
      target,
    };
  });
}

function drawFate(r: Random, batch: Batch, position: number): Fate {
  // Fixed events first, so that small seeds show them too.
  const historical = batch.target < 0;
  if (batch.target === TARGETS.indexOf('LIBRARY_PREP') && position === 0)
    return { kind: 'hold', stage: 'LIBRARY_PREP', days: 30 };
  if (batch.target === TARGETS.indexOf('SEQUENCING_SETUP') && position === 0)
    return { kind: 'fail', stage: 'LIBRARY_QC', then: 'stay' };
  if (batch.index === 0 && position === 1) return { kind: 'cancel', archive: true };
  if (batch.target === TARGETS.indexOf('SAMPLE_QC') && position === 1)
    return { kind: 'cancel', archive: false };
  if (batch.index === 1 && position === 1) return { kind: 'fail', stage: 'SAMPLE_QC', then: 'archive' };
  if (batch.index === 2 && position === 1) return { kind: 'fail', stage: 'LIBRARY_QC', then: 'reprocess' };
  if (batch.index === 3 && position === 1) return { kind: 'hold', stage: 'SEQUENCING_SETUP', days: 6 };
  if (batch.index === 4 && position === 1) return { kind: 'conditional', stage: 'SAMPLE_QC' };
  if (batch.target === -1 && position === 0) return { kind: 'hold', stage: 'SEQUENCING_SETUP', days: 60 };
  const roll = r.next();
  if (historical && roll < 0.015) return { kind: 'cancel', archive: true };
  if (roll < 0.05) {
    const then = r.pick(['reprocess', 'reprocess', 'reprocess', 'archive', 'archive', 'stay'] as const);
    return { kind: 'fail', stage: r.pick(QC_STAGES), then };
  }
  if (roll < 0.12) return { kind: 'conditional', stage: r.pick(QC_STAGES) };
  if (roll < 0.15) return { kind: 'hold', stage: r.pick(STAGES), days: r.int(1, 9) };
  return { kind: 'normal' };
}

/** One sample's whole story from reception, then cut at the anchor. */
function planSteps(batch: Batch, fate: Fate, r: Random, anchor: number, undelivered: boolean): Step[] {
  const steps: Step[] = [];
  const push = (step: Omit<Step, 'at'>, ms: number) => steps.push({ ...step, at: at(ms) });
  if (fate.kind === 'cancel') {
    const cancelledAt = batch.receivedAt - 2 * HOUR;
    push({ move: 'cancel', reason: 'Withdrawn by the submitter before shipping' }, cancelledAt);
    if (fate.archive) push({ move: 'archive' }, cancelledAt + r.int(20, 40) * DAY);
    return steps.filter((step) => step.at.getTime() <= anchor);
  }
  push({ move: 'receive' }, batch.receivedAt);
  let t = batch.receivedAt + batch.intakeHours * HOUR;
  push({ move: 'advance', toStage: 'SAMPLE_QC' }, t);
  let reprocessed = false;
  let finished = false;
  for (let i = 0; i < STAGES.length && !finished; i++) {
    const stage = STAGES[i]!;
    const hours = batch.hours[stage] + (stage === 'SEQUENCING_SETUP' ? batch.queueDays * 24 : 0);
    const enteredAt = t;
    if (fate.kind === 'hold' && fate.stage === stage) {
      const heldAt = enteredAt + 0.3 * hours * HOUR;
      push({ move: 'hold', reason: r.pick(HOLD_REASONS) }, heldAt);
      push({ move: 'resume', reason: 'Cleared; back in the queue' }, heldAt + fate.days * DAY);
      t += fate.days * DAY;
    }
    if (QC_STAGES.includes(stage)) {
      const qcAt = t + 0.7 * hours * HOUR;
      const failing = fate.kind === 'fail' && fate.stage === stage && !reprocessed;
      const conditional = fate.kind === 'conditional' && fate.stage === stage;
      if (failing) {
        const why = r.pick(QC_NOTES[stage].failed);
        push({ move: 'recordQc', result: 'FAILED', reason: why }, qcAt);
        const failedAt = qcAt + 0.5 * HOUR;
        push({ move: 'fail', reason: `QC failed: ${why}` }, failedAt);
        if (fate.then === 'archive') {
          push({ move: 'archive', reason: 'The submitter was told; no material left' }, failedAt + 30 * DAY);
        }
        if (fate.then !== 'reprocess') {
          finished = true;
          continue;
        }
        const restart: Stage = stage === 'SAMPLE_QC' ? 'SAMPLE_QC' : 'LIBRARY_PREP';
        t = failedAt + r.int(2, 5) * DAY;
        push({ move: 'reprocess', toStage: restart, reason: 'Fresh material from the submitter' }, t);
        reprocessed = true;
        i = STAGES.indexOf(restart) - 1;
        continue;
      }
      push(
        conditional
          ? { move: 'recordQc', result: 'CONDITIONAL', reason: r.pick(QC_NOTES[stage].conditional) }
          : { move: 'recordQc', result: 'PASSED' },
        qcAt,
      );
    }
    t += hours * HOUR;
    const next = STAGES[i + 1];
    push(next ? { move: 'advance', toStage: next } : { move: 'advance' }, t);
  }
  if (!finished) {
    const distributedAt = t + r.int(1, 4) * DAY + r.int(0, 6) * HOUR;
    if (r.chance(0.92) && !undelivered) {
      push({ move: 'markDistributed' }, distributedAt);
      if (r.chance(0.7)) push({ move: 'archive' }, distributedAt + r.int(45, 75) * DAY);
    }
  }
  // Strictly increasing, so the history's order (by time) is the plan's.
  for (let i = 1; i < steps.length; i++) {
    const previous = steps[i - 1]!.at.getTime();
    if (steps[i]!.at.getTime() <= previous) steps[i]!.at = new Date(previous + 60_000);
  }
  return steps.filter((step) => step.at.getTime() <= anchor);
}

function sampleFields(
  project: SeedProject,
  owner: { name: string; email: string; lab: string },
  r: Random,
  fate: Fate,
  barcode: string,
) {
  const weakInput = fate.kind === 'fail' && fate.stage === 'SAMPLE_QC';
  const [lo, hi] =
    project.materialType === 'HMW_DNA'
      ? [30, 150]
      : project.materialType === 'FRAGMENTED_DNA'
        ? [10, 60]
        : [5, 40];
  const qubit = weakInput ? r.between(0.5, 3) : r.between(lo, hi);
  const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    requesterName: owner.name,
    requesterEmail: owner.email,
    lab: owner.lab,
    nucleicAcid: project.nucleicAcid,
    materialType: project.materialType,
    sourceOrganism: r.pick(project.organisms),
    buffer: r.pick(['10 mM Tris-HCl pH 8.0', 'TE buffer', 'Nuclease-free water']),
    containsHumanDna: project.containsHumanDna,
    volumeUl: round(r.between(20, 60), 1),
    qubitNgPerUl: round(qubit, 2),
    nanodropNgPerUl: round(qubit * r.between(1.1, 1.6), 2),
    a260_280: round(r.between(1.75, 1.95), 2),
    a260_230: round(weakInput ? r.between(0.9, 1.4) : r.between(1.6, 2.3), 2),
    libraryKit: project.libraryKit,
    flowCellFormat: project.format,
    chemistry: 'R10.4.1',
    productCode: PRODUCT_CODES[project.format],
    basecallingModel: 'dna_r10.4.1_e8.2_400bps_sup@v5.0.0',
    fileFormats: r.chance(0.5) ? ['POD5', 'BAM'] : ['FASTQ'],
    barcode,
  };
}

/** The plan for about `total` samples (at least 40) whose history ends at `anchor`. */
export function planLab(anchorDate: Date, total: number): Plan {
  const anchor = anchorDate.getTime();
  const samples: PlannedSample[] = [];
  const runs: PlannedRun[] = [];
  for (const batch of planBatches(anchor, total)) {
    const owner = USERS.find((user) => user.key === batch.project.owner)!;
    const ownerInfo = { name: owner.name, email: seedEmail(owner.key), lab: owner.lab ?? '' };
    const batchNo = String(batch.index + 1).padStart(3, '0');
    const onRun: { labSampleId: string; barcode: string }[] = [];
    let runStartsAt: Date | null = null;
    for (let position = 0; position < batch.size; position++) {
      const labSampleId = `${SEED_SAMPLE_PREFIX}${batchNo}-${String(position + 1).padStart(2, '0')}`;
      const r = random(labSampleId);
      const fate = drawFate(r, batch, position);
      const barcode = `barcode${String(position + 1).padStart(2, '0')}`;
      // One sample of an older batch is completed and still waits for its data to be handed over.
      const steps = planSteps(batch, fate, r, anchor, batch.target === -2 && position === 2);
      // On the batch's flow cell: the samples that entered sequencing with the batch (a reprocessed or held one
      // goes on a later run, which this plan leaves out).
      const entered = steps.find((step) => step.move === 'advance' && step.toStage === 'SEQUENCING_RUN');
      if (entered && (fate.kind === 'normal' || fate.kind === 'conditional')) {
        onRun.push({ labSampleId, barcode });
        runStartsAt ??= entered.at;
      }
      samples.push({
        labSampleId,
        name: `${batch.project.stem}${batchNo}_${String(position + 1).padStart(2, '0')}`,
        batch: batch.index,
        project: batch.project,
        ownerKey: owner.key,
        assigneeKey: STAFF_KEYS[batch.index % STAFF_KEYS.length]!,
        priority: batch.priority,
        createdAt: new Date(batch.createdAt),
        fields: sampleFields(batch.project, ownerInfo, r, fate, barcode),
        steps,
        qcReport: batch.index % 3 === 0 && steps.some((step) => step.move === 'recordQc'),
      });
    }
    if (runStartsAt && onRun.length) {
      const r = random(`run:${batch.index}`);
      const endedAt = runStartsAt.getTime() + batch.hours.SEQUENCING_RUN * HOUR;
      const format = batch.project.format;
      runs.push({
        experimentId: `DEMO-EXP-${batchNo}`,
        flowCellId: `${FLOW_CELL_PREFIX[format]}${r.int(10000, 99999)}`,
        productCode: PRODUCT_CODES[format],
        format,
        position: format === 'PROMETHION' ? `${1 + (batch.index % 3)}${'ABCDEFGH'[batch.index % 8]}` : null,
        kit: batch.project.libraryKit.replace('.', '-'),
        startedAt: runStartsAt,
        endedAt: endedAt <= anchor ? at(endedAt) : null,
        samples: onRun,
      });
    }
  }
  return { anchor: anchorDate, samples, runs };
}
