// Starts the files subgraph from the environment: `tsx subgraphs/files/index.ts`.
import { runStandalone } from '../kit/standalone.ts';
import { loadFilesConfig } from './config.ts';
import { createFilesSubgraph } from './server.ts';

await runStandalone('files', () => createFilesSubgraph(loadFilesConfig()));
