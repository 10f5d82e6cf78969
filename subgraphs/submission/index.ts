// Starts the submission subgraph from the environment: `tsx subgraphs/submission/index.ts`.
import { runStandalone } from '../kit/standalone.ts';
import { loadSubmissionConfig } from './config.ts';
import { createSubmissionSubgraph } from './server.ts';

await runStandalone('submission', () => createSubmissionSubgraph(loadSubmissionConfig()));
