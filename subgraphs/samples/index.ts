// Starts the samples subgraph from the environment: `tsx subgraphs/samples/index.ts`.
import { runStandalone } from '../kit/standalone.ts';
import { loadSamplesConfig } from './config.ts';
import { createSamplesSubgraph } from './server.ts';

await runStandalone('samples', () => createSamplesSubgraph(loadSamplesConfig()));
