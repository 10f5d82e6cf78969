// Test support for the samples subgraph's own tests (and for the subgraphs that call it): the shared subgraph
// harness around createSamplesSubgraph. The sample mutation tests add sample-testing.ts.
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '../../test/helpers/database.ts';
import { startSubgraphHarness, type SubgraphHarness } from '../../test/helpers/subgraph-harness.ts';
import type { TestSigner } from '../kit/testing.ts';
import { loadSamplesConfig } from './config.ts';
import { createSamplesSubgraph, type SamplesSubgraph, type SamplesSubgraphDeps } from './server.ts';

export type SamplesHarness = SubgraphHarness<SamplesSubgraph>;

export function startSamplesHarness(
  env: Record<string, string> = {},
  options: SamplesSubgraphDeps = {},
  setup: { db?: TestDatabase; signer?: TestSigner; port?: number } = {},
): Promise<SamplesHarness> {
  return startSubgraphHarness({
    domain: 'samples',
    env: { EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'), ...env },
    ...setup,
    start: (env, deps) => createSamplesSubgraph(loadSamplesConfig(env), { ...deps, ...options }),
  });
}
