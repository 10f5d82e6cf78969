import { describe, expect, it } from 'vitest';
import {
  getRuleErrorCode,
  QC_STAGES,
  STAGE_STATUS,
  STAGES,
  STATUSES,
  WORKFLOW_RULES,
  type QcStage,
  type Stage,
  type WorkflowRule,
} from './stages.ts';
import {
  applyMove,
  createSubmittedState,
  getDefaultReprocessStage,
  getInconsistency,
  isConsistent,
  type Actor,
  type Move,
  type MoveResult,
  type MoveType,
  type SampleWorkflowState,
} from './workflow.ts';

const OWNER = 'user-submitter';
const STAFF: Actor = { userId: 'user-staff', roles: ['STAFF'] };
const T0 = Date.parse('2026-03-02T08:00:00Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR);

/** One representative of each move type; the Record makes a new move type a compile error here. */
const MOVES: Record<MoveType, Move> = {
  receive: { type: 'receive' },
  recordQc: { type: 'recordQc', result: 'PASSED' },
  advance: { type: 'advance' },
  hold: { type: 'hold', reason: 'waiting for customer' },
  resume: { type: 'resume' },
  fail: { type: 'fail', reason: 'degraded' },
  reprocess: { type: 'reprocess' },
  cancel: { type: 'cancel', reason: 'customer withdrew' },
  markDistributed: { type: 'markDistributed' },
  archive: { type: 'archive' },
};
const MOVE_TYPES = Object.keys(MOVES) as MoveType[];

function mustApply(state: SampleWorkflowState, move: Move, when: Date, actor: Actor = STAFF) {
  const result = applyMove(state, move, actor, when);
  if (!result.ok) throw new Error(`${move.type} refused: ${result.rule}`);
  return result;
}

/** The state reached from a new sample by STAFF applying `moves`, one hour apart. */
function walk(...moves: Move[]): SampleWorkflowState {
  return moves.reduce(
    (state, move, i) => mustApply(state, move, at(i + 1)).state,
    createSubmittedState(OWNER),
  );
}

const { receive, advance, fail, cancel, hold, markDistributed, archive } = MOVES;
const qcPass = MOVES.recordQc;
/** Moves from SUBMITTED into `stage`, passing every QC on the way. */
function movesTo(stage: Stage): Move[] {
  const moves: Move[] = [receive, advance];
  for (const s of STAGES.slice(0, STAGES.indexOf(stage)))
    moves.push(...(QC_STAGES.includes(s as QcStage) ? [qcPass] : []), advance);
  return moves;
}
const toCompleted = [...movesTo('DATA_DELIVERY'), advance];

const ROWS: Record<string, Move[]> = {
  SUBMITTED: [],
  RECEIVED: [receive],
  'IN_PREP/SAMPLE_QC': movesTo('SAMPLE_QC'),
  'IN_PREP/SAMPLE_QC qc': [...movesTo('SAMPLE_QC'), qcPass],
  'IN_PREP/LIBRARY_PREP': movesTo('LIBRARY_PREP'),
  'IN_PREP/LIBRARY_QC': movesTo('LIBRARY_QC'),
  'IN_PREP/LIBRARY_QC qc': [...movesTo('LIBRARY_QC'), qcPass],
  'SEQUENCING/SEQUENCING_SETUP': movesTo('SEQUENCING_SETUP'),
  'SEQUENCING/SEQUENCING_RUN': movesTo('SEQUENCING_RUN'),
  'ANALYSIS/BASECALLING': movesTo('BASECALLING'),
  'ANALYSIS/QUALITY_ASSESSMENT': movesTo('QUALITY_ASSESSMENT'),
  'ANALYSIS/QUALITY_ASSESSMENT qc': [...movesTo('QUALITY_ASSESSMENT'), qcPass],
  'ANALYSIS/DATA_DELIVERY': movesTo('DATA_DELIVERY'),
  COMPLETED: toCompleted,
  DISTRIBUTED: [...toCompleted, markDistributed],
  'ON_HOLD<RECEIVED': [receive, hold],
  'ON_HOLD<LIBRARY_PREP': [...movesTo('LIBRARY_PREP'), hold],
  'FAILED/-': [receive, fail],
  'FAILED/SAMPLE_QC': [...movesTo('SAMPLE_QC'), fail],
  'FAILED/SEQUENCING_RUN': [...movesTo('SEQUENCING_RUN'), fail],
  'CANCELLED/-': [cancel],
  'CANCELLED/LIBRARY_PREP': [...movesTo('LIBRARY_PREP'), cancel],
  'ARCHIVED/-': [...toCompleted, markDistributed, archive],
  'ARCHIVED/SEQUENCING_RUN': [...movesTo('SEQUENCING_RUN'), fail, archive],
};

// Every (state x move) outcome: '→ STATUS/STAGE' when allowed (STAGE '-' for none), else the rule that refuses.
// Columns: receive, recordQc, advance, hold, resume, fail, reprocess, cancel, markDistributed, archive.
const NR = 'NOT_RECEIVED';
const AR = 'ALREADY_RECEIVED';
const NOH = 'NOT_ON_HOLD';
const NF = 'NOT_FAILED';
const NQ = 'NOT_QC_STAGE';
const DOC = 'DISTRIBUTE_ONLY_COMPLETED';
const AOC = 'ARCHIVE_ONLY_CLOSED';
const WC = 'WORKFLOW_COMPLETE';
const SOH = 'SAMPLE_ON_HOLD';
const SF = 'SAMPLE_FAILED';
const TS = 'TERMINAL_STATUS';
/** The row of a sample at `stage` in its phase: recordQc, advance, hold, fail and cancel outcomes differ. */
function inLab(stage: Stage, qc: 'QC' | 'no QC' | 'not a QC stage', advanceTo: string): string[] {
  const here = `${STAGE_STATUS[stage]}/${stage}`;
  const recordQc = qc === 'not a QC stage' ? NQ : `→ ${here}`;
  const advanceOutcome = qc === 'no QC' ? 'QC_REQUIRED' : `→ ${advanceTo}`;
  return [
    AR,
    recordQc,
    advanceOutcome,
    `→ ON_HOLD/${stage}`,
    NOH,
    `→ FAILED/${stage}`,
    NF,
    `→ CANCELLED/${stage}`,
    DOC,
    AOC,
  ];
}
const EXPECTED: Record<keyof typeof ROWS, string[]> = {
  SUBMITTED: ['→ RECEIVED/-', NR, NR, NR, NOH, NR, NF, '→ CANCELLED/-', DOC, AOC],
  RECEIVED: [AR, NQ, '→ IN_PREP/SAMPLE_QC', '→ ON_HOLD/-', NOH, '→ FAILED/-', NF, '→ CANCELLED/-', DOC, AOC],
  'IN_PREP/SAMPLE_QC': inLab('SAMPLE_QC', 'no QC', ''),
  'IN_PREP/SAMPLE_QC qc': inLab('SAMPLE_QC', 'QC', 'IN_PREP/LIBRARY_PREP'),
  'IN_PREP/LIBRARY_PREP': inLab('LIBRARY_PREP', 'not a QC stage', 'IN_PREP/LIBRARY_QC'),
  'IN_PREP/LIBRARY_QC': inLab('LIBRARY_QC', 'no QC', ''),
  'IN_PREP/LIBRARY_QC qc': inLab('LIBRARY_QC', 'QC', 'SEQUENCING/SEQUENCING_SETUP'),
  'SEQUENCING/SEQUENCING_SETUP': inLab('SEQUENCING_SETUP', 'not a QC stage', 'SEQUENCING/SEQUENCING_RUN'),
  'SEQUENCING/SEQUENCING_RUN': inLab('SEQUENCING_RUN', 'not a QC stage', 'ANALYSIS/BASECALLING'),
  'ANALYSIS/BASECALLING': inLab('BASECALLING', 'not a QC stage', 'ANALYSIS/QUALITY_ASSESSMENT'),
  'ANALYSIS/QUALITY_ASSESSMENT': inLab('QUALITY_ASSESSMENT', 'no QC', ''),
  'ANALYSIS/QUALITY_ASSESSMENT qc': inLab('QUALITY_ASSESSMENT', 'QC', 'ANALYSIS/DATA_DELIVERY'),
  'ANALYSIS/DATA_DELIVERY': inLab('DATA_DELIVERY', 'not a QC stage', 'COMPLETED/-'),
  COMPLETED: [AR, WC, WC, WC, NOH, WC, NF, WC, '→ DISTRIBUTED/-', AOC],
  DISTRIBUTED: [AR, WC, WC, WC, NOH, WC, NF, WC, DOC, '→ ARCHIVED/-'],
  'ON_HOLD<RECEIVED': [AR, SOH, SOH, SOH, '→ RECEIVED/-', SOH, NF, '→ CANCELLED/-', DOC, AOC],
  'ON_HOLD<LIBRARY_PREP': [
    AR,
    SOH,
    SOH,
    SOH,
    '→ IN_PREP/LIBRARY_PREP',
    SOH,
    NF,
    '→ CANCELLED/LIBRARY_PREP',
    DOC,
    AOC,
  ],
  'FAILED/-': [AR, SF, SF, SF, NOH, SF, 'REPROCESS_FORWARD', '→ CANCELLED/-', DOC, '→ ARCHIVED/-'],
  'FAILED/SAMPLE_QC': [
    AR,
    SF,
    SF,
    SF,
    NOH,
    SF,
    '→ IN_PREP/SAMPLE_QC',
    '→ CANCELLED/SAMPLE_QC',
    DOC,
    '→ ARCHIVED/SAMPLE_QC',
  ],
  'FAILED/SEQUENCING_RUN': [
    ...[AR, SF, SF, SF, NOH, SF, '→ IN_PREP/LIBRARY_PREP'],
    ...['→ CANCELLED/SEQUENCING_RUN', DOC, '→ ARCHIVED/SEQUENCING_RUN'],
  ],
  'CANCELLED/-': [TS, TS, TS, TS, TS, TS, TS, TS, TS, '→ ARCHIVED/-'],
  'CANCELLED/LIBRARY_PREP': [TS, TS, TS, TS, TS, TS, TS, TS, TS, '→ ARCHIVED/LIBRARY_PREP'],
  'ARCHIVED/-': [TS, TS, TS, TS, TS, TS, TS, TS, TS, TS],
  'ARCHIVED/SEQUENCING_RUN': [TS, TS, TS, TS, TS, TS, TS, TS, TS, TS],
};

const label = (s: Pick<SampleWorkflowState, 'status' | 'stage'>) => `${s.status}/${s.stage ?? '-'}`;
const outcome = (result: MoveResult) => (result.ok ? `→ ${label(result.state)}` : result.rule);

describe('the transition table', () => {
  const cells = Object.entries(EXPECTED).flatMap(([row, outcomes]) =>
    MOVE_TYPES.map((moveType, i) => ({ row, moveType, expected: outcomes[i]! })),
  );

  it('covers every status, every stage in its phase, and every move', () => {
    const states = Object.values(ROWS).map((moves) => walk(...moves));
    expect(new Set(states.map((s) => s.status))).toEqual(new Set(STATUSES));
    for (const stage of STAGES) expect(states.map(label)).toContain(`${STAGE_STATUS[stage]}/${stage}`);
    for (const outcomes of Object.values(EXPECTED)) expect(outcomes).toHaveLength(MOVE_TYPES.length);
    const rules = new Set(cells.map((c) => c.expected).filter((e) => !e.startsWith('→')));
    for (const rule of rules) expect(WORKFLOW_RULES).toContain(rule);
  });

  it.each(cells)('$row + $moveType → $expected', ({ row, moveType, expected }) => {
    const state = walk(...ROWS[row]!);
    const rowLabel = row.split(/[ <]/)[0]!;
    expect(rowLabel.includes('/') ? label(state) : state.status).toBe(rowLabel);
    const before = structuredClone(state);
    const result = applyMove(state, MOVES[moveType], STAFF, at(100));
    expect(outcome(result)).toBe(expected);
    expect(state).toEqual(before);
    if (result.ok) {
      expect(isConsistent(result.state)).toBe(true);
      expect(result.state.version).toBe(state.version + 1);
      expect(result.history).toMatchObject({
        move: moveType,
        fromStatus: state.status,
        fromStage: state.stage,
        toStatus: result.state.status,
        toStage: result.state.stage,
        actorId: STAFF.userId,
        at: at(100),
      });
    }
  });
});

describe('reachable states', () => {
  const bfsMoves: Move[] = [
    ...Object.values(MOVES),
    { type: 'recordQc', result: 'CONDITIONAL', note: 'low yield, customer agreed' },
    { type: 'recordQc', result: 'FAILED', note: 'A260/280 1.4' },
    ...STAGES.map((toStage): Move => ({ type: 'reprocess', toStage })),
  ];
  const key = (s: SampleWorkflowState) =>
    JSON.stringify([s.status, s.stage, s.heldFrom, QC_STAGES.map((q) => s.qc[q]?.result ?? null)]);

  // Breadth-first from a new sample with every move, as STAFF (a SUBMITTER can only do a subset: cancel). Run in
  // the tests, not at collection, so that a move which breaks the invariant (applyMove throws) fails a test.
  let explored: { reached: SampleWorkflowState[]; edges: Edge[] } | undefined;
  type Edge = { from: SampleWorkflowState; move: Move; to: SampleWorkflowState };
  function explore() {
    if (explored) return explored;
    const start = createSubmittedState(OWNER);
    const seen = new Map([[key(start), start]]);
    const edges: Edge[] = [];
    const queue = [start];
    while (queue.length) {
      const from = queue.shift()!;
      for (const move of bfsMoves) {
        const result = applyMove(from, move, STAFF, at(from.version + 1));
        if (!result.ok) continue;
        edges.push({ from, move, to: result.state });
        if (!seen.has(key(result.state))) {
          seen.set(key(result.state), result.state);
          queue.push(result.state);
        }
      }
    }
    explored = { reached: [...seen.values()], edges };
    return explored;
  }

  it('keeps status and stage consistent in every reachable state', () => {
    const { reached } = explore();
    expect(reached.length).toBeGreaterThan(50);
    for (const state of reached) expect(getInconsistency(state), key(state)).toBeNull();
  });

  it('moves between statuses only along the edges of docs/domain.md', () => {
    const phases = ['IN_PREP', 'SEQUENCING', 'ANALYSIS'];
    const expected = [
      'SUBMITTED>RECEIVED',
      'SUBMITTED>CANCELLED',
      'RECEIVED>IN_PREP',
      ...['RECEIVED', ...phases].flatMap((s) => [`${s}>ON_HOLD`, `${s}>FAILED`, `${s}>CANCELLED`]),
      ...phases.map((s) => `${s}>${s}`),
      'IN_PREP>SEQUENCING',
      'SEQUENCING>ANALYSIS',
      'ANALYSIS>COMPLETED',
      'COMPLETED>DISTRIBUTED',
      'DISTRIBUTED>ARCHIVED',
      ...['RECEIVED', ...phases, 'CANCELLED'].map((s) => `ON_HOLD>${s}`),
      ...[...phases, 'CANCELLED', 'ARCHIVED'].map((s) => `FAILED>${s}`),
      'CANCELLED>ARCHIVED',
    ];
    const actual = new Set(explore().edges.map((e) => `${e.from.status}>${e.to.status}`));
    expect([...actual].sort()).toEqual([...new Set(expected)].sort());
  });

  it('advances exactly one stage at a time, and reprocesses never forward', () => {
    const index = (s: Stage | null) => (s === null ? -1 : STAGES.indexOf(s));
    for (const { from, move, to } of explore().edges) {
      if (move.type === 'advance' && to.stage === null) {
        expect([from.stage, to.status]).toEqual(['DATA_DELIVERY', 'COMPLETED']);
      } else if (move.type === 'advance') {
        expect(index(to.stage) - index(from.stage)).toBe(1);
      } else if (move.type === 'reprocess') {
        expect(index(to.stage)).toBeLessThanOrEqual(index(from.stage));
      } else {
        expect(to.stage, move.type).toBe(from.stage);
      }
    }
  });

  it('puts on hold and resumes exactly where the sample was, from every holdable state', () => {
    const holdable = explore().reached.filter((s) =>
      ['RECEIVED', 'IN_PREP', 'SEQUENCING', 'ANALYSIS'].includes(s.status),
    );
    expect(holdable.length).toBeGreaterThan(10);
    for (const state of holdable) {
      const held = mustApply(state, hold, at(200));
      expect(held.state).toMatchObject({ status: 'ON_HOLD', stage: state.stage });
      expect(held.state.heldFrom).toEqual({ status: state.status, stage: state.stage });
      const resumed = mustApply(held.state, { type: 'resume' }, at(300));
      expect(resumed.state).toEqual({ ...state, version: state.version + 2 });
      expect(resumed.history.timeInStageMs).toBeNull();
    }
  });
});

describe('QC gates', () => {
  const record = (result: 'PASSED' | 'CONDITIONAL' | 'FAILED', note: string | null) => ({
    result,
    note,
    recordedBy: STAFF.userId,
    recordedAt: at(0),
  });
  const cases = QC_STAGES.flatMap((stage) =>
    (
      [
        ['no QC', undefined, 'QC_REQUIRED'],
        ['FAILED', record('FAILED', 'contaminated'), 'QC_FAILED'],
        ['CONDITIONAL without a note', record('CONDITIONAL', null), 'QC_NOTE_REQUIRED'],
        ['CONDITIONAL with a blank note', record('CONDITIONAL', '  '), 'QC_NOTE_REQUIRED'],
        ['CONDITIONAL with a note', record('CONDITIONAL', 'low yield, customer agreed'), 'ok'],
        ['PASSED', record('PASSED', null), 'ok'],
      ] as const
    ).map(([name, qc, expected]) => ({ stage, name, qc, expected })),
  );

  it.each(cases)('leaving $stage with $name: $expected', ({ stage, qc, expected }) => {
    const base = walk(...movesTo(stage));
    const state = { ...base, qc: { ...base.qc, [stage]: qc } };
    const result = applyMove(state, advance, STAFF, at(100));
    expect(result.ok ? 'ok' : result.rule).toBe(expected);
  });

  it.each([
    [{ type: 'recordQc', result: 'PASSED' }, 'ok'],
    [{ type: 'recordQc', result: 'PASSED', note: 'fine' }, 'ok'],
    [{ type: 'recordQc', result: 'CONDITIONAL' }, 'QC_NOTE_REQUIRED'],
    [{ type: 'recordQc', result: 'CONDITIONAL', note: ' ' }, 'QC_NOTE_REQUIRED'],
    [{ type: 'recordQc', result: 'CONDITIONAL', note: 'low' }, 'ok'],
    [{ type: 'recordQc', result: 'FAILED' }, 'QC_NOTE_REQUIRED'],
    [{ type: 'recordQc', result: 'FAILED', note: 'degraded' }, 'ok'],
  ] as [Move, string][])('recording %o: %s', (move, expected) => {
    const result = applyMove(walk(...movesTo('SAMPLE_QC')), move, STAFF, at(100));
    expect(result.ok ? 'ok' : result.rule).toBe(expected);
  });

  it('gates on the QC of the stage being left, and its latest record', () => {
    const failed = walk(...movesTo('LIBRARY_QC'), {
      type: 'recordQc',
      result: 'FAILED',
      note: 'short fragments',
    });
    expect(failed.qc.SAMPLE_QC?.result).toBe('PASSED');
    expect(outcome(applyMove(failed, advance, STAFF, at(100)))).toBe('QC_FAILED');
    const retested = mustApply(failed, qcPass, at(101)).state;
    expect(outcome(applyMove(retested, advance, STAFF, at(102)))).toBe('→ SEQUENCING/SEQUENCING_SETUP');
  });

  it('keeps the QC record with who and when, and writes it to history', () => {
    const move: Move = { type: 'recordQc', result: 'CONDITIONAL', note: ' low yield ' };
    const { state, history } = mustApply(walk(...movesTo('SAMPLE_QC')), move, at(50));
    expect(state.qc.SAMPLE_QC).toEqual({
      result: 'CONDITIONAL',
      note: 'low yield',
      recordedBy: 'user-staff',
      recordedAt: at(50),
    });
    expect(history).toMatchObject({
      move: 'recordQc',
      qcResult: 'CONDITIONAL',
      reason: 'low yield',
      timeInStageMs: null,
    });
  });
});

describe('advance to a named stage', () => {
  it.each([
    ['RECEIVED', [receive], 'SAMPLE_QC', '→ IN_PREP/SAMPLE_QC'],
    ['RECEIVED', [receive], 'LIBRARY_PREP', 'STAGE_SKIP'],
    ['LIBRARY_PREP', movesTo('LIBRARY_PREP'), 'LIBRARY_QC', '→ IN_PREP/LIBRARY_QC'],
    ['LIBRARY_PREP', movesTo('LIBRARY_PREP'), 'SEQUENCING_RUN', 'STAGE_SKIP'],
    ['LIBRARY_PREP', movesTo('LIBRARY_PREP'), 'LIBRARY_PREP', 'STAGE_BACKWARD'],
    ['LIBRARY_PREP', movesTo('LIBRARY_PREP'), 'SAMPLE_QC', 'STAGE_BACKWARD'],
    ['SAMPLE_QC without QC', movesTo('SAMPLE_QC'), 'LIBRARY_QC', 'STAGE_SKIP'],
    ['SAMPLE_QC without QC', movesTo('SAMPLE_QC'), 'LIBRARY_PREP', 'QC_REQUIRED'],
    ['DATA_DELIVERY', movesTo('DATA_DELIVERY'), 'DATA_DELIVERY', 'STAGE_BACKWARD'],
  ] as [string, Move[], Stage, string][])('from %s to %s: %s', (_from, moves, toStage, expected) => {
    expect(outcome(applyMove(walk(...moves), { type: 'advance', toStage }, STAFF, at(100)))).toBe(expected);
  });
});

describe('reprocess', () => {
  const cases = STAGES.flatMap((failedAt) =>
    [...STAGES, 'default' as const].map((toStage) => ({ failedAt, toStage })),
  );

  it.each(cases)('failed at $failedAt, restart at $toStage', ({ failedAt, toStage }) => {
    const failed = walk(
      ...movesTo(failedAt),
      ...(QC_STAGES.includes(failedAt as QcStage) ? [qcPass] : []),
      fail,
    );
    const target = toStage === 'default' ? getDefaultReprocessStage(failedAt) : toStage;
    const move: Move = toStage === 'default' ? { type: 'reprocess' } : { type: 'reprocess', toStage };
    const result = applyMove(failed, move, STAFF, at(100));
    if (STAGES.indexOf(target) > STAGES.indexOf(failedAt)) {
      expect(outcome(result)).toBe('REPROCESS_FORWARD');
      return;
    }
    expect(outcome(result)).toBe(`→ ${STAGE_STATUS[target]}/${target}`);
    if (!result.ok) return;
    for (const qcStage of QC_STAGES) {
      const kept = STAGES.indexOf(qcStage) < STAGES.indexOf(target);
      expect(result.state.qc[qcStage]?.result).toBe(kept ? 'PASSED' : undefined);
    }
    expect(result.state.enteredStageAt).toEqual(at(100));
    expect(result.history.timeInStageMs).toBe(at(100).getTime() - failed.enteredStageAt!.getTime());
  });

  it('defaults to LIBRARY_PREP, or SAMPLE_QC for a sample that failed there', () => {
    expect(STAGES.map(getDefaultReprocessStage)).toEqual(['SAMPLE_QC', ...Array(7).fill('LIBRARY_PREP')]);
  });
});

describe('reasons', () => {
  it.each([
    ['hold', [receive], { type: 'hold', reason: '' }],
    ['fail', [receive], { type: 'fail', reason: '   ' }],
    ['cancel', [], { type: 'cancel', reason: '' }],
  ] as [string, Move[], Move][])('%s needs a reason', (_name, moves, move) => {
    expect(outcome(applyMove(walk(...moves), move, STAFF, at(100)))).toBe('REASON_REQUIRED');
  });
});

describe('roles', () => {
  const submitter: Actor = { userId: OWNER, roles: ['SUBMITTER'] };
  const otherSubmitter: Actor = { userId: 'someone-else', roles: ['SUBMITTER'] };
  const cases: [string, Actor, Move[], MoveType, string][] = [
    ['ADMIN', { userId: 'admin', roles: ['ADMIN'] }, [], 'receive', '→ RECEIVED/-'],
    ['ADMIN', { userId: 'admin', roles: ['ADMIN'] }, [receive], 'advance', '→ IN_PREP/SAMPLE_QC'],
    ['STAFF', STAFF, [receive], 'hold', '→ ON_HOLD/-'],
    ['STAFF', STAFF, movesTo('LIBRARY_PREP'), 'cancel', '→ CANCELLED/LIBRARY_PREP'],
    [
      'SUBMITTER who is also STAFF',
      { userId: 'x', roles: ['SUBMITTER', 'STAFF'] },
      [receive],
      'advance',
      '→ IN_PREP/SAMPLE_QC',
    ],
    ['owner SUBMITTER', submitter, [], 'cancel', '→ CANCELLED/-'],
    ['owner SUBMITTER', submitter, [receive], 'cancel', 'SUBMITTER_CANCEL_ONLY_SUBMITTED'],
    ['owner SUBMITTER', submitter, [receive, hold], 'cancel', 'SUBMITTER_CANCEL_ONLY_SUBMITTED'],
    ['owner SUBMITTER', submitter, [cancel], 'cancel', 'SUBMITTER_CANCEL_ONLY_SUBMITTED'],
    ['other SUBMITTER', otherSubmitter, [], 'cancel', 'SUBMITTER_NOT_OWNER'],
    ['other SUBMITTER', otherSubmitter, [], 'receive', 'SUBMITTER_CANCEL_ONLY'],
    ...MOVE_TYPES.filter((m) => m !== 'cancel').map((m): [string, Actor, Move[], MoveType, string] => [
      'owner SUBMITTER',
      submitter,
      [],
      m,
      'SUBMITTER_CANCEL_ONLY',
    ]),
    ...MOVE_TYPES.map((m): [string, Actor, Move[], MoveType, string] => [
      'VIEWER',
      { userId: OWNER, roles: ['VIEWER'] },
      [],
      m,
      'ROLE_FORBIDDEN',
    ]),
    ['no role', { userId: OWNER, roles: [] }, [], 'cancel', 'ROLE_FORBIDDEN'],
  ];

  it.each(cases)('%s: %s', (_who, actor, moves, moveType, expected) => {
    const result = applyMove(walk(...moves), MOVES[moveType], actor, at(100));
    expect(outcome(result)).toBe(expected);
    if (result.ok) expect(result.history.actorId).toBe(actor.userId);
  });

  it('maps role rules to FORBIDDEN, a missing reason to BAD_USER_INPUT, and the rest to INVALID_TRANSITION', () => {
    const codes = Object.fromEntries(WORKFLOW_RULES.map((rule) => [rule, getRuleErrorCode(rule)]));
    const forbidden: WorkflowRule[] = [
      'ROLE_FORBIDDEN',
      'SUBMITTER_CANCEL_ONLY',
      'SUBMITTER_NOT_OWNER',
      'SUBMITTER_CANCEL_ONLY_SUBMITTED',
    ];
    for (const rule of WORKFLOW_RULES) {
      const expected = forbidden.includes(rule)
        ? 'FORBIDDEN'
        : rule === 'REASON_REQUIRED'
          ? 'BAD_USER_INPUT'
          : 'INVALID_TRANSITION';
      expect(codes[rule], rule).toBe(expected);
    }
  });
});

describe('history', () => {
  it('records time spent in the stage that was left or restarted', () => {
    const steps: [Move, number | null, string][] = [
      [receive, null, 'RECEIVED/-'], // at 1 h
      [advance, null, 'IN_PREP/SAMPLE_QC'], // 2 h: no stage before
      [qcPass, null, 'IN_PREP/SAMPLE_QC'], // 3 h: same stage
      [advance, 2, 'IN_PREP/LIBRARY_PREP'], // 4 h: SAMPLE_QC since 2 h
      [hold, null, 'ON_HOLD/LIBRARY_PREP'], // 5 h
      [{ type: 'resume' }, null, 'IN_PREP/LIBRARY_PREP'], // 6 h
      [advance, 3, 'IN_PREP/LIBRARY_QC'], // 7 h: LIBRARY_PREP since 4 h, the hold included
      [fail, null, 'FAILED/LIBRARY_QC'], // 8 h
      [{ type: 'reprocess', toStage: 'LIBRARY_QC', reason: 'retest' }, 2, 'IN_PREP/LIBRARY_QC'], // 9 h: restarted
      [qcPass, null, 'IN_PREP/LIBRARY_QC'], // 10 h
      [advance, 2, 'SEQUENCING/SEQUENCING_SETUP'], // 11 h: LIBRARY_QC restarted at 9 h
    ];
    let state = createSubmittedState(OWNER);
    steps.forEach(([move, hours, expected], i) => {
      const { state: next, history } = mustApply(state, move, at(i + 1));
      expect(label(next)).toBe(expected);
      expect(history.timeInStageMs, `step ${i + 1}`).toBe(hours === null ? null : hours * HOUR);
      expect(history.at).toEqual(at(i + 1));
      state = next;
    });
    expect(state.enteredStageAt).toEqual(at(11));
    expect(state.version).toBe(steps.length);
  });

  it('records time in DATA_DELIVERY on completion, and the reason given', () => {
    const delivering = walk(...movesTo('DATA_DELIVERY'));
    const { history, state } = mustApply(delivering, { type: 'advance', reason: ' uploaded ' }, at(100));
    expect(history).toMatchObject({
      fromStage: 'DATA_DELIVERY',
      toStage: null,
      toStatus: 'COMPLETED',
      reason: 'uploaded',
    });
    expect(history.timeInStageMs).toBe(at(100).getTime() - delivering.enteredStageAt!.getTime());
    expect(state.enteredStageAt).toBeNull();
  });
});

describe('isConsistent', () => {
  const inPrep = walk(...movesTo('LIBRARY_PREP'));
  it.each([
    ['a walked state', inPrep, true],
    ['status and stage from different phases', { ...inPrep, stage: 'SEQUENCING_RUN' }, false],
    ['RECEIVED with a stage', { ...inPrep, status: 'RECEIVED' }, false],
    ['COMPLETED with a stage', { ...inPrep, status: 'COMPLETED' }, false],
    ['a stage without enteredStageAt', { ...inPrep, enteredStageAt: null }, false],
    ['ON_HOLD without heldFrom', { ...inPrep, status: 'ON_HOLD' }, false],
    [
      'ON_HOLD at another stage than heldFrom',
      { ...inPrep, status: 'ON_HOLD', heldFrom: { status: 'IN_PREP', stage: 'SAMPLE_QC' } },
      false,
    ],
    [
      'heldFrom outside ON_HOLD',
      { ...inPrep, heldFrom: { status: 'IN_PREP', stage: 'LIBRARY_PREP' } },
      false,
    ],
    ['a QC stage left without QC', { ...inPrep, qc: {} }, false],
    [
      'QC for a stage not reached',
      { ...inPrep, qc: { ...inPrep.qc, LIBRARY_QC: inPrep.qc.SAMPLE_QC } },
      false,
    ],
    ['a negative version', { ...inPrep, version: -1 }, false],
  ] as [string, SampleWorkflowState, boolean][])('%s: %s', (_name, state, expected) => {
    expect(isConsistent(state)).toBe(expected);
  });

  it('refuses to move from an inconsistent state (a bug or bad data, not a user error)', () => {
    expect(() => applyMove({ ...inPrep, stage: 'SEQUENCING_RUN' }, advance, STAFF, at(100))).toThrow(
      /inconsistent/,
    );
  });
});
