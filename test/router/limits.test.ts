import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraphSdl, startJwks, startRouter, type TestKeys, type TestRouter } from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

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
