// Starts the auth subgraph from the environment: `tsx subgraphs/auth/index.ts`.
import { runStandalone } from '../kit/standalone.ts';
import { loadAuthConfig } from './config.ts';
import { createAuthSubgraph } from './server.ts';

await runStandalone('auth', () => createAuthSubgraph(loadAuthConfig()));
