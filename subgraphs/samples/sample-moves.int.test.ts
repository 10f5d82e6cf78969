// Workflow moves over real HTTP with real JWTs: the full path of a sample, the QC gates, holds, failures,
// reprocessing, cancelling, archiving, who may move, and the history and audit events each move leaves.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleClient, readHistory, readVersion } from './sample-testing.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

let h: SamplesHarness;
let c: ReturnType<typeof createSampleClient>;
const staffId = randomUUID();
const submitterId = randomUUID();
let staff: Record<string, string>;
let submitter: Record<string, string>;
let viewer: Record<string, string>;

const HOUR = 3_600_000;
const MINUTE = 60_000;

beforeAll(async () => {
  h = await startSamplesHarness();
  c = createSampleClient(h);
  staff = await h.as(['STAFF'], staffId);
  submitter = await h.as(['SUBMITTER'], submitterId);
  viewer = await h.as(['VIEWER']);
});
afterAll(async () => {
  await h?.close();
});

/**
 * Within a minute of `hours`: the harness clock keeps running between setting it and the request, which on a
 * loaded machine can take seconds; what is checked is whole hours.
 */
function expectHours(ms: number | null, hours: number) {
  expect(ms).not.toBeNull();
  expect(Math.abs(ms! - hours * HOUR)).toBeLessThan(MINUTE);
}

describe('the full path of one sample', () => {
  it('goes through all eight stages to COMPLETED, DISTRIBUTED and ARCHIVED, with history and events', async () => {
    h.setNow(new Date('2026-03-02T09:00:00.000Z')); // a Monday
    const created = await c.create(staff, { ownerId: submitterId, labSampleId: `JL-1-${randomUUID()}` });
    expect(created).toMatchObject({ status: 'SUBMITTED', stage: null, version: 0, qcStatus: 'PENDING' });
    const id = created.id as string;

    const received = await c.bulk('receiveSamples', { ids: [id] }, staff);
    const sample = received.data.receiveSamples.results[0].sample;
    expect(sample).toMatchObject({ status: 'RECEIVED', stage: null, version: 1 });
    expect(
      Math.abs(new Date(sample.receivedAt).getTime() - Date.parse('2026-03-02T09:00:00.000Z')),
    ).toBeLessThan(MINUTE);
    // NORMAL: five business days after reception.
    expect(new Date(sample.dueAt).getTime() - new Date(sample.receivedAt).getTime()).toBe(7 * 24 * HOUR);

    const steps: [string, Record<string, unknown>, string, string | null, number][] = [
      ['advanceStage', { reason: 'bench 1' }, 'IN_PREP', 'SAMPLE_QC', 0.5],
      ['recordQc', { result: 'PASSED' }, 'IN_PREP', 'SAMPLE_QC', 0.5],
      ['advanceStage', { toStage: 'LIBRARY_PREP' }, 'IN_PREP', 'LIBRARY_PREP', 4],
      ['advanceStage', {}, 'IN_PREP', 'LIBRARY_QC', 1],
      ['recordQc', { result: 'CONDITIONAL', note: 'low yield, customer agreed' }, 'IN_PREP', 'LIBRARY_QC', 0],
      ['advanceStage', {}, 'SEQUENCING', 'SEQUENCING_SETUP', 1],
      ['advanceStage', {}, 'SEQUENCING', 'SEQUENCING_RUN', 48],
      ['advanceStage', {}, 'ANALYSIS', 'BASECALLING', 2],
      ['advanceStage', {}, 'ANALYSIS', 'QUALITY_ASSESSMENT', 1],
      ['recordQc', { result: 'PASSED' }, 'ANALYSIS', 'QUALITY_ASSESSMENT', 0],
      ['advanceStage', {}, 'ANALYSIS', 'DATA_DELIVERY', 1],
      ['advanceStage', {}, 'COMPLETED', null, 1],
      ['markDistributed', { reason: 'data on /proj' }, 'DISTRIBUTED', null, 1],
      ['archiveSample', {}, 'ARCHIVED', null, 0],
    ];
    let version = 1;
    for (const [field, args, status, stage, hoursAfter] of steps) {
      const after = await c.ok(field as 'advanceStage', { id, ...args, version }, staff);
      version += 1;
      expect(after, field).toMatchObject({ status, stage, version });
      h.advance(hoursAfter * 3600);
    }
    const [row] = await h.sql<Record<string, Date | null>>(
      'select received_at, completed_at, distributed_at, qc_status from sample where id = $1',
      [id],
    );
    expect(row!.completed_at).not.toBeNull();
    expect(row!.distributed_at!.getTime() - row!.completed_at!.getTime()).toBeGreaterThan(HOUR - 1000);
    expect(row!.qc_status).toBe('PASSED');

    // Throughput and turnaround on /metrics (workflow-metrics.ts): this file's first sample to complete, 59 h
    // after its reception by the harness clock.
    const lines = (await (await fetch(`${h.url}/metrics`)).text()).split('\n');
    /** The value of the series `name` whose labels include `labels`. */
    const value = (name: string, labels: Record<string, string>) => {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      const line = lines.find((l) => l.startsWith(`${name}{`) && pairs.every((p) => l.includes(p)));
      return Number(line?.split(' ').at(-1));
    };
    expect(value('samples_workflow_moves_total', { move: 'advance', status: 'COMPLETED' })).toBe(1);
    expect(value('samples_workflow_moves_total', { move: 'archive', status: 'ARCHIVED' })).toBe(1);
    expect(value('samples_turnaround_seconds_count', { priority: 'NORMAL' })).toBe(1);
    expectHours(value('samples_turnaround_seconds_sum', { priority: 'NORMAL' }) * 1000, 59);

    const history = await readHistory(h, id);
    expect(history.map((entry) => [entry.move, entry.to_status, entry.to_stage])).toEqual([
      ['receive', 'RECEIVED', null],
      ['advance', 'IN_PREP', 'SAMPLE_QC'],
      ['recordQc', 'IN_PREP', 'SAMPLE_QC'],
      ['advance', 'IN_PREP', 'LIBRARY_PREP'],
      ['advance', 'IN_PREP', 'LIBRARY_QC'],
      ['recordQc', 'IN_PREP', 'LIBRARY_QC'],
      ['advance', 'SEQUENCING', 'SEQUENCING_SETUP'],
      ['advance', 'SEQUENCING', 'SEQUENCING_RUN'],
      ['advance', 'ANALYSIS', 'BASECALLING'],
      ['advance', 'ANALYSIS', 'QUALITY_ASSESSMENT'],
      ['recordQc', 'ANALYSIS', 'QUALITY_ASSESSMENT'],
      ['advance', 'ANALYSIS', 'DATA_DELIVERY'],
      ['advance', 'COMPLETED', null],
      ['markDistributed', 'DISTRIBUTED', null],
      ['archive', 'ARCHIVED', null],
    ]);
    expect(new Set(history.map((entry) => entry.actor_id))).toEqual(new Set([staffId]));
    expect(history[1]).toMatchObject({ reason: 'bench 1', time_in_stage_ms: null });
    expect(history[5]).toMatchObject({ qc_result: 'CONDITIONAL', reason: 'low yield, customer agreed' });
    expect(history[2]!.time_in_stage_ms).toBeNull(); // recording QC does not leave the stage
    // Time in the stage each advance left: SAMPLE_QC 1 h, LIBRARY_PREP 4, LIBRARY_QC 1, SETUP 1, RUN 48, ...
    const left = history.filter((entry) => entry.move === 'advance' && entry.from_stage !== null);
    [1, 4, 1, 1, 48, 2, 1, 1].forEach((hours, i) => expectHours(left[i]!.time_in_stage_ms, hours));
    expect(history[13]!.reason).toBe('data on /proj');

    const events = await h.events(id);
    expect(events.map((e) => e.type)).toEqual([
      'sample.created',
      'sample.received',
      'sample.advanced',
      'sample.qc_recorded',
      'sample.advanced',
      'sample.advanced',
      'sample.qc_recorded',
      ...Array(4).fill('sample.advanced'),
      'sample.qc_recorded',
      'sample.advanced',
      'sample.advanced',
      'sample.distributed',
      'sample.archived',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        entityType: 'Sample',
        entityId: id,
        ownerId: submitterId,
        actorId: staffId,
      });
      expect(event.requestId).toEqual(expect.any(String));
    }
    expect(events[1]!.changes).toMatchObject({
      status: { from: 'SUBMITTED', to: 'RECEIVED' },
      version: { from: 0, to: 1 },
      receivedAt: { from: null },
      dueAt: { from: null },
    });
    expect(events[2]!.changes).toEqual({
      status: { from: 'RECEIVED', to: 'IN_PREP' },
      stage: { from: null, to: 'SAMPLE_QC' },
      version: { from: 1, to: 2 },
    });
    expect(events[2]!.payload).toMatchObject({ move: 'advance', reason: 'bench 1' });
    expect(events[3]!.changes).toEqual({
      qcStatus: { from: 'PENDING', to: 'PASSED' },
      version: { from: 2, to: 3 },
    });
    expect(events[3]!.payload).toMatchObject({ move: 'recordQc', qcStage: 'SAMPLE_QC', qcResult: 'PASSED' });
    expect(events[6]!.changes.qcStatus).toEqual({ from: 'PASSED', to: 'CONDITIONAL' });
    expect(events[13]!.changes).toMatchObject({
      status: { from: 'ANALYSIS', to: 'COMPLETED' },
      stage: { from: 'DATA_DELIVERY', to: null },
      completedAt: { from: null },
    });
    expect(events[14]!.changes).toMatchObject({
      status: { from: 'COMPLETED', to: 'DISTRIBUTED' },
      distributedAt: { from: null },
    });
    expect(events[14]!.payload).toMatchObject({ move: 'markDistributed', reason: 'data on /proj' });
    expect(events[15]!.changes).toMatchObject({ status: { from: 'DISTRIBUTED', to: 'ARCHIVED' } });
  });
});

describe('QC gates', () => {
  it('leaving SAMPLE_QC needs QC that passes; CONDITIONAL needs a note', async () => {
    const { id } = await c.create(staff);
    await c.driveTo(id, 'SAMPLE_QC', staff);
    expect(await c.refused('advanceStage', { id }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'QC_REQUIRED',
    });
    await c.ok('recordQc', { id, result: 'FAILED', note: 'degraded' }, staff);
    expect(await c.refused('advanceStage', { id }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'QC_FAILED',
    });
    for (const note of [undefined, '   ']) {
      expect(await c.refused('recordQc', { id, result: 'CONDITIONAL', note }, staff)).toMatchObject({
        code: 'INVALID_TRANSITION',
        rule: 'QC_NOTE_REQUIRED',
      });
    }
    expect(await c.refused('recordQc', { id, result: 'FAILED' }, staff)).toMatchObject({
      rule: 'QC_NOTE_REQUIRED',
    });
    const conditional = await c.ok('recordQc', { id, result: 'CONDITIONAL', note: 'A260/230 1.6' }, staff);
    expect(conditional.qcStatus).toBe('CONDITIONAL');
    const [row] = await h.sql<{ qc: Record<string, Record<string, unknown>> }>(
      'select qc from sample where id = $1',
      [id],
    );
    expect(row!.qc.SAMPLE_QC).toMatchObject({
      result: 'CONDITIONAL',
      note: 'A260/230 1.6',
      recordedBy: staffId,
    });
    expect(await c.ok('advanceStage', { id }, staff)).toMatchObject({ stage: 'LIBRARY_PREP' });
    expect(await c.refused('recordQc', { id, result: 'PASSED' }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'NOT_QC_STAGE',
    });
  });

  it.each(['LIBRARY_QC', 'QUALITY_ASSESSMENT'])('leaving %s without QC is QC_REQUIRED', async (stage) => {
    const { id } = await c.create(staff);
    await c.driveTo(id, stage, staff);
    expect(await c.refused('advanceStage', { id }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'QC_REQUIRED',
    });
  });
});

describe('holds, failures, reprocessing, cancelling and archiving', () => {
  it('holds with a reason and resumes to exactly where it was', async () => {
    const { id } = await c.create(staff);
    await c.driveTo(id, 'LIBRARY_PREP', staff);
    expect(await c.refused('holdSample', { id, reason: '  ' }, staff)).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'REASON_REQUIRED',
    });
    const held = await c.ok('holdSample', { id, reason: 'waiting for reagents' }, staff);
    expect(held).toMatchObject({ status: 'ON_HOLD', stage: 'LIBRARY_PREP', heldFromStatus: 'IN_PREP' });
    expect(await c.refused('advanceStage', { id }, staff)).toMatchObject({ rule: 'SAMPLE_ON_HOLD' });
    expect(await c.refused('holdSample', { id, reason: 'again' }, staff)).toMatchObject({
      rule: 'SAMPLE_ON_HOLD',
    });
    const resumed = await c.ok('resumeSample', { id }, staff);
    expect(resumed).toMatchObject({ status: 'IN_PREP', stage: 'LIBRARY_PREP', heldFromStatus: null });
    expect(await c.refused('resumeSample', { id }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'NOT_ON_HOLD',
    });
    const events = (await h.events(id)).filter(
      (e) => e.type === 'sample.held' || e.type === 'sample.resumed',
    );
    expect(events.map((e) => [e.type, e.changes.status])).toEqual([
      ['sample.held', { from: 'IN_PREP', to: 'ON_HOLD' }],
      ['sample.resumed', { from: 'ON_HOLD', to: 'IN_PREP' }],
    ]);
    expect(events[0]!.payload).toMatchObject({
      reason: 'waiting for reagents',
      heldFromStage: 'LIBRARY_PREP',
    });
  });

  it('fails with a reason; reprocess restarts at or before the failed stage and clears QC from there', async () => {
    const { id } = await c.create(staff);
    await c.driveTo(id, 'LIBRARY_QC', staff);
    await c.ok('recordQc', { id, result: 'FAILED', note: 'no library' }, staff);
    expect(await c.refused('failSample', { id, reason: '' }, staff)).toMatchObject({
      rule: 'REASON_REQUIRED',
    });
    expect(await c.refused('reprocessSample', { id }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'NOT_FAILED',
    });
    const failed = await c.ok('failSample', { id, reason: 'library failed' }, staff);
    expect(failed).toMatchObject({ status: 'FAILED', stage: 'LIBRARY_QC', qcStatus: 'FAILED' });
    expect(await c.refused('advanceStage', { id }, staff)).toMatchObject({ rule: 'SAMPLE_FAILED' });
    expect(await c.refused('reprocessSample', { id, toStage: 'SEQUENCING_RUN' }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'REPROCESS_FORWARD',
    });
    h.advance(2 * 3600);
    const again = await c.ok('reprocessSample', { id, reason: 'new prep' }, staff);
    expect(again).toMatchObject({ status: 'IN_PREP', stage: 'LIBRARY_PREP', qcStatus: 'PASSED' });
    const [row] = await h.sql<{ qc: Record<string, unknown> }>('select qc from sample where id = $1', [id]);
    expect(Object.keys(row!.qc)).toEqual(['SAMPLE_QC']);
    const history = await readHistory(h, id);
    expect(history.at(-1)).toMatchObject({ move: 'reprocess', from_status: 'FAILED', reason: 'new prep' });
    expect(history.at(-1)!.time_in_stage_ms).toBeGreaterThan(2 * HOUR - MINUTE);
    const event = (await h.events(id)).at(-1)!;
    expect(event).toMatchObject({ type: 'sample.reprocessed', payload: { qcCleared: ['LIBRARY_QC'] } });
    expect(event.changes).toMatchObject({
      status: { from: 'FAILED', to: 'IN_PREP' },
      stage: { from: 'LIBRARY_QC', to: 'LIBRARY_PREP' },
      qcStatus: { from: 'FAILED', to: 'PASSED' },
    });
  });

  it('cancels with a reason; a cancelled sample only archives; archive and distribute rules', async () => {
    const { id } = await c.create(staff);
    await c.driveTo(id, 'SAMPLE_QC', staff);
    expect(await c.refused('archiveSample', { id }, staff)).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'ARCHIVE_ONLY_CLOSED',
    });
    expect(await c.refused('markDistributed', { id }, staff)).toMatchObject({
      rule: 'DISTRIBUTE_ONLY_COMPLETED',
    });
    expect(await c.refused('cancelSample', { id, reason: ' ' }, staff)).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'REASON_REQUIRED',
    });
    expect(await c.ok('cancelSample', { id, reason: 'customer withdrew' }, staff)).toMatchObject({
      status: 'CANCELLED',
      stage: 'SAMPLE_QC',
    });
    for (const field of ['advanceStage', 'resumeSample', 'reprocessSample'] as const) {
      expect(await c.refused(field, { id }, staff)).toMatchObject({
        code: 'INVALID_TRANSITION',
        rule: 'TERMINAL_STATUS',
      });
    }
    expect(await c.ok('archiveSample', { id }, staff)).toMatchObject({ status: 'ARCHIVED' });
    expect(await c.refused('archiveSample', { id }, staff)).toMatchObject({ rule: 'TERMINAL_STATUS' });
    expect((await h.events(id)).at(-2)).toMatchObject({
      type: 'sample.cancelled',
      payload: { move: 'cancel', reason: 'customer withdrew' },
    });

    const done = await c.create(staff);
    await c.driveTo(done.id, 'COMPLETED', staff);
    expect(await c.refused('archiveSample', { id: done.id }, staff)).toMatchObject({
      rule: 'ARCHIVE_ONLY_CLOSED',
    });
    expect(await c.refused('cancelSample', { id: done.id, reason: 'late' }, staff)).toMatchObject({
      rule: 'WORKFLOW_COMPLETE',
    });
    expect(await c.refused('holdSample', { id: done.id, reason: 'x' }, staff)).toMatchObject({
      rule: 'WORKFLOW_COMPLETE',
    });
  });

  it('refuses out-of-order moves: not received, already received, skipping or going back', async () => {
    const { id } = await c.create(staff);
    expect(await c.refused('advanceStage', { id }, staff)).toMatchObject({ rule: 'NOT_RECEIVED' });
    await c.driveTo(id, 'RECEIVED', staff);
    const again = await c.bulk('receiveSamples', { ids: [id] }, staff);
    expect(again.data.receiveSamples.results[0].error).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'ALREADY_RECEIVED',
    });
    expect(await c.refused('advanceStage', { id, toStage: 'LIBRARY_PREP' }, staff)).toMatchObject({
      rule: 'STAGE_SKIP',
    });
    await c.driveTo(id, 'LIBRARY_PREP', staff);
    expect(await c.refused('advanceStage', { id, toStage: 'SAMPLE_QC' }, staff)).toMatchObject({
      rule: 'STAGE_BACKWARD',
    });
  });

  it('a refused move changes nothing and writes no event and no history', async () => {
    const { id } = await c.create(staff);
    await c.driveTo(id, 'SAMPLE_QC', staff);
    const before = {
      version: await readVersion(h, id),
      events: (await h.events(id)).length,
      history: (await readHistory(h, id)).length,
    };
    await c.refused('advanceStage', { id }, staff);
    await c.refused('recordQc', { id, result: 'CONDITIONAL' }, staff);
    await c.refused('advanceStage', { id }, viewer);
    expect({
      version: await readVersion(h, id),
      events: (await h.events(id)).length,
      history: (await readHistory(h, id)).length,
    }).toEqual(before);
  });

  it('answers NOT_FOUND for an unknown or malformed id, and CONFLICT for a stale version', async () => {
    expect(await c.refused('advanceStage', { id: randomUUID() }, staff)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await c.refused('advanceStage', { id: 'not-a-uuid' }, staff)).toMatchObject({ code: 'NOT_FOUND' });
    const { id } = await c.create(staff);
    await c.driveTo(id, 'RECEIVED', staff);
    expect(await c.refused('advanceStage', { id, version: 0 }, staff)).toEqual({
      code: 'CONFLICT',
      rule: 'STALE_VERSION',
      expectedVersion: 0,
      actualVersion: 1,
    });
  });
});

describe('who may move', () => {
  it('VIEWER and SUBMITTER cannot move; VIEWER cannot cancel either', async () => {
    const { id } = await c.create(staff, { ownerId: submitterId });
    await c.driveTo(id, 'RECEIVED', staff);
    expect(await c.refused('advanceStage', { id }, viewer)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await c.refused('advanceStage', { id }, submitter)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await c.bulkRefused('receiveSamples', { ids: [id] }, viewer)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await c.refused('cancelSample', { id, reason: 'no' }, viewer)).toMatchObject({
      code: 'FORBIDDEN',
      rule: 'ROLE_FORBIDDEN',
    });
    expect(await readVersion(h, id)).toBe(1);
  });

  it("a SUBMITTER cancels their own SUBMITTED sample, not another's, not once received", async () => {
    const own = await c.create(staff, { ownerId: submitterId });
    const ownReceived = await c.create(staff, { ownerId: submitterId });
    await c.driveTo(ownReceived.id, 'RECEIVED', staff);
    const others = await c.create(staff, { ownerId: randomUUID() });

    expect(await c.refused('cancelSample', { id: others.id, reason: 'not mine' }, submitter)).toEqual({
      code: 'NOT_FOUND',
      id: others.id,
    });
    expect(
      await c.refused('cancelSample', { id: ownReceived.id, reason: 'too late' }, submitter),
    ).toMatchObject({
      code: 'FORBIDDEN',
      rule: 'SUBMITTER_CANCEL_ONLY_SUBMITTED',
    });
    const cancelled = await c.ok('cancelSample', { id: own.id, reason: 'changed my mind' }, submitter);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', stage: null });
    expect((await h.events(own.id)).at(-1)).toMatchObject({
      type: 'sample.cancelled',
      ownerId: submitterId,
      actorId: submitterId,
    });
    // STAFF cancels whatever is not complete.
    expect(await c.ok('cancelSample', { id: ownReceived.id, reason: 'staff call' }, staff)).toMatchObject({
      status: 'CANCELLED',
    });
  });
});
