// The processes of the federation benchmark: the four subgraphs and the gateways in front of them, each in its own
// node process on a free loopback port, stopped by the benchmark's cleanups.
import { freePort } from '../../scripts/free-port.ts';
import { startChild, waitFor, type Child } from '../processes.ts';
import { cleanups } from '../run-benchmark.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from './subgraphs/resolvers.ts';

export interface Subgraph {
  name: SubgraphName;
  child: Child;
  url: string;
  /** GraphQL requests the subgraph has served so far (its GET /stats). */
  requests(): Promise<number>;
}

export interface Gateway {
  name: string;
  child: Child;
  url: string;
}

export async function startSubgraphs(): Promise<Record<SubgraphName, Subgraph>> {
  const started = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const port = await freePort();
      const child = startChild(`${name} subgraph`, 'bench/federation/subgraphs/server.ts', [name], {
        PORT: String(port),
      });
      cleanups.push({ what: `stopping the ${name} subgraph`, run: () => child.stop() });
      const origin = `http://127.0.0.1:${port}`;
      const requests = async () => {
        const response = await fetch(`${origin}/stats`, { signal: AbortSignal.timeout(5_000) });
        return ((await response.json()) as { requests: number }).requests;
      };
      await waitFor(`the ${name} subgraph to listen`, async () => (await requests()) >= 0, child);
      return { name, child, url: `${origin}/graphql`, requests };
    }),
  );
  return Object.fromEntries(started.map((s) => [s.name, s])) as Record<SubgraphName, Subgraph>;
}

interface GatewaySpec {
  name: string;
  script: string;
  args: string[];
  env: Record<string, string>;
}

async function gatewaySpecs(
  supergraphFile: string,
  routerLogLevel: string | undefined,
  trustedDocumentsManifest: string,
): Promise<GatewaySpec[]> {
  const hive = { script: 'bench/federation/hive-gateway/server.ts', args: [] };
  const router = (name: string, env: Record<string, string>): GatewaySpec => ({
    name,
    script: 'router/index.ts',
    args: ['--supergraph', supergraphFile],
    env: {
      ROUTER_HOST: '127.0.0.1',
      // Its default level (info) unless BENCH_LOG_LEVEL says otherwise: the access log is one of its defaults.
      ...(routerLogLevel ? { LOG_LEVEL: routerLogLevel } : {}),
      ...env,
    },
  });
  return [
    router('router', {}),
    // What inbound deduplication buys, and what a second process sharing the port buys.
    router('router-no-dedup', { ROUTER_DEDUPLICATION: 'false' }),
    router('router-2-workers', { ROUTER_WORKERS: '2', ROUTER_METRICS_PORT: String(await freePort()) }),
    // What holding every caller to the trusted documents costs.
    router('router-trusted-documents', {
      ROUTER_TRUSTED_DOCUMENTS: 'enforce',
      ROUTER_TRUSTED_DOCUMENTS_MANIFEST: trustedDocumentsManifest,
    }),
    { name: 'apollo-gateway', script: 'bench/plain-gateway.ts', args: [], env: {} },
    { name: 'hive-default', ...hive, env: {} },
    { name: 'hive-jit-dedup', ...hive, env: { BENCH_HIVE_JIT: '1' } },
  ];
}

/** The names of the gateways, in their order in the first round. */
export const GATEWAY_NAMES = [
  'router',
  'router-no-dedup',
  'router-2-workers',
  'router-trusted-documents',
  'apollo-gateway',
  'hive-default',
  'hive-jit-dedup',
];

/** What the router runs with beyond its defaults. */
export function routerNote(routerLogLevel: string | undefined): string {
  const variants =
    'router-no-dedup: ROUTER_DEDUPLICATION=false; router-2-workers: ROUTER_WORKERS=2 (CPU and memory of all three processes); router-trusted-documents: ROUTER_TRUSTED_DOCUMENTS=enforce, with both queries in its manifest';
  return routerLogLevel
    ? `its defaults except LOG_LEVEL=${routerLogLevel}; ${variants}`
    : `its defaults (cost limit included; log level info with the access log); ${variants}`;
}

/** Starts the named gateways on `supergraphFile`; each answers on /graphql once started. */
export async function startGateways(
  names: readonly string[],
  supergraphFile: string,
  routerLogLevel: string | undefined,
  trustedDocumentsManifest: string,
): Promise<Gateway[]> {
  const specs = (await gatewaySpecs(supergraphFile, routerLogLevel, trustedDocumentsManifest)).filter(
    (spec) => names.includes(spec.name),
  );
  return Promise.all(
    specs.map(async (spec) => {
      const port = await freePort();
      const child = startChild(spec.name, spec.script, spec.args, {
        ...spec.env,
        ...(spec.script === 'router/index.ts' ? { ROUTER_PORT: String(port) } : { PORT: String(port) }),
        BENCH_SUPERGRAPH: supergraphFile,
        APOLLO_TELEMETRY_DISABLED: '1',
        NODE_ENV: 'production',
      });
      cleanups.push({ what: `stopping ${spec.name}`, run: () => child.stop() });
      return { name: spec.name, child, url: `http://127.0.0.1:${port}/graphql` };
    }),
  );
}
