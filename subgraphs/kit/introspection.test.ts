import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { allow } from './permissions.ts';
import { createSubgraphServer, type KitContext, type RunningServer } from './server.ts';
import { createTestSigner, type TestSigner } from './testing.ts';

const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  enum Colour {
    RED
    GREEN
  }
  type Query {
    hello: String!
    paint(colour: Colour!): String!
  }
`;

let signer: TestSigner;
const servers: RunningServer[] = [];
let byDefault: RunningServer;
let open: RunningServer;

beforeAll(async () => {
  signer = await createTestSigner();
  const start = (introspection?: 'on') =>
    createSubgraphServer<KitContext>({
      name: 'widgets',
      typeDefs,
      logger: createLogger({ level: 'silent' }),
      auth: signer.auth,
      defaultMetrics: false,
      resolvers: { Query: { hello: () => 'hi', paint: (_: unknown, a: { colour: string }) => a.colour } },
      permissions: { Query: { hello: allow, paint: allow } },
      introspection,
    }).listen(0);
  [byDefault, open] = await Promise.all([start(), start('on')]);
  servers.push(byDefault, open);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function gql(server: RunningServer, query: string, variables?: unknown, token?: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}

describe('introspection at a subgraph port (default authenticated)', () => {
  it('refuses __schema, __type and _service { sdl } to anonymous callers', async () => {
    for (const query of [
      '{ __schema { types { name } } }',
      '{ __type(name: "Colour") { name } }',
      '{ _service { sdl } }',
    ]) {
      const { status, body } = await gql(byDefault, query);
      expect(status).toBe(400);
      expect(body).toEqual({
        errors: [
          {
            message: 'Introspection is not allowed for anonymous callers: send a bearer token',
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
    }
  });

  it('answers them for a verified caller, and __typename for anyone', async () => {
    const token = await signer.sign({ userId: 'u1' });
    const { body } = await gql(byDefault, '{ __type(name: "Colour") { enumValues { name } } }', {}, token);
    expect(body.data.__type.enumValues).toEqual([{ name: 'RED' }, { name: 'GREEN' }]);
    expect((await gql(byDefault, '{ __typename hello }')).body).toEqual({
      data: { __typename: 'Query', hello: 'hi' },
    });
  });

  it('strips suggestions from validation and variable errors for anonymous callers only', async () => {
    const field = await gql(byDefault, '{ helo }');
    expect(field.body.errors[0].message).toBe('Cannot query field "helo" on type "Query".');
    const enumValue = await gql(byDefault, 'query ($c: Colour!) { paint(colour: $c) }', { c: 'GREN' });
    expect(enumValue.body.errors[0].message).toBe(
      'Variable "$c" got invalid value "GREN"; Value "GREN" does not exist in "Colour" enum.',
    );
    const token = await signer.sign({ userId: 'u1' });
    const signedIn = await gql(byDefault, 'query ($c: Colour!) { paint(colour: $c) }', { c: 'GREN' }, token);
    expect(signedIn.body.errors[0].message).toContain('Did you mean the enum value "GREEN" or "RED"?');
  });

  it('on: everyone may introspect', async () => {
    const { body } = await gql(open, '{ __schema { queryType { name } } }');
    expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});
