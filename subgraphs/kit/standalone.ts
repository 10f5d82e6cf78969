// The whole of a subgraph's index.ts: start tracing (when configured), build the subgraph from the environment,
// listen, and stop in order on SIGINT/SIGTERM.
import { startTracing, TracingConfigError } from '../../common/tracing.ts';
import { ConfigError } from './config.ts';

interface StandaloneSubgraph {
  listen(): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export async function runStandalone(name: string, create: () => Promise<StandaloneSubgraph>): Promise<void> {
  try {
    // Before the subgraph exists, so its first requests and queries are traced; spans are named after it.
    const tracing = await startTracing(name);
    const subgraph = await create();
    const running = await subgraph.listen();
    const shutdown = async () => {
      await running.close();
      await subgraph.close();
      await tracing?.shutdown();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof TracingConfigError)) throw error;
    console.error(`${name}: ${error.message}`);
    process.exit(2);
  }
}
