import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasedTypenames, fragmentFanOut } from '../../test/helpers/hostile-queries.ts';
import { post } from '../../test/helpers/graphql.ts';
import { createLogger } from './logger.ts';
import { federationDirectiveName } from './operation-limits.ts';
import { allow } from './permissions.ts';
import { createSubgraphServer, type KitContext, type RunningServer } from './server.ts';
import { createTestSigner, type TestSigner } from './testing.ts';

const typeDefs = /* GraphQL */ `
  extend schema
    @link(
      url: "https://specs.apollo.dev/federation/v2.9"
      import: ["@key", { name: "@cost", as: "@weight" }, "@listSize"]
    )
  type Widget @key(fields: "id") {
    id: ID!
    name: String!
    parts: [Widget!]!
  }
  type Query {
    widgets(first: Int): [Widget!]! @listSize(assumedSize: 5, slicingArguments: ["first"])
    report: String @weight(weight: 40)
    hello: String
  }
`;

let server: RunningServer;
let signer: TestSigner;
let url: string;

beforeAll(async () => {
  const widget = (id: string) => ({ id, name: `widget ${id}`, parts: [] });
  const subgraph = createSubgraphServer<KitContext>({
    name: 'widgets',
    typeDefs,
    logger: createLogger({ level: 'silent' }),
    auth: (signer = await createTestSigner()).auth,
    defaultMetrics: false,
    resolvers: {
      Query: {
        widgets: (_: unknown, { first }: { first?: number }) =>
          [widget('w1'), widget('w2')].slice(0, first ?? 2),
        report: () => 'report',
        hello: () => 'hello',
      },
      Widget: { __resolveReference: (ref: { id: string }) => widget(ref.id) },
    },
    permissions: {
      Query: { widgets: allow, report: allow, hello: allow },
      Widget: { id: allow, name: allow, parts: allow },
    },
    limits: { maxCost: 50 },
  });
  server = await subgraph.listen(0);
  url = `${server.url}/graphql`;
});

afterAll(async () => {
  await server?.close();
});

const limitError = (limit: string, max: number, actual: number) => ({
  errors: [
    { message: expect.any(String), extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit, max, actual } },
  ],
});

/** The router's _entities fetches carry the caller's token. */
const bearer = async () => ({ authorization: `Bearer ${await signer.sign({ userId: 'u1' })}` });

describe('operation limits on a subgraph port', () => {
  it('refuses a 1 KB fragment fan-out with 400 and keeps answering', async () => {
    const query = fragmentFanOut(30, { on: 'Widget', select: (s) => `{ widgets { ${s} } }`, leaf: 'id' });
    const [attack, health, hello] = await Promise.all([
      post(url, query),
      fetch(`${server.url}/health`),
      post(url, '{ hello }'),
    ]);
    expect(attack.status).toBe(400);
    expect(attack.body).toEqual(limitError('maxSelections', 5000, 1 + 2 ** 31 - 1 + 2 ** 30));
    expect(health.status).toBe(200);
    expect(hello.body).toEqual({ data: { hello: 'hello' } });
  });

  it('refuses 2,000 aliased __typename and counts introspection toward depth', async () => {
    const aliases = await post(url, aliasedTypenames(2000));
    expect(aliases.status).toBe(400);
    expect(aliases.body).toEqual(limitError('maxAliases', 30, 2000));
    // __schema types fields type, 11 ofType, name: depth 16.
    const nested = `{ __schema { types { fields { type {${' ofType {'.repeat(11)} name${' }'.repeat(15)} }`;
    expect((await post(url, nested, {}, await bearer())).body).toEqual(limitError('maxDepth', 15, 16));
  });

  it('estimates cost from its own @cost/@listSize, sizing _entities by its representations', async () => {
    // The renamed @cost import is found.
    expect((await post(url, '{ a: report b: report }')).body).toEqual(limitError('maxCost', 50, 80));
    expect((await post(url, '{ widgets(first: 40) { id } }')).body).toEqual({
      data: { widgets: [{ id: 'w1' }, { id: 'w2' }] },
    });
    const entities =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id parts { id } } } }';
    const representations = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ __typename: 'Widget', id: `w${i}` }));
    // Each entity: Widget 1 + parts 10 (default list size) x 1 = 11.
    expect(
      (await post(url, entities, { r: representations(4) }, await bearer())).body.data._entities,
    ).toHaveLength(4);
    expect((await post(url, entities, { r: representations(5) }, await bearer())).body).toEqual(
      limitError('maxCost', 50, 55),
    );
  });

  it('refuses a negative slicing argument as BAD_USER_INPUT with 400', async () => {
    const res = await post(url, '{ report widgets(first: -1340000) { id } }');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message: 'Argument "first" of Query.widgets must be a whole number from 0 to 1000 (got -1340000)',
          extensions: { code: 'BAD_USER_INPUT', field: 'Query.widgets', argument: 'first', max: 1000 },
        },
      ],
    });
  });
});

describe('federationDirectiveName', () => {
  it('follows the federation @link import, a rename, or the namespace', () => {
    expect(federationDirectiveName(parse(typeDefs), 'cost')).toBe('weight');
    expect(federationDirectiveName(parse(typeDefs), 'listSize')).toBe('listSize');
    const plain = parse(
      'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])',
    );
    expect(federationDirectiveName(plain, 'cost')).toBe('federation__cost');
    const renamed = parse('extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", as: "fed")');
    expect(federationDirectiveName(renamed, 'cost')).toBe('fed__cost');
  });
});
