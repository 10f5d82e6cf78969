// The original finding of issue 10: a 70 KB reason on cancelSample was applied, and its audit event was too large
// to deliver. The reason now has a documented maximum, checked before anything is read or written.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleClient, readHistory } from './sample-testing.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

let h: SamplesHarness;
let c: ReturnType<typeof createSampleClient>;
let staff: Record<string, string>;

beforeAll(async () => {
  h = await startSamplesHarness();
  c = createSampleClient(h);
  staff = await h.as(['STAFF'], randomUUID());
});
afterAll(async () => {
  await h?.close();
});

describe('text limits on the samples subgraph', () => {
  it('refuses a 70 KB cancellation reason with BAD_USER_INPUT naming the field and the limit; nothing changes', async () => {
    const { id } = await c.create(staff);
    const before = await h.sql('select status, version from sample where id = $1', [id]);
    const eventsBefore = await h.events(id);
    const historyBefore = await readHistory(h, id);

    const reason = 'x'.repeat(70 * 1024);
    expect(await c.refused('cancelSample', { id, reason }, staff)).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'TEXT_LENGTH',
      field: 'reason',
      max: 2000,
      length: reason.length,
    });
    expect(await h.sql('select status, version from sample where id = $1', [id])).toEqual(before);
    expect(await h.events(id)).toEqual(eventsBefore);
    expect(await readHistory(h, id)).toEqual(historyBefore);

    // At the limit it is taken.
    const atLimit = 'y'.repeat(2000);
    expect(await c.ok('cancelSample', { id, reason: atLimit }, staff)).toMatchObject({ status: 'CANCELLED' });
    expect((await h.events(id)).at(-1)).toMatchObject({ payload: { reason: atLimit } });
  });

  it('checks text nested in input objects and lists, naming the path', async () => {
    expect(
      await c.refused(
        'createSample',
        { input: { name: 'ok', fileFormats: ['FASTQ', 'B'.repeat(21)] } },
        staff,
      ),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'TEXT_LENGTH',
      field: 'fileFormats',
      path: 'input.fileFormats.1',
      max: 20,
    });
    expect(await c.refused('createSample', { input: { name: 'n'.repeat(201) } }, staff)).toMatchObject({
      field: 'name',
      path: 'input.name',
      max: 200,
    });
  });

  it('checks the reason of a bulk move and the search text of a query', async () => {
    const { id } = await c.create(staff);
    expect(
      await c.bulkRefused(
        'bulkMoveSamples',
        { input: { ids: [id], move: 'CANCEL', reason: 'r'.repeat(2001) } },
        staff,
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason', path: 'input.reason', max: 2000 });
    const { body } = await h.gql(
      'query ($s: String) { samples(filter: { search: $s }) { totalCount } }',
      {
        s: 's'.repeat(201),
      },
      staff,
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'search',
      path: 'filter.search',
      max: 200,
    });
  });
});
