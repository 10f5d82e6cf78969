import { pino } from 'pino';
import { loadRouterConfig } from './config.ts';
import { createRouter } from './createRouter.ts';

// Start only: `tsx router/index.ts [--supergraph <file|url>] [--port <n>]`.
const loaded = loadRouterConfig(process.env, process.argv.slice(2));
if ('errors' in loaded) {
  console.error(`router: invalid configuration\n  ${loaded.errors.join('\n  ')}`);
  process.exit(1);
}
const { config } = loaded;
const logger = pino({ name: 'router', level: config.logLevel });
const router = await createRouter({ ...config.options, logger });
const { url, metricsOrigin } = await router.listen(config.port, config.host);
logger.info({ url, metrics: `${metricsOrigin}/metrics` }, 'router listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'router stopping');
    void router.close().then(() => process.exit(0));
  });
}
