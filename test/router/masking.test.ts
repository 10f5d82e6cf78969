import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeSupergraphSdl,
  federation,
  signToken,
  startJwks,
  startRouter,
  startSubgraph,
  type TestKeys,
  type TestRouter,
  type TestSubgraph,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let extra: TestSubgraph;
let keys: TestKeys;
let router: TestRouter;

beforeAll(async () => {
  [graphs, keys, extra] = await Promise.all([
    startTestGraphs(),
    startJwks(),
    startSubgraph('inventory', `${federation}\ntype Query { bonus: String }`, {
      Query: { bonus: () => 'x' },
    }),
  ]);
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples, extra]);
  router = await startRouter({
    supergraph: { sdl },
    jwt: { jwksUrl: keys.jwksUrl },
    subgraphTimeout: { timeoutMs: 250 },
  });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close(), extra?.close()]);
});

/** Nothing about subgraphs or internals in what the client receives. */
const expectNoInternals = (raw: string) => {
  for (const secret of [
    'users',
    'samples',
    'inventory',
    'hunter2',
    'ECONNREFUSED',
    'stack',
    '127.0.0.1',
    'http://',
    'serviceName',
  ]) {
    expect(raw).not.toContain(secret);
  }
};

describe('error masking', () => {
  it('masks a subgraph resolver error as Internal server error with the request id, and logs the details', async () => {
    const response = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ hello boom }' }),
    });
    const raw = await response.text();
    const requestId = response.headers.get('x-request-id');
    expect(JSON.parse(raw)).toEqual({
      data: { hello: 'world', boom: null },
      errors: [
        {
          message: 'Internal server error',
          path: ['boom'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
        },
      ],
    });
    expectNoInternals(raw);
    const logged = router.logs.find((l) => l.stage === 'errorMasking' && l.requestId === requestId);
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('masks a subgraph that cannot be reached without naming it', async () => {
    await extra.close();
    const response = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ bonus }' }),
    });
    const raw = await response.text();
    const body = JSON.parse(raw) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors.map((e) => [e.message, e.extensions.code])).toEqual([
      ['Internal server error', 'INTERNAL_SERVER_ERROR'],
    ]);
    expectNoInternals(raw);
  });

  it('passes known codes through with their message', async () => {
    const res = await router.post({ query: '{ nope }' });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(res.body.errors?.[0]?.message).toContain('Cannot query field "nope"');
  });

  it('turns a slow subgraph into GATEWAY_TIMEOUT', async () => {
    const response = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ slow }' }),
    });
    const raw = await response.text();
    expect(JSON.parse(raw)).toMatchObject({
      errors: [{ extensions: { code: 'GATEWAY_TIMEOUT', timeoutMs: 250 } }],
    });
    expectNoInternals(raw);
  });
});

describe('header propagation', () => {
  it('sends subgraphs only authorization and x-request-id, and echoes the request id', async () => {
    const token = await signToken(keys, { sub: 'u1' });
    const res = await router.post(
      { query: '{ hello }' },
      {
        authorization: `Bearer ${token}`,
        cookie: 'session=abc',
        'x-user-id': 'admin',
        'x-request-id': 'req-123',
      },
    );
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const received = graphs.users.requests.at(-1) ?? {};
    expect(received.authorization).toBe(`Bearer ${token}`);
    expect(received['x-request-id']).toBe('req-123');
    expect(received.cookie).toBeUndefined();
    expect(received['x-user-id']).toBeUndefined();
    const forwarded = Object.keys(received).filter(
      (h) =>
        ![
          'host',
          'connection',
          'content-length',
          'content-type',
          'accept',
          'accept-encoding',
          'accept-language',
          'sec-fetch-mode',
          'user-agent',
        ].includes(h),
    );
    expect(forwarded.sort()).toEqual(['authorization', 'x-request-id']);
  });

  it('generates a uuid request id when the client sends none', async () => {
    const res = await router.post({ query: '{ hello }' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(graphs.users.requests.at(-1)?.['x-request-id']).toBe(res.headers.get('x-request-id'));
    expect(graphs.users.requests.at(-1)?.authorization).toBeUndefined();
  });
});
