// Identical subgraph fetches in flight at once, through the whole router: callers with the same token share
// one subgraph request and each get the full answer; callers with different tokens never share.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

let keys: TestKeys;
let inventory: TestSubgraph;
let router: TestRouter;
/** Resolvers wait here, so that the test decides when concurrent fetches are all in flight. */
let gate: { open(): void; opened: Promise<void> };
let resolving = 0;

function closedGate() {
  let open = () => undefined as void;
  const opened = new Promise<void>((done) => (open = done));
  return { open, opened };
}

beforeAll(async () => {
  gate = closedGate();
  gate.open();
  [keys, inventory] = await Promise.all([
    startJwks(),
    startSubgraph(
      'inventory',
      `${federation}\ntype Query { stock(sku: String!): Int, ping: Boolean } type Mutation { reserve(sku: String!): Int }`,
      {
        Query: {
          stock: async (_: unknown, { sku }: { sku: string }) => {
            resolving++;
            await gate.opened;
            return sku.length;
          },
          ping: () => true,
        },
        Mutation: {
          reserve: async () => {
            resolving++;
            await gate.opened;
            return 1;
          },
        },
      },
    ),
  ]);
  router = await startRouter({
    supergraph: { sdl: composeSupergraphSdl([inventory]) },
    jwt: { jwksUrl: keys.jwksUrl },
  });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([keys?.close(), inventory?.close()]);
});

/**
 * Sends the requests at once while the subgraph holds its answers; lets it answer once `expectedAtSubgraph`
 * of them reached it and a later request (not held) has been answered, which shows the router has taken in
 * the earlier ones.
 */
async function concurrently(posts: Array<() => ReturnType<TestRouter['post']>>, expectedAtSubgraph: number) {
  resolving = 0;
  gate = closedGate();
  const responses = posts.map((post) => post());
  await vi.waitFor(() => expect(resolving).toBe(expectedAtSubgraph));
  expect((await router.post({ query: '{ ping }' })).body).toEqual({ data: { ping: true } });
  gate.open();
  const answered = await Promise.all(responses);
  // The callers' requests (the later one is anonymous).
  const atSubgraph = inventory.requests.splice(0).filter((headers) => headers.authorization !== undefined);
  return { answered, atSubgraph };
}

describe('identical subgraph fetches in flight', () => {
  it('share one subgraph request between callers with the same token', async () => {
    const token = await signToken(keys, { sub: 'u1' });
    const query = { query: 'query Stock { stock(sku: "abc") }' };
    const post = () => router.post(query, { authorization: `Bearer ${token}` });
    const { answered, atSubgraph } = await concurrently([post, post, post], 1);
    for (const res of answered) expect(res.body).toEqual({ data: { stock: 3 } });
    expect(atSubgraph).toHaveLength(1);
  });

  it('never share between callers with different tokens', async () => {
    const [alice, bob] = await Promise.all([
      signToken(keys, { sub: 'alice' }),
      signToken(keys, { sub: 'bob' }),
    ]);
    const query = { query: '{ stock(sku: "abcd") }' };
    const { answered, atSubgraph } = await concurrently(
      [alice, bob].map((token) => () => router.post(query, { authorization: `Bearer ${token}` })),
      2,
    );
    for (const res of answered) expect(res.body).toEqual({ data: { stock: 4 } });
    expect(atSubgraph.map((headers) => headers.authorization).sort()).toEqual(
      [`Bearer ${alice}`, `Bearer ${bob}`].sort(),
    );
  });

  it('never share mutations', async () => {
    const token = await signToken(keys, { sub: 'u1' });
    const mutation = { query: 'mutation { reserve(sku: "abc") }' };
    const post = () => router.post(mutation, { authorization: `Bearer ${token}` });
    const { answered, atSubgraph } = await concurrently([post, post], 2);
    for (const res of answered) expect(res.body).toEqual({ data: { reserve: 1 } });
    expect(atSubgraph).toHaveLength(2);
  });
});
