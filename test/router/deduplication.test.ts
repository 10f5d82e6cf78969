import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deduplicationKey } from '../../router/stages/useDeduplication.ts';
import {
  composeSupergraphSdl,
  signToken,
  startJwks,
  startRouter,
  type TestKeys,
  type TestRouter,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let router: TestRouter;

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  router = await startRouter({ supergraph: { sdl }, jwt: { jwksUrl: keys.jwksUrl } });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close()]);
});

async function deduplicated(): Promise<number> {
  const text = await (await fetch(`${router.metricsOrigin}/metrics`)).text();
  return Number(/^router_deduplicated_requests_total (\d+)$/m.exec(text)?.[1]);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
// `slow` answers after 600 ms, so requests sent together are all in flight at once.
const query = '{ slow secret staffNote me { id pin } }';

const unauthorized = (path: string) => ({
  message: 'Unauthorized field or type',
  path: [path],
  extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
});

describe('inbound deduplication', () => {
  it('answers identical queries of the same caller in flight together with one execution', async () => {
    const token = await signToken(keys, { sub: 'u1', roles: ['ADMIN'] });
    const before = await deduplicated();
    const subgraphRequests = graphs.users.requests.length;
    const replies = await Promise.all(Array.from({ length: 5 }, () => router.post({ query }, bearer(token))));
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        data: { slow: 'late', secret: 'for admins', staffNote: 'for staff', me: { id: 'u1', pin: '1234' } },
      });
    }
    // Each reply keeps its own request id.
    expect(new Set(replies.map((r) => r.headers.get('x-request-id'))).size).toBe(5);
    expect((await deduplicated()) - before).toBe(4);
    expect(graphs.users.requests.length - subgraphRequests).toBe(1);
    const shared = router.logs.filter((l) => l.stage === 'accessLog' && typeof l.sharedFrom === 'string');
    expect(shared.length).toBeGreaterThanOrEqual(4);
    expect(shared.at(-1)).toMatchObject({ operationName: null, outcome: 'success', status: 200 });
  });

  it('never shares an answer between callers whose tokens differ: each gets its own filtering and errors', async () => {
    const [admin, staff, submitter] = await Promise.all([
      signToken(keys, { sub: 'u1', roles: ['ADMIN'] }),
      signToken(keys, { sub: 'u1', roles: ['STAFF'] }),
      signToken(keys, { sub: 'u1', roles: ['SUBMITTER'] }),
    ]);
    const before = await deduplicated();
    const [asAdmin, asStaff, asSubmitter, anonymous] = await Promise.all([
      router.post({ query }, bearer(admin)),
      router.post({ query }, bearer(staff)),
      router.post({ query }, bearer(submitter)),
      router.post({ query }),
    ]);
    expect(asAdmin.body).toEqual({
      data: { slow: 'late', secret: 'for admins', staffNote: 'for staff', me: { id: 'u1', pin: '1234' } },
    });
    expect(asStaff.body).toEqual({
      data: { slow: 'late', secret: null, staffNote: 'for staff', me: { id: 'u1', pin: '1234' } },
      errors: [unauthorized('secret')],
    });
    expect(asSubmitter.body).toEqual({
      data: { slow: 'late', secret: null, staffNote: null, me: { id: 'u1', pin: '1234' } },
      errors: [unauthorized('secret'), unauthorized('staffNote')],
    });
    expect(anonymous.body).toEqual({
      data: { slow: 'late', secret: null, staffNote: null, me: null },
      errors: [unauthorized('secret'), unauthorized('staffNote'), unauthorized('me')],
    });
    expect(await deduplicated()).toBe(before);
  });

  it('keeps clients behind different forwarded addresses apart, and a refused token refused for each', async () => {
    const token = await signToken(keys, { sub: 'u1', roles: ['ADMIN'] });
    const before = await deduplicated();
    await Promise.all([
      router.post({ query }, { ...bearer(token), 'x-forwarded-for': '203.0.113.1' }),
      router.post({ query }, { ...bearer(token), 'x-forwarded-for': '203.0.113.2' }),
    ]);
    expect(await deduplicated()).toBe(before);

    const forged = `${token.slice(0, -4)}AAAA`;
    const refused = await Promise.all([
      router.post({ query }, bearer(forged)),
      router.post({ query }, bearer(forged)),
    ]);
    for (const reply of refused) {
      expect(reply.status).toBe(401);
      expect(reply.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('deduplicationKey', () => {
  const request = (body: unknown, method = 'POST', type = 'application/json') =>
    ({
      method,
      body,
      socket: { remoteAddress: '127.0.0.1' },
      is: (wanted: string) => (wanted === type ? type : false),
      get: () => undefined,
    }) as unknown as Request;

  it('is only for JSON POSTs of queries: never mutations, subscriptions or multipart requests', () => {
    expect(deduplicationKey(request({ query: '{ hello }' }))).toBeTypeOf('string');
    expect(deduplicationKey(request({ query: 'mutation { logout }' }))).toBeUndefined();
    expect(deduplicationKey(request({ query: 'subscription { events }' }))).toBeUndefined();
    expect(deduplicationKey(request({ query: '{ hello }' }, 'GET'))).toBeUndefined();
    expect(deduplicationKey(request({ query: '{ hello }' }, 'POST', 'multipart/form-data'))).toBeUndefined();
    expect(deduplicationKey(request({ query: '{ hello }', variables: { a: 1 } }))).not.toBe(
      deduplicationKey(request({ query: '{ hello }', variables: { a: 2 } })),
    );
  });
});
