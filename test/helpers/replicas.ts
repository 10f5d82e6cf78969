// N replica sets of the stack as separate processes on this machine, all on one PostgreSQL (one database per
// domain, shared by every replica): set k is a router and one process of each subgraph (their index.ts through
// tsx), each on its own port. Router k sends to the subgraphs of set k, and the subgraphs of set k call each other
// (JWKS, audit ingestion, internal endpoints); everything else they share goes through the databases.
// The settings come from scripts/stack.ts's wireSettings, once per set: what it derives from ports (ports, URLs)
// is per set, every secret and key it generates is the same for all (they must be: tokens, relay signatures,
// links and encrypted keys cross replicas). Used by test/stack/scale-out.int.test.ts and bench/scale-out.ts.
import path from 'node:path';
import { isReady, root, startChild, waitFor, type Child } from '../../bench/processes.ts';
import { subgraphs, wireSettings } from '../../scripts/stack.ts';

export const SUBGRAPH_NAMES = Object.keys(subgraphs);

export interface ReplicaSet {
  /** 1-based, as in the process names (router-1, samples-1 ...). */
  number: number;
  routerUrl: string;
  routerOrigin: string;
  router: Child;
  /** name -> origin (http://127.0.0.1:port) of this set's process of the subgraph */
  subgraphOrigins: Record<string, string>;
  subgraphs: Record<string, Child>;
}

export interface Replicas {
  sets: ReplicaSet[];
  /** Every process of every set. */
  children: Child[];
  /** Stops every process (routers first); safe to call twice. */
  close(): Promise<void>;
}

export interface ReplicaOptions {
  /** domain -> URL of its migrated database, shared by every set. */
  databaseUrls: Record<string, string>;
  /** How many sets (routers); each has one process of every subgraph. */
  sets: number;
  /** Settings for every process: ADMIN_EMAIL/ADMIN_PASSWORD, FILES_DIR (shared by the files replicas), LOG_LEVEL. */
  env: NodeJS.ProcessEnv;
  /** Settings of set k's processes only (1-based), on top of env. */
  envOf?: (set: number) => NodeJS.ProcessEnv;
  /** Startup timeout of each process; default 120 s (a dozen tsx processes boot at once on few cores). */
  timeoutMs?: number;
}

/** Wiring derived from a set's ports: recomputed per set. A database URL is shared, not derived. */
const isPerSet = (name: string) =>
  (name.endsWith('_PORT') || name.endsWith('_URL')) && !name.endsWith('_DATABASE_URL');

/** The settings of every set (wireSettings once per set): the first set's generated secrets and keys reused by the others. */
export async function planReplicas(options: ReplicaOptions): Promise<NodeJS.ProcessEnv[]> {
  const base = { ...options.env };
  const first = await wireSettings({
    databaseUrls: options.databaseUrls,
    env: base,
    routerPort: 0,
    subgraphPort: () => 0,
  });
  const shared = Object.fromEntries(
    Object.entries(first).filter(([name]) => name in base || !isPerSet(name)),
  );
  const all = [first];
  for (let k = 1; k < options.sets; k++) {
    all.push(
      await wireSettings({
        databaseUrls: options.databaseUrls,
        env: { ...shared },
        routerPort: 0,
        subgraphPort: () => 0,
      }),
    );
  }
  return all.map((env, i) => ({ ...env, ...options.envOf?.(i + 1) }));
}

const SUPERGRAPH_FILE = path.join(root, 'schema/supergraph.graphql');

/** A set started on its own (bench: sets come and go between rounds). */
export interface RunningSet extends ReplicaSet {
  children: Child[];
  /** Stops the set's processes, router first; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the subgraph processes of set `number` (1-based) with `env` (from planReplicas), waits until each is
 * ready, then its router.
 */
export async function startReplicaSet(
  number: number,
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<RunningSet> {
  const children: Child[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // The router first, so no request reaches a subgraph that is going away.
      for (const child of [...children].reverse()) await child.stop();
    })());
  try {
    const subgraphOrigins: Record<string, string> = {};
    const processes: Record<string, Child> = {};
    for (const name of SUBGRAPH_NAMES) {
      const upper = name.toUpperCase();
      const child = startChild(`${name}-${number}`, `subgraphs/${name}/index.ts`, [], {
        ...env,
        [`${upper}_HOST`]: '127.0.0.1',
      });
      children.push(child);
      processes[name] = child;
      subgraphOrigins[name] = `http://127.0.0.1:${env[`${upper}_PORT`]}`;
    }
    await Promise.all(
      SUBGRAPH_NAMES.map((name) =>
        waitFor(
          `${name}-${number} to be ready`,
          () => isReady(`${subgraphOrigins[name]}/ready`),
          processes[name],
          timeoutMs,
        ),
      ),
    );
    const subgraphUrls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        `ROUTER_SUBGRAPH_URL_${name.toUpperCase()}`,
        `${subgraphOrigins[name]}/graphql`,
      ]),
    );
    const router = startChild(
      `router-${number}`,
      'router/index.ts',
      ['--supergraph', SUPERGRAPH_FILE, '--port', String(env.ROUTER_PORT)],
      { ...env, ...subgraphUrls },
    );
    children.push(router);
    const routerOrigin = `http://127.0.0.1:${env.ROUTER_PORT}`;
    await waitFor(`router-${number} to be ready`, () => isReady(`${routerOrigin}/ready`), router, timeoutMs);
    return {
      number,
      router,
      routerOrigin,
      routerUrl: `${routerOrigin}/graphql`,
      subgraphOrigins,
      subgraphs: processes,
      children,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Starts every set at once (replicas of one subgraph start together on one database, as in a rolling
 * deployment) and returns when every process is ready.
 */
export async function startReplicas(options: ReplicaOptions): Promise<Replicas> {
  const settings = await planReplicas(options);
  const started = await Promise.allSettled(
    settings.map((env, i) => startReplicaSet(i + 1, env, options.timeoutMs)),
  );
  const sets = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const set of [...sets].reverse()) await set.close();
    })());
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  return { sets, children: sets.flatMap((set) => set.children), close };
}

/**
 * The sum of a Prometheus counter or gauge in a process's GET /metrics, over the series whose labels include
 * `labels` (0 when there is none).
 */
export async function readMetric(
  origin: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) sum += Number(match[3]);
  }
  return sum;
}
