// The samples subgraph on its own port enforces the router's operation limits: going around the router buys
// nothing. Real database, real HTTP, real JWTs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasedTypenames, fragmentFanOut } from '../../test/helpers/hostile-queries.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

describe('samples subgraph: operation limits on its own port', () => {
  let h: SamplesHarness;
  let staff: Record<string, string>;

  beforeAll(async () => {
    h = await startSamplesHarness();
    staff = await h.as(['STAFF']);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('refuses a 1 KB fragment fan-out with 400 before touching the database, and keeps answering', async () => {
    const query = fragmentFanOut(30, {
      on: 'Sample',
      select: (s) => `{ samples { edges { node { ${s} } } } }`,
      leaf: 'id',
    });
    const queriesBefore = await h.queryCount();
    const [attack, health] = await Promise.all([h.gql(query, {}, staff), fetch(`${h.url}/health`)]);
    expect(attack.status).toBe(400);
    expect(attack.body.errors![0].extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'maxSelections',
      max: 5000,
    });
    expect(health.status).toBe(200);
    expect(await h.queryCount()).toBe(queriesBefore);
    const ok = await h.gql('{ samples(first: 5) { totalCount } }', {}, staff);
    expect(ok.body).toEqual({ data: { samples: { totalCount: 0 } } });
  });

  it('refuses 2,000 aliased __typename with 400', async () => {
    const res = await h.gql(aliasedTypenames(2000), {}, staff);
    expect(res.status).toBe(400);
    expect(res.body.errors![0].extensions).toEqual({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'maxAliases',
      max: 30,
      actual: 2000,
    });
  });

  it('refuses a negative slicing argument as BAD_USER_INPUT before running anything', async () => {
    const res = await h.gql('{ dashboard { total } samples(first: -1340000) { totalCount } }', {}, staff);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message: 'Argument "first" of Query.samples must be a whole number from 0 to 1000 (got -1340000)',
          extensions: { code: 'BAD_USER_INPUT', field: 'Query.samples', argument: 'first', max: 1000 },
        },
      ],
    });
  });
});
