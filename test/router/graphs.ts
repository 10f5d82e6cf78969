// The two inline subgraphs most router tests run against.
import { federation, startSubgraph, type TestSubgraph } from './fixtures.ts';

export const usersTypeDefs = `${federation}
type Query {
  hello: String
  me: User @authenticated
  users(first: Int): [User!] @requiresScopes(scopes: [["users:read"], ["users:admin"]]) @listSize(slicingArguments: ["first"], assumedSize: 5)
  secret: String @policy(policies: [["admin"]])
  staffNote: String @policy(policies: [["staff"]])
  unknownPolicy: String @policy(policies: [["nobody-defined-this"]])
  expensive: String @cost(weight: 500)
  boom: String
  slow: String
  echo(text: String): String
}
type User @key(fields: "id") {
  id: ID!
  name: String!
  email: String @requiresScopes(scopes: [["users:read"]])
  pin: String! @authenticated
}
`;

export const samplesTypeDefs = `${federation}
type Query {
  samples: [Sample!] @authenticated
  publicSamples: [Sample!]!
  sample(id: ID!): Sample
}
type Sample @key(fields: "id") {
  id: ID!
  name: String!
  owner: User
  barcode: String! @authenticated
}
type User @key(fields: "id", resolvable: false) {
  id: ID!
}
`;

const user = { id: 'u1', name: 'Ada', email: 'ada@example.org', pin: '1234' };
const samples = [
  { id: 's1', name: 'S1', owner: { id: 'u1' }, barcode: 'BC01' },
  { id: 's2', name: 'S2', owner: { id: 'u1' }, barcode: 'BC02' },
];

export async function startTestGraphs(): Promise<{
  users: TestSubgraph;
  samples: TestSubgraph;
  close(): Promise<void>;
}> {
  const users = await startSubgraph('users', usersTypeDefs, {
    Query: {
      hello: () => 'world',
      me: () => user,
      users: (_: unknown, { first }: { first?: number }) => [user].slice(0, first ?? 1),
      secret: () => 'for admins',
      staffNote: () => 'for staff',
      unknownPolicy: () => 'never',
      expensive: () => 'pricey',
      boom: () => {
        throw new Error('connect ECONNREFUSED postgres://admin:hunter2@db.internal:5432/users');
      },
      slow: () => new Promise((done) => setTimeout(() => done('late'), 600)),
      echo: (_: unknown, { text }: { text?: string }) => text ?? null,
    },
    User: { __resolveReference: () => user },
  });
  const samplesGraph = await startSubgraph('samples', samplesTypeDefs, {
    Query: {
      samples: () => samples,
      publicSamples: () => samples,
      sample: (_: unknown, { id }: { id: string }) => samples.find((s) => s.id === id) ?? null,
    },
  });
  return {
    users,
    samples: samplesGraph,
    async close() {
      await Promise.all([users.close(), samplesGraph.close()]);
    },
  };
}
