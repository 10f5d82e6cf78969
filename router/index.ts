import cluster from 'node:cluster';
import v8 from 'node:v8';
import { pino } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { startTracing, TracingConfigError } from '../common/tracing.ts';
import { loadRouterConfig } from './config.ts';
import { createRouter } from './createRouter.ts';
import { startWorkers } from './startWorkers.ts';

// Start only: `tsx router/index.ts [--supergraph <file|url>] [--port <n>]`.
// Tracing first (when configured), so every request and subgraph fetch from here on is traced.
const tracing = await startTracing('router').catch((error: unknown) => {
  if (!(error instanceof TracingConfigError)) throw error;
  console.error(`router: ${error.message}`);
  process.exit(1);
});
const loaded = loadRouterConfig(process.env, process.argv.slice(2));
if ('errors' in loaded) {
  console.error(`router: invalid configuration\n  ${loaded.errors.join('\n  ')}`);
  process.exit(1);
}
const { config } = loaded;
// V8 lets the heap grow to about four times what survived the last full collection before collecting again: under
// load, with ~50 MB live, some 150 MB of garbage. A smaller step keeps the router's memory near its live size for
// the same CPU (bench/results/latest-federation.md). Read by V8 at every collection, so setting it now takes effect.
if (config.heapGrowthPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
const logger = pino({ name: 'router', level: config.logLevel });
const listener = config.options.metrics?.listener;

if (config.workers > 1 && cluster.isPrimary) {
  await startWorkers({ workers: config.workers, metrics: listener!, logger });
} else {
  const worker = config.workers > 1;
  const router = await createRouter({
    ...config.options,
    // A worker's metrics are served, added up with the other workers', by the primary.
    ...(worker ? { metrics: { ...config.options.metrics, listener: undefined, aggregated: true } } : {}),
    logger: worker ? logger.child({ worker: cluster.worker?.id }) : logger,
  });
  if (worker) {
    AggregatorRegistry.setRegistries([router.registry]);
    // Constructing one is what makes a worker answer the primary's requests for its metrics.
    new AggregatorRegistry();
  }
  const { url, metricsOrigin } = await router.listen(config.port, config.host);
  logger.info({ url, metrics: worker ? undefined : `${metricsOrigin}/metrics` }, 'router listening');

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'router stopping');
      void router
        .close()
        .then(() => tracing?.shutdown())
        .then(() => process.exit(0));
    });
  }
}
