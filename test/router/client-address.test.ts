// The client address the router vouches for to the subgraphs: the socket peer unless a trusted proxy reports
// another, signed so that only the router's word counts (common/client-address.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ADDRESS_HEADER, verifyClientAddress } from '../../common/client-address.ts';
import { composeSupergraphSdl, startRouter, type TestRouter } from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

const secret = randomBytes(32).toString('base64url');
let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let direct: TestRouter;
let proxied: TestRouter;

beforeAll(async () => {
  graphs = await startTestGraphs();
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  direct = await startRouter({ supergraph: { sdl }, clientAddress: { secret } });
  proxied = await startRouter({
    supergraph: { sdl },
    clientAddress: { secret, trustedProxies: ['127.0.0.1', '10.0.0.0/8'] },
  });
});

afterAll(async () => {
  await Promise.all([direct?.close(), proxied?.close()]);
  await graphs?.close();
});

/** The address the users subgraph was told for a request with these headers. */
async function addressSeen(router: TestRouter, headers: Record<string, string>): Promise<string | undefined> {
  graphs.users.requests.length = 0;
  const res = await router.post({ query: '{ hello }' }, headers);
  expect(res.body.data).toEqual({ hello: 'world' });
  const header = graphs.users.requests[0]?.[CLIENT_ADDRESS_HEADER];
  expect(typeof header).toBe('string');
  return verifyClientAddress(secret, header as string);
}

describe('client address', () => {
  it('is the socket peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', async () => {
    expect(await addressSeen(direct, {})).toBe('127.0.0.1');
    expect(await addressSeen(direct, { 'x-forwarded-for': '203.0.113.5' })).toBe('127.0.0.1');
    expect(await addressSeen(direct, { 'x-forwarded-for': '198.51.100.1, 203.0.113.6' })).toBe('127.0.0.1');
  });

  it('is the right-most untrusted hop of X-Forwarded-For behind trusted proxies', async () => {
    expect(await addressSeen(proxied, { 'x-forwarded-for': '203.0.113.5' })).toBe('203.0.113.5');
    // The client wrote the left entry itself; the trusted proxy appended the real one.
    expect(await addressSeen(proxied, { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' })).toBe(
      '203.0.113.5',
    );
    // Two trusted hops (an internal load balancer behind the edge proxy) are walked past.
    expect(await addressSeen(proxied, { 'x-forwarded-for': '203.0.113.7, 10.1.2.3' })).toBe('203.0.113.7');
    // A malformed hop stops the walk at the last believed one.
    expect(await addressSeen(proxied, { 'x-forwarded-for': '203.0.113.8, not-an-ip, 10.1.2.3' })).toBe(
      '10.1.2.3',
    );
    // No header: the proxy itself is all we know.
    expect(await addressSeen(proxied, {})).toBe('127.0.0.1');
  });

  it('never forwards a client-sent address header', async () => {
    graphs.users.requests.length = 0;
    await direct.post({ query: '{ hello }' }, { [CLIENT_ADDRESS_HEADER]: '203.0.113.9;ts=1;sig=x' });
    const header = graphs.users.requests[0]?.[CLIENT_ADDRESS_HEADER] as string;
    expect(verifyClientAddress(secret, header)).toBe('127.0.0.1');
  });
});
