// occurredAt over real HTTP with real JWTs: a sample registered and moved in the past takes those times in its
// history, QC record, reception, due date and stage clock; the audit event keeps its recording time and carries
// occurredAt; a time in the future or before the sample's latest change is refused per sample, changing nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleClient, readHistory } from './sample-testing.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

let h: SamplesHarness;
let c: ReturnType<typeof createSampleClient>;
let staff: Record<string, string>;
const DAY = 24 * 3_600_000;

beforeAll(async () => {
  h = await startSamplesHarness();
  c = createSampleClient(h);
  staff = await h.as(['STAFF']);
});
afterAll(async () => {
  await h?.close();
});

describe('occurredAt', () => {
  it('dates creation, moves and QC in the past; the row and the audit event keep the time of recording', async () => {
    const now = new Date('2026-06-15T12:00:00.000Z');
    h.setNow(now);
    const createdAt = new Date(now.getTime() - 40 * DAY);
    const received = new Date('2026-05-07T09:00:00.000Z'); // a Thursday, 39 days before
    const created = await c.create(staff, { occurredAt: createdAt.toISOString() });
    const id = created.id as string;
    const [registered] = await h.sql<{ created_at: Date }>('select created_at from sample where id = $1', [
      id,
    ]);
    expect(registered!.created_at.toISOString()).toBe(createdAt.toISOString());

    const body = await c.bulk(
      'bulkMoveSamples',
      { input: { ids: [id], move: 'RECEIVE', occurredAt: received.toISOString() } },
      staff,
    );
    expect(body.data.bulkMoveSamples.results[0].sample).toMatchObject({
      status: 'RECEIVED',
      receivedAt: received.toISOString(),
      dueAt: '2026-05-14T09:00:00.000Z', // five business days
    });
    const advanced = await c.bulk(
      'bulkMoveSamples',
      { input: { ids: [id], move: 'ADVANCE', occurredAt: '2026-05-07T11:00:00.000Z' } },
      staff,
    );
    expect(advanced.data.bulkMoveSamples.succeeded).toBe(1);
    const qc = await h.gql(
      'mutation ($id: ID!, $at: DateTime) { recordQc(id: $id, result: PASSED, occurredAt: $at) { qcStatus } }',
      { id, at: '2026-05-07T15:00:00.000Z' },
      staff,
    );
    expect(qc.body.data.recordQc.qcStatus).toBe('PASSED');
    await c.bulk(
      'bulkMoveSamples',
      { input: { ids: [id], move: 'ADVANCE', occurredAt: '2026-05-08T10:00:00.000Z' } },
      staff,
    );

    const history = await readHistory(h, id);
    expect(history.map((row) => [row.move, row.at.toISOString(), row.time_in_stage_ms])).toEqual([
      ['receive', received.toISOString(), null],
      ['advance', '2026-05-07T11:00:00.000Z', null],
      ['recordQc', '2026-05-07T15:00:00.000Z', null],
      ['advance', '2026-05-08T10:00:00.000Z', 23 * 3_600_000],
    ]);
    const [row] = await h.sql<{ qc: { SAMPLE_QC: { recordedAt: string } }; updated_at: Date }>(
      'select qc, updated_at from sample where id = $1',
      [id],
    );
    expect(row!.qc.SAMPLE_QC.recordedAt).toBe('2026-05-07T15:00:00.000Z');

    const events = await h.events(id);
    expect(events.map((e) => [e.type, e.payload?.occurredAt])).toEqual([
      ['sample.created', createdAt.toISOString()],
      ['sample.received', received.toISOString()],
      ['sample.advanced', '2026-05-07T11:00:00.000Z'],
      ['sample.qc_recorded', '2026-05-07T15:00:00.000Z'],
      ['sample.advanced', '2026-05-08T10:00:00.000Z'],
    ]);
    // The row records when it was written (the harness clock), not when the work happened.
    expect(Math.abs(row!.updated_at.getTime() - now.getTime())).toBeLessThan(60_000);
  });

  it('refuses the future, more than five years back and before the latest change, changing nothing', async () => {
    const now = new Date('2026-06-15T12:00:00.000Z');
    h.setNow(now);
    expect(
      await c.refused(
        'createSample',
        {
          input: { name: `S-${randomUUID()}`, occurredAt: new Date(now.getTime() + 3_600_000).toISOString() },
        },
        staff,
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.occurredAt', rule: 'OCCURRED_IN_FUTURE' });
    expect(
      await c.refused(
        'createSample',
        { input: { name: `S-${randomUUID()}`, occurredAt: '2020-01-01T00:00:00.000Z' } },
        staff,
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'OCCURRED_TOO_EARLY' });

    const created = await c.create(staff, { occurredAt: new Date(now.getTime() - 10 * DAY).toISOString() });
    const id = created.id as string;
    const before = await c.bulk(
      'bulkMoveSamples',
      { input: { ids: [id], move: 'RECEIVE', occurredAt: new Date(now.getTime() - 11 * DAY).toISOString() } },
      staff,
    );
    expect(before.data.bulkMoveSamples.results[0]).toMatchObject({
      ok: false,
      error: { code: 'BAD_USER_INPUT', rule: 'OCCURRED_BEFORE_LAST_CHANGE' },
    });
    expect(await readHistory(h, id)).toEqual([]);
  });
});
