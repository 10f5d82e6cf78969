// Hive Gateway (@graphql-hive/gateway) in front of the benchmark's subgraphs, set up as its CLI's `supergraph`
// command sets it up (its default cache and built-in plugins), served by node:http. `node --import tsx
// bench/federation/hive-gateway/server.ts` with BENCH_SUPERGRAPH (a file), PORT, and BENCH_HIVE_JIT=1 for the
// benchmark's tuned variant: `--jit` plus inbound deduplication of identical in-flight requests.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  createGatewayRuntime,
  getBuiltinPluginsFromConfig,
  getCacheInstanceFromConfig,
  Logger,
  MemPubSub,
} from '@graphql-hive/gateway';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const supergraph = readFileSync(required('BENCH_SUPERGRAPH'), 'utf8');
const port = Number(required('PORT'));
const jit = process.env.BENCH_HIVE_JIT === '1';

const log = new Logger({ level: 'error' });
const pubsub = new MemPubSub();
const context = { log, pubsub, cwd: process.cwd() };
const cache = await getCacheInstanceFromConfig({}, context);
const builtinPlugins = await getBuiltinPluginsFromConfig({ jit }, { ...context, cache });

const runtime = createGatewayRuntime({
  supergraph,
  logging: log,
  cache,
  pubsub,
  // No usage reporting, registry or CDN: nothing leaves the machine.
  reporting: undefined,
  inboundInflightRequestDeduplication: jit,
  plugins: () => builtinPlugins,
});
await runtime.getSchema();

const server = createServer((req, res) => void runtime(req, res));
await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void Promise.resolve(runtime.dispose()).finally(() => process.exit(0));
});
