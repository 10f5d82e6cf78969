// Bulk moves (each sample by the single move's rules, on its own) and concurrent moves of one sample.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BULK_IDS } from './deps.ts';
import { createSampleClient, readHistory, readVersion } from './sample-testing.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

let h: SamplesHarness;
let c: ReturnType<typeof createSampleClient>;
const staffId = randomUUID();
let staff: Record<string, string>;

beforeAll(async () => {
  h = await startSamplesHarness();
  c = createSampleClient(h);
  staff = await h.as(['STAFF'], staffId);
});
afterAll(async () => {
  await h?.close();
});

async function createMany(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push((await c.create(staff)).id);
  return ids;
}

/** Each sample's version, in the order of `ids` (null for an unknown one). */
async function versions(ids: string[]): Promise<(number | null)[]> {
  const rows = await h.sql<{ id: string; version: number }>(
    'select id, version from sample where id = any($1::uuid[])',
    [ids],
  );
  return ids.map((id) => rows.find((row) => row.id === id)?.version ?? null);
}

describe('bulkMoveSamples', () => {
  it('moves the samples that may move, refuses the others by name, in the order given', async () => {
    const [r1, r2, r3, r4, r5, q1, q2, held] = await createMany(8);
    const all = [r1!, r2!, r3!, r4!, r5!, q1!, q2!, held!];
    expect((await c.bulk('receiveSamples', { ids: all }, staff)).data.receiveSamples).toMatchObject({
      succeeded: 8,
      failed: 0,
    });
    const entered = await c.bulk('bulkMoveSamples', { input: { ids: all, move: 'ADVANCE' } }, staff);
    expect(entered.data.bulkMoveSamples.succeeded).toBe(8);
    for (const id of [r1, r2, r3, r4, r5]) await c.ok('recordQc', { id, result: 'PASSED' }, staff);
    await c.ok('holdSample', { id: held, reason: 'customer question' }, staff);

    const unknown = randomUUID();
    const ids = [r1!, q1!, r2!, unknown, r3!, held!, q2!, r4!, r5!];
    const before = await versions(ids);
    const eventsBefore = await h.sql('select 1 from outbox_event where entity_id = any($1)', [ids]);
    const { data } = await c.bulk(
      'bulkMoveSamples',
      { input: { ids, move: 'ADVANCE', toStage: 'LIBRARY_PREP', reason: 'batch 7' } },
      staff,
    );
    const result = data.bulkMoveSamples;
    expect(result).toMatchObject({ succeeded: 5, failed: 4 });
    expect(result.results.map((r: { id: string }) => r.id)).toEqual(ids);
    const byId = Object.fromEntries(result.results.map((r: { id: string }) => [r.id, r]));
    for (const id of [r1, r2, r3, r4, r5]) {
      expect(byId[id!]).toMatchObject({
        ok: true,
        error: null,
        sample: { id, status: 'IN_PREP', stage: 'LIBRARY_PREP', version: 4 },
      });
    }
    const qcRequired = { code: 'INVALID_TRANSITION', rule: 'QC_REQUIRED' };
    expect(byId[q1!]).toMatchObject({ ok: false, sample: null, error: qcRequired });
    expect(byId[q2!]).toMatchObject({ ok: false, sample: null, error: qcRequired });
    expect(byId[held!]).toMatchObject({
      ok: false,
      error: { code: 'INVALID_TRANSITION', rule: 'SAMPLE_ON_HOLD' },
    });
    expect(byId[unknown]).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', rule: null } });

    // The refused ones are exactly as they were; the moved ones each have one new version, history row and event.
    const after = await versions(ids);
    ids.forEach((id, i) => {
      const moved = [r1, r2, r3, r4, r5].includes(id);
      expect(after[i], id).toBe(before[i] === null ? null : before[i]! + (moved ? 1 : 0));
    });
    const eventsAfter = await h.sql('select 1 from outbox_event where entity_id = any($1)', [ids]);
    expect(eventsAfter.length - eventsBefore.length).toBe(5);
    const last = (await readHistory(h, r3!)).at(-1);
    expect(last).toMatchObject({
      move: 'advance',
      to_stage: 'LIBRARY_PREP',
      reason: 'batch 7',
      actor_id: staffId,
    });
    expect((await readHistory(h, q1!)).at(-1)).toMatchObject({ move: 'advance', to_stage: 'SAMPLE_QC' });
  });

  it('refuses per sample by the single rules: a hold without reason, a skipped stage', async () => {
    const ids = await createMany(2);
    await c.bulk('receiveSamples', { ids }, staff);
    const hold = await c.bulk('bulkMoveSamples', { input: { ids, move: 'HOLD' } }, staff);
    expect(hold.data.bulkMoveSamples.results.map((r: { error: unknown }) => r.error)).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', rule: 'REASON_REQUIRED' }),
      expect.objectContaining({ code: 'BAD_USER_INPUT', rule: 'REASON_REQUIRED' }),
    ]);
    const skip = await c.bulk(
      'bulkMoveSamples',
      { input: { ids, move: 'ADVANCE', toStage: 'LIBRARY_QC' } },
      staff,
    );
    expect(skip.data.bulkMoveSamples).toMatchObject({ succeeded: 0, failed: 2 });
    expect(skip.data.bulkMoveSamples.results[0].error.rule).toBe('STAGE_SKIP');
    const cancel = await c.bulk('bulkMoveSamples', { input: { ids, move: 'CANCEL', reason: 'dup' } }, staff);
    expect(cancel.data.bulkMoveSamples.succeeded).toBe(2);
    const archive = await c.bulk('bulkMoveSamples', { input: { ids, move: 'ARCHIVE' } }, staff);
    expect(
      archive.data.bulkMoveSamples.results.map((r: { sample: { status: string } }) => r.sample.status),
    ).toEqual(['ARCHIVED', 'ARCHIVED']);
    expect((await h.events(ids[0]!)).map((e) => e.type).slice(-2)).toEqual([
      'sample.cancelled',
      'sample.archived',
    ]);
  });

  it('takes 1 to 500 distinct ids; toStage only for ADVANCE and REPROCESS', async () => {
    const tooMany = Array.from({ length: MAX_BULK_IDS + 1 }, () => randomUUID());
    for (const ids of [tooMany, []]) {
      expect(
        await c.bulkRefused('bulkMoveSamples', { input: { ids, move: 'ADVANCE' } }, staff),
      ).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'ids',
        rule: 'BULK_SIZE',
      });
    }
    expect(await c.bulkRefused('receiveSamples', { ids: tooMany }, staff)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'ids',
    });
    const id = randomUUID();
    expect(await c.bulkRefused('receiveSamples', { ids: [id, id] }, staff)).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'DUPLICATE_IDS',
    });
    const holdTo = { ids: [id], move: 'HOLD', reason: 'x', toStage: 'SAMPLE_QC' };
    expect(await c.bulkRefused('bulkMoveSamples', { input: holdTo }, staff)).toMatchObject({
      field: 'toStage',
      rule: 'TO_STAGE_NOT_APPLICABLE',
    });
  });

  it('reports an unexpected failure of one sample as INTERNAL_SERVER_ERROR, without details', async () => {
    const [broken, fine] = await createMany(2);
    // A qc column no writer of ours produces: reading the workflow state throws a plain Error.
    await h.sql(`update sample set qc = '{"SAMPLE_QC": 5}' where id = $1`, [broken]);
    const body = await c.bulk('receiveSamples', { ids: [broken, fine] }, staff);
    expect(body.data.receiveSamples).toMatchObject({ succeeded: 1, failed: 1 });
    expect(body.data.receiveSamples.results[0].error).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      rule: null,
      message: 'internal error',
    });
    expect(await versions([broken!, fine!])).toEqual([0, 1]);
  });

  it('moves many samples at once with a handful of statements each', async () => {
    const ids = await createMany(40);
    const start = await h.queryCount();
    const body = await c.bulk('receiveSamples', { ids }, staff);
    const statements = (await h.queryCount()) - start;
    expect(body.data.receiveSamples).toMatchObject({ succeeded: 40, failed: 0 });
    expect(statements / ids.length).toBeLessThanOrEqual(8);
    expect(new Set(await versions(ids))).toEqual(new Set([1]));
    const events = await h.sql<{ n: number }>(
      `select count(*)::int as n from outbox_event where type = 'sample.received' and entity_id = any($1)`,
      [ids],
    );
    expect(events[0]!.n).toBe(40);
  });
});

describe('concurrent moves of one sample', () => {
  it('two advances with the same version: exactly one wins, the other gets CONFLICT', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { id } = await c.create(staff);
      await c.driveTo(id, 'RECEIVED', staff);
      const answers = await Promise.all([1, 2].map(() => c.send('advanceStage', { id, version: 1 }, staff)));
      const codes = answers.map(({ body }) => body.errors?.[0]?.extensions.code ?? 'OK').sort();
      expect(codes, `round ${round}`).toEqual(['CONFLICT', 'OK']);
      const advances = (await readHistory(h, id)).filter((entry) => entry.move === 'advance');
      expect(advances).toHaveLength(1);
      expect(await readVersion(h, id)).toBe(2);
    }
  });

  it('moves without a version never lose an update: the version counts the successes', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { id } = await c.create(staff);
      await c.driveTo(id, 'SAMPLE_QC', staff);
      const start = await readVersion(h, id);
      const answers = await Promise.all(
        [1, 2, 3, 4].map(() => c.send('recordQc', { id, result: 'PASSED' }, staff)),
      );
      const codes = answers.map(({ body }) => body.errors?.[0]?.extensions.code ?? 'OK');
      const successes = codes.filter((code) => code === 'OK').length;
      expect(successes).toBeGreaterThanOrEqual(1);
      expect(codes.filter((code) => code !== 'OK').every((code) => code === 'CONFLICT')).toBe(true);
      expect(await readVersion(h, id)).toBe(start + successes);
      const recorded = (await readHistory(h, id)).filter((entry) => entry.move === 'recordQc');
      expect(recorded).toHaveLength(successes);
      const events = (await h.events(id)).filter((e) => e.type === 'sample.qc_recorded');
      expect(events.map((e) => e.changes.version!.to)).toEqual(
        Array.from({ length: successes }, (_, i) => start + i + 1),
      );
    }
  });
});
