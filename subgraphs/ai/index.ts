// Starts the ai subgraph from the environment: `tsx subgraphs/ai/index.ts`.
import { runStandalone } from '../kit/standalone.ts';
import { loadAiConfig } from './config.ts';
import { createAiSubgraph } from './server.ts';

await runStandalone('ai', () => createAiSubgraph(loadAiConfig()));
