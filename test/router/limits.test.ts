import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeSupergraphSdl,
  signToken,
  startJwks,
  startRouter,
  type TestKeys,
  type TestRouter,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';
import { aliasedTypenames, fragmentFanOut } from '../helpers/hostile-queries.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let router: TestRouter;
let sdl: string;

const limits = { maxBodyBytes: 2000, maxTokens: 200, maxDepth: 2, maxAliases: 3, maxRootFields: 5 };

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  router = await startRouter({
    supergraph: { sdl },
    jwt: { jwksUrl: keys.jwksUrl },
    limits,
    cost: { maxCost: 100 },
  });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close()]);
});

const limitError = (limit: string, max: number, actual?: number) => ({
  errors: [
    {
      message: expect.any(String),
      extensions: {
        code: 'OPERATION_LIMIT_EXCEEDED',
        limit,
        max,
        ...(actual === undefined ? {} : { actual }),
      },
    },
  ],
});

describe('operation limits', () => {
  it('answers 413 to a body over maxBodyBytes', async () => {
    const res = await router.post({ query: `{ hello }#${'x'.repeat(2500)}` });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(limitError('maxBodyBytes', 2000));
  });

  it('stops the parser at maxTokens', async () => {
    const res = await router.post({ query: `{ ${'hello '.repeat(210)}}` });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(limitError('maxTokens', 200));
  });

  it('refuses operations deeper than maxDepth, counting fragments', async () => {
    const res = await router.post({
      query: '{ publicSamples { ...S } } fragment S on Sample { owner { id } }',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(limitError('maxDepth', 2, 3));
    const ok = await router.post({ query: '{ publicSamples { id } }' });
    expect(ok.body).toEqual({ data: { publicSamples: [{ id: 's1' }, { id: 's2' }] } });
  });

  it('refuses more aliases than maxAliases', async () => {
    const res = await router.post({ query: '{ a: hello b: hello c: hello d: hello }' });
    expect(res.body).toEqual(limitError('maxAliases', 3, 4));
  });

  it('counts introspection fields toward depth, aliases and root fields', async () => {
    // Introspection is for signed-in callers (ROUTER_INTROSPECTION); for them it counts like any field.
    const signedIn = { authorization: `Bearer ${await signToken(keys)}` };
    const deep = await router.post({ query: '{ __schema { types { name } } }' }, signedIn);
    expect(deep.status).toBe(400);
    expect(deep.body).toEqual(limitError('maxDepth', 2, 3));
    expect(
      (await router.post({ query: '{ a: __typename b: __typename c: __typename d: __typename }' })).body,
    ).toEqual(limitError('maxAliases', 3, 4));
    expect((await router.post({ query: '{ __typename hello echo boom slow expensive }' })).body).toEqual(
      limitError('maxRootFields', 5, 6),
    );
  });

  it('refuses more root fields than maxRootFields', async () => {
    const res = await router.post({ query: '{ hello echo boom slow expensive secret }' });
    expect(res.body).toEqual(limitError('maxRootFields', 5, 6));
  });

  it('enforces maxCost with @cost weights and list sizes from slicing arguments', async () => {
    expect((await router.post({ query: '{ expensive }' })).body).toEqual(limitError('maxCost', 100, 500));
    // users(first: 200) returns up to 200 User objects of weight 1.
    expect((await router.post({ query: '{ users(first: 200) { id } }' })).body).toEqual(
      limitError('maxCost', 100, 200),
    );
    const variables = await router.post({
      query: 'query($n: Int) { users(first: $n) { id } }',
      variables: { n: 101 },
    });
    expect(variables.body).toEqual(limitError('maxCost', 100, 101));
    // publicSamples has no @listSize: 10 (default list size) x Sample 1 = 10.
    const ok = await router.post({ query: '{ publicSamples { id } users(first: 50) { id } }' });
    expect(ok.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('refuses a negative or oversized slicing argument as BAD_USER_INPUT instead of a negative cost', async () => {
    const before = graphs.users.requests.length;
    // Before: -1,340,000 x User 1 cancelled the 500 of `expensive`.
    const negative = await router.post({ query: '{ expensive users(first: -1340000) { id } }' });
    expect(negative.status).toBe(400);
    expect(negative.body).toEqual({
      errors: [
        {
          message: 'Argument "first" of Query.users must be a whole number from 0 to 1000 (got -1340000)',
          extensions: { code: 'BAD_USER_INPUT', field: 'Query.users', argument: 'first', max: 1000 },
        },
      ],
    });
    const variable = await router.post({
      query: 'query($n: Int) { users(first: $n) { id } }',
      variables: { n: 5000 },
    });
    expect(variable.status).toBe(400);
    expect(variable.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'first',
    });
    expect(graphs.users.requests.length).toBe(before);
  });

  it('only measures in measure mode', async () => {
    const measure = await startRouter({
      supergraph: { sdl },
      jwt: { jwksUrl: keys.jwksUrl },
      cost: { maxCost: 100, mode: 'measure' },
    });
    try {
      const res = await measure.post({ query: 'query Pricey { expensive }' });
      expect(res.body).toEqual({ data: { expensive: 'pricey' } });
      expect(measure.logs.find((l) => l.stage === 'cost')).toMatchObject({
        cost: 500,
        maxCost: 100,
        mode: 'measure',
      });
      const metrics = await (await fetch(`${measure.origin}/metrics`)).text();
      expect(metrics).toContain('router_operation_cost_sum{operation="Pricey"} 500');
    } finally {
      await measure.close();
    }
  });
});

describe('hostile operations, with the default limits', () => {
  let defaults: TestRouter;
  beforeAll(async () => {
    defaults = await startRouter({ supergraph: { sdl }, jwt: { jwksUrl: keys.jwksUrl } });
  });
  afterAll(async () => {
    await defaults?.close();
  });

  it('refuses a 1 KB fragment fan-out (2^30 selections) before planning, and keeps answering', async () => {
    const before = graphs.samples.requests.length;
    const query = fragmentFanOut(30, {
      on: 'Sample',
      select: (s) => `{ publicSamples { ${s} } }`,
      leaf: 'id',
    });
    expect(query.length).toBeLessThan(1300);
    const [attack, health, hello] = await Promise.all([
      defaults.post({ query }),
      fetch(`${defaults.origin}/health`),
      defaults.post({ query: '{ publicSamples { id } }' }),
    ]);
    expect(attack.status).toBe(400);
    expect(attack.body.errors?.[0]?.extensions).toEqual({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'maxSelections',
      max: 2000,
      // publicSamples and 2^31 - 1 spreads of F0..F30 and 2^30 ids
      actual: 1 + 2 ** 31 - 1 + 2 ** 30,
    });
    expect(health.status).toBe(200);
    expect(hello.body).toEqual({ data: { publicSamples: [{ id: 's1' }, { id: 's2' }] } });
    expect(graphs.samples.requests.length).toBe(before + 1);
  });

  it('refuses 2,000 aliased __typename', async () => {
    const res = await defaults.post({ query: aliasedTypenames(2000) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(limitError('maxAliases', 30, 2000));
  });

  it('refuses cyclic fragments', async () => {
    const res = await defaults.post({
      query: '{ publicSamples { ...A } } fragment A on Sample { id ...B } fragment B on Sample { ...A }',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0]?.message).toMatch(/Cannot spread fragment "A" within itself/);
  });
});
