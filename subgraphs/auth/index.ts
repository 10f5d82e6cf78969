// Starts the auth subgraph from the environment: `tsx subgraphs/auth/index.ts`.
import { ConfigError } from '../kit/config.ts';
import { loadAuthConfig } from './config.ts';
import { createAuthSubgraph } from './server.ts';

try {
  const auth = await createAuthSubgraph(loadAuthConfig());
  const running = await auth.listen();
  const shutdown = async () => {
    await running.close();
    await auth.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`auth: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
