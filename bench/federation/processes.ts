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

/**
 * The router's cost limit for this benchmark: its default (10,000) refuses TestQuery (estimated 24,420).
 * BENCH_ROUTER_MAX_COST='' runs the router with its own default. Drop once the default admits TestQuery.
 */
const ROUTER_MAX_COST = process.env.BENCH_ROUTER_MAX_COST ?? '50000';

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

function gatewaySpecs(supergraphFile: string, routerLogLevel: string | undefined): GatewaySpec[] {
  const hive = { script: 'bench/federation/hive-gateway/server.ts', args: [] };
  return [
    {
      name: 'router',
      script: 'router/index.ts',
      args: ['--supergraph', supergraphFile],
      env: {
        ROUTER_HOST: '127.0.0.1',
        // Its default level (info) unless BENCH_LOG_LEVEL says otherwise: the access log is one of its defaults.
        ...(routerLogLevel ? { LOG_LEVEL: routerLogLevel } : {}),
        ...(ROUTER_MAX_COST ? { ROUTER_MAX_COST } : {}),
      },
    },
    { name: 'apollo-gateway', script: 'bench/plain-gateway.ts', args: [], env: {} },
    { name: 'hive-default', ...hive, env: {} },
    { name: 'hive-jit-dedup', ...hive, env: { BENCH_HIVE_JIT: '1' } },
  ];
}

/** The names of the gateways, in their order in the first round. */
export const GATEWAY_NAMES = ['router', 'apollo-gateway', 'hive-default', 'hive-jit-dedup'];

/** What the router runs with beyond its defaults. */
export function routerNote(routerLogLevel: string | undefined): string {
  const changed = [
    ...(ROUTER_MAX_COST
      ? [`ROUTER_MAX_COST=${ROUTER_MAX_COST} (the default, 10,000, refuses TestQuery: estimated 24,420)`]
      : []),
    ...(routerLogLevel ? [`LOG_LEVEL=${routerLogLevel}`] : []),
  ];
  return changed.length
    ? `its defaults except ${changed.join(', ')}`
    : 'its defaults (log level info with the access log)';
}

/** Starts the named gateways on `supergraphFile`; each answers on /graphql once started. */
export async function startGateways(
  names: readonly string[],
  supergraphFile: string,
  routerLogLevel: string | undefined,
): Promise<Gateway[]> {
  const specs = gatewaySpecs(supergraphFile, routerLogLevel).filter((spec) => names.includes(spec.name));
  return Promise.all(
    specs.map(async (spec) => {
      const port = await freePort();
      const child = startChild(spec.name, spec.script, spec.args, {
        ...spec.env,
        ...(spec.name === 'router' ? { ROUTER_PORT: String(port) } : { PORT: String(port) }),
        BENCH_SUPERGRAPH: supergraphFile,
        APOLLO_TELEMETRY_DISABLED: '1',
        NODE_ENV: 'production',
      });
      cleanups.push({ what: `stopping ${spec.name}`, run: () => child.stop() });
      return { name: spec.name, child, url: `http://127.0.0.1:${port}/graphql` };
    }),
  );
}
