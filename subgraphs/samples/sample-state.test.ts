// The row <-> workflow state bridge, directly: what is written reads back as the same state.
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import { getQcStatus, toStateColumns, toWorkflowState } from './sample-state.ts';
import { applyMove, createSubmittedState, type Move, type SampleWorkflowState } from './workflow.ts';

const OWNER = '00000000-0000-4000-8000-000000000001';
const STAFF = { userId: '00000000-0000-4000-8000-000000000002', roles: ['STAFF'] };
const T0 = Date.parse('2026-03-02T09:00:00.000Z');

/** The columns as they come back from the database (qc through JSON). */
function toRow(state: SampleWorkflowState): Sample {
  const columns = toStateColumns(state);
  return {
    ...columns,
    qc: JSON.parse(JSON.stringify(columns.qc)),
    ownerId: state.ownerId,
  } as unknown as Sample;
}

function play(moves: Move[]): SampleWorkflowState {
  let state = createSubmittedState(OWNER);
  moves.forEach((move, i) => {
    const result = applyMove(state, move, STAFF, new Date(T0 + i * 60_000));
    if (!result.ok) throw new Error(`${move.type}: ${result.rule}`);
    state = result.state;
  });
  return state;
}

const TO_LIBRARY_QC: Move[] = [
  { type: 'receive' },
  { type: 'advance' },
  { type: 'recordQc', result: 'PASSED' },
  { type: 'advance' },
  { type: 'advance' },
];

describe('toStateColumns and toWorkflowState', () => {
  it('write a new sample as SUBMITTED, no stage, no QC, PENDING', () => {
    expect(toStateColumns(createSubmittedState(OWNER))).toEqual({
      status: 'SUBMITTED',
      stage: null,
      qc: {},
      qcStatus: 'PENDING',
      heldFromStatus: null,
      heldFromStage: null,
      enteredStageAt: null,
      version: 0,
    });
  });

  it.each<[string, Move[]]>([
    [
      'in a QC stage with a conditional record',
      [...TO_LIBRARY_QC, { type: 'recordQc', result: 'CONDITIONAL', note: 'ok' }],
    ],
    ['held from RECEIVED (no stage)', [{ type: 'receive' }, { type: 'hold', reason: 'x' }]],
    ['held in a stage', [...TO_LIBRARY_QC, { type: 'hold', reason: 'x' }]],
    ['failed and reprocessed', [...TO_LIBRARY_QC, { type: 'fail', reason: 'x' }, { type: 'reprocess' }]],
  ])('read back exactly what they wrote: %s', (_name, moves) => {
    const state = play(moves);
    expect(toWorkflowState(toRow(state))).toEqual(state);
  });

  it('store QC dates as ISO strings and the held-from place in two columns', () => {
    const columns = toStateColumns(play([...TO_LIBRARY_QC, { type: 'hold', reason: 'x' }]));
    expect(columns.qc.SAMPLE_QC).toEqual({
      result: 'PASSED',
      note: null,
      recordedBy: STAFF.userId,
      recordedAt: new Date(T0 + 2 * 60_000).toISOString(),
    });
    expect(columns).toMatchObject({
      status: 'ON_HOLD',
      heldFromStatus: 'IN_PREP',
      heldFromStage: 'LIBRARY_QC',
    });
  });

  it('refuse a malformed qc column rather than guess', () => {
    const row = toRow(createSubmittedState(OWNER));
    expect(() => toWorkflowState({ ...row, qc: { SAMPLE_QC: { result: 'MAYBE' } } })).toThrow(/malformed/);
    expect(() => toWorkflowState({ ...row, qc: { LIBRARY_PREP: {} } })).toThrow(/unknown stage/);
  });
});

describe('getQcStatus', () => {
  const record = (result: 'PASSED' | 'FAILED' | 'CONDITIONAL', at: number) => ({
    result,
    note: 'n',
    recordedBy: STAFF.userId,
    recordedAt: new Date(at),
  });

  it('is the most recently recorded result, PENDING when none', () => {
    expect(getQcStatus({})).toBe('PENDING');
    expect(getQcStatus({ SAMPLE_QC: record('PASSED', T0), LIBRARY_QC: record('FAILED', T0 + 1) })).toBe(
      'FAILED',
    );
    // Recorded later wins, whatever the stage order.
    expect(getQcStatus({ SAMPLE_QC: record('CONDITIONAL', T0 + 5), LIBRARY_QC: record('PASSED', T0) })).toBe(
      'CONDITIONAL',
    );
    // A tie goes to the later stage.
    expect(getQcStatus({ SAMPLE_QC: record('PASSED', T0), LIBRARY_QC: record('FAILED', T0) })).toBe('FAILED');
  });

  it('falls back to the earlier stage when reprocessing clears the later QC', () => {
    const failed = play([
      ...TO_LIBRARY_QC,
      { type: 'recordQc', result: 'FAILED', note: 'no library' },
      { type: 'fail', reason: 'x' },
    ]);
    expect(toStateColumns(failed).qcStatus).toBe('FAILED');
    const result = applyMove(failed, { type: 'reprocess' }, STAFF, new Date(T0 + 3_600_000));
    expect(result.ok && toStateColumns(result.state).qcStatus).toBe('PASSED');
  });
});
