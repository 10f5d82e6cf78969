import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { allow } from './permissions.ts';
import { createSubgraphServer, type KitContext, type RunningServer } from './server.ts';
import { createTestSigner } from './testing.ts';

let server: RunningServer;

beforeAll(async () => {
  const signer = await createTestSigner();
  server = await createSubgraphServer<KitContext>({
    name: 'widgets',
    typeDefs: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
      type Query { hello: String! }`,
    logger: createLogger({ level: 'silent' }),
    auth: signer.auth,
    defaultMetrics: false,
    resolvers: { Query: { hello: () => 'hi' } },
    permissions: { Query: { hello: allow } },
  }).listen(0);
});

afterAll(async () => {
  await server?.close();
});

const post = (query: string) =>
  fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });

describe('subgraph operation labels', () => {
  it('300 made-up operation names at the subgraph port add at most 100 named series', async () => {
    for (let i = 0; i < 300; i += 1) expect((await post(`query MadeUp${i} { hello }`)).status).toBe(200);
    await post('query Invalid { nope }');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const labels = new Map<string, number>();
    for (const m of metrics.matchAll(/^graphql_operations_total\{operation="([^"]*)",[^}]*\} (\d+)/gm)) {
      labels.set(m[1]!, (labels.get(m[1]!) ?? 0) + Number(m[2]));
    }
    expect(labels.size).toBe(101);
    expect(labels.get('MadeUp99')).toBe(1);
    expect(labels.has('MadeUp100')).toBe(false);
    expect(labels.get('other')).toBe(201); // 200 names past the bound, and the operation that failed validation
  });
});
