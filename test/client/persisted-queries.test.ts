// How the client sends persisted-query hashes, against Apollo Server's own implementation of the protocol (the
// router is an Apollo Server): with automatic persisted queries on, and with them off. The schema is a small part
// of ours, enough for the generated Me document; test/client/package.int.test.ts runs the client through the router.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, describe, expect, test } from 'vitest';
import { createClient, MeDocument, type FetchLike } from '../../client/index.ts';

const typeDefs = `
  enum Role { ADMIN STAFF SUBMITTER VIEWER }
  type User { id: ID!, email: String!, name: String!, roles: [Role!]!, active: Boolean!, createdAt: String!, lastLoginAt: String }
  type Query { me: User }
`;
const me = {
  id: '1',
  email: 'a@lab.test',
  name: 'A',
  roles: ['STAFF'],
  active: true,
  createdAt: '2026-11-03T09:30:00.000Z',
  lastLoginAt: null,
};

const servers: ApolloServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

async function serve(persistedQueries: false | undefined): Promise<string> {
  const server = new ApolloServer({ typeDefs, resolvers: { Query: { me: () => me } }, persistedQueries });
  servers.push(server);
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return url;
}

/** The global fetch, with every request body kept. */
function recording(): { fetch: FetchLike; bodies: Record<string, unknown>[] } {
  const bodies: Record<string, unknown>[] = [];
  return {
    bodies,
    fetch: (url, init) => {
      bodies.push(JSON.parse(init.body) as Record<string, unknown>);
      return fetch(url, init);
    },
  };
}

const hashOf = (body: Record<string, unknown> | undefined) =>
  (body?.extensions as { persistedQuery?: { sha256Hash: string } } | undefined)?.persistedQuery?.sha256Hash;

describe('persisted queries', () => {
  test('hash and text by default; hash only, with the text once when the server does not know it yet', async () => {
    const url = await serve(undefined);
    const sent = recording();
    expect((await createClient({ url, fetch: sent.fetch }).request(MeDocument)).me).toEqual(me);
    expect(sent.bodies[0]).toMatchObject({ operationName: 'Me', query: expect.stringContaining('query Me') });
    expect(hashOf(sent.bodies[0])).toBe(MeDocument.__meta__?.hash);

    const other = await serve(undefined);
    const hashOnly = recording();
    const client = createClient({ url: other, fetch: hashOnly.fetch, persistedQueries: 'hash-only' });
    expect((await client.request(MeDocument)).me).toEqual(me);
    expect((await client.request(MeDocument)).me).toEqual(me);
    expect(hashOnly.bodies.map((b) => [typeof b.query, hashOf(b)])).toEqual([
      ['undefined', MeDocument.__meta__?.hash],
      ['string', MeDocument.__meta__?.hash],
      ['undefined', MeDocument.__meta__?.hash],
    ]);
  });

  test('a server without persisted queries gets the text alone, after one refusal', async () => {
    const url = await serve(false);
    const sent = recording();
    const client = createClient({ url, fetch: sent.fetch });
    expect((await client.request(MeDocument)).me).toEqual(me);
    expect((await client.request(MeDocument)).me).toEqual(me);
    expect(sent.bodies.map((b) => [typeof b.query, hashOf(b) !== undefined])).toEqual([
      ['string', true],
      ['string', false],
      ['string', false],
    ]);
  });

  test("'off' sends the text alone", async () => {
    const url = await serve(undefined);
    const sent = recording();
    await createClient({ url, fetch: sent.fetch, persistedQueries: 'off' }).request(MeDocument);
    expect(sent.bodies).toEqual([expect.not.objectContaining({ extensions: expect.anything() })]);
  });
});
