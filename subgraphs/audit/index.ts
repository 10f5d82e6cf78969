// Starts the audit subgraph from the environment: `tsx subgraphs/audit/index.ts`.
import { ConfigError } from '../kit/config.ts';
import { loadAuditConfig } from './config.ts';
import { createAuditSubgraph } from './server.ts';

try {
  const audit = await createAuditSubgraph(loadAuditConfig());
  const running = await audit.listen();
  const shutdown = async () => {
    await running.close();
    await audit.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`audit: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
