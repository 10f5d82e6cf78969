// Starts the audit subgraph from the environment: `tsx subgraphs/audit/index.ts`.
import { runStandalone } from '../kit/standalone.ts';
import { loadAuditConfig } from './config.ts';
import { createAuditSubgraph } from './server.ts';

await runStandalone('audit', () => createAuditSubgraph(loadAuditConfig()));
