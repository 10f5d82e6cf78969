import type { Logger } from 'pino';
import { checkSubgraphHealth } from '../checkSubgraphHealth.ts';
import type { RouterStage } from '../stage.ts';
import type { SupergraphMetadata } from '../supergraphMetadata.ts';

export interface HealthOptions {
  /** Subgraph URL overrides by subgraph name. @default {} */
  subgraphUrls?: Readonly<Record<string, string>>;
  /** Timeout of each subgraph probe behind /ready. @default 2000 */
  timeoutMs?: number;
  logger?: Logger;
}

/** GET /health (the process is alive) and GET /ready (a supergraph is loaded and its subgraphs answer). */
export function useHealth(options: HealthOptions = {}): RouterStage {
  let metadata: SupergraphMetadata | undefined;
  return {
    name: 'health',
    onSupergraph(next) {
      metadata = next;
    },
    routes(app) {
      app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
      app.get('/ready', async (req, res) => {
        if (!metadata)
          return void res.status(503).json({ status: 'unavailable', reason: 'no supergraph loaded' });
        const unhealthy = await checkSubgraphHealth(metadata.subgraphs, options);
        if (unhealthy.length > 0) {
          // Names go to the log only: no subgraph name reaches a client.
          options.logger?.warn({ stage: 'health', unhealthy, path: req.path }, 'subgraphs are not healthy');
          return void res.status(503).json({ status: 'unavailable', unhealthySubgraphs: unhealthy.length });
        }
        res.json({ status: 'ready' });
      });
    },
  };
}
