// The whole of a subgraph's index.ts: build it from the environment, listen, and stop in order on SIGINT/SIGTERM.
import { ConfigError } from './config.ts';

interface StandaloneSubgraph {
  listen(): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export async function runStandalone(name: string, create: () => Promise<StandaloneSubgraph>): Promise<void> {
  try {
    const subgraph = await create();
    const running = await subgraph.listen();
    const shutdown = async () => {
      await running.close();
      await subgraph.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${name}: ${error.message}`);
    process.exit(2);
  }
}
