// The subgraphs of the supergraph, each in its own process on fresh databases, wired as in production (tokens
// verified against the auth JWKS, outbox relays delivering to the audit subgraph). The router is ready only when
// every subgraph of the supergraph answers, so every benchmark through it starts them all.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port.ts';
import { INGEST_PATH } from '../subgraphs/kit/outbox-wire.ts';
import { SAMPLE_COMMANDS_PATH } from '../subgraphs/kit/sample-command-wire.ts';
import { createBenchDatabases } from './database.ts';
import { isReady, root, startChild, waitFor, type Child } from './processes.ts';
import { cleanups } from './run-benchmark.ts';

export const BENCH_SUBGRAPHS = ['auth', 'audit', 'samples', 'files', 'submission', 'ai'] as const;
export type BenchSubgraphName = (typeof BENCH_SUBGRAPHS)[number];

export interface BenchSubgraph {
  child: Child;
  origin: string;
  /** The GraphQL endpoint. */
  url: string;
  databaseUrl: string;
}

export interface BenchSubgraphs {
  subgraphs: Record<BenchSubgraphName, BenchSubgraph>;
  /** The first admin, created by the auth subgraph on its first start. */
  admin: { email: string; password: string };
  /** Where PostgreSQL came from, for the report. */
  databaseSource: string;
  /** ROUTER_SUBGRAPH_URL_<NAME> for the router, BENCH_SUBGRAPH_URL_<NAME> for the plain gateway. */
  urlVariables(prefix: 'ROUTER_SUBGRAPH_URL_' | 'BENCH_SUBGRAPH_URL_'): Record<string, string>;
  jwksUrl: string;
  /** JWKS_URL and ACCESS_TOKEN_TTL_SECONDS, for the router. */
  tokenVariables: Record<string, string>;
  /** The port the router must listen on: download links point at it. */
  routerPort: number;
}

/** The supergraph every router of a benchmark serves. */
export const SUPERGRAPH_FILE = path.join(root, 'schema/supergraph.graphql');

/** Our router in its own process on `routerPort`, in front of these subgraphs (stopped by the cleanups). */
export function startBenchRouter(
  stack: BenchSubgraphs,
  logLevel: string,
  env: Record<string, string> = {},
): { child: Child; origin: string; url: string } {
  const child = startChild(
    'our router',
    'router/index.ts',
    ['--supergraph', SUPERGRAPH_FILE, '--port', String(stack.routerPort)],
    { ...stack.urlVariables('ROUTER_SUBGRAPH_URL_'), ...stack.tokenVariables, LOG_LEVEL: logLevel, ...env },
  );
  cleanups.push({ what: 'stopping our router', run: () => child.stop() });
  const origin = `http://127.0.0.1:${stack.routerPort}`;
  return { child, origin, url: `${origin}/graphql` };
}

/** Starts every subgraph (stopped and dropped by the benchmark's cleanups). */
export async function startBenchSubgraphs(options: {
  logLevel: string;
  /** Access-token lifetime: longer than the run, so that no token expires under load. */
  tokenTtlSeconds: number;
}): Promise<BenchSubgraphs> {
  const database = await createBenchDatabases(BENCH_SUBGRAPHS);
  cleanups.push({ what: 'dropping the databases', run: database.drop });
  const databaseUrls = Object.fromEntries(BENCH_SUBGRAPHS.map((name, i) => [name, database.urls[i]!]));
  const ports = Object.fromEntries(
    await Promise.all(BENCH_SUBGRAPHS.map(async (name) => [name, await freePort()] as const)),
  ) as Record<BenchSubgraphName, number>;
  const origin = (name: BenchSubgraphName) => `http://127.0.0.1:${ports[name]}`;
  const routerPort = await freePort();
  const filesDir = await mkdtemp(path.join(tmpdir(), 'bench-files-'));
  cleanups.push({
    what: 'removing the stored files',
    run: () => rm(filesDir, { recursive: true, force: true }),
  });
  const jwksUrl = `${origin('auth')}/.well-known/jwks.json`;
  // Every verifier refuses tokens living longer than it is told: all of them get the bench's lifetime.
  const tokenVariables = { JWKS_URL: jwksUrl, ACCESS_TOKEN_TTL_SECONDS: String(options.tokenTtlSeconds) };
  const admin = { email: 'bench-admin@example.com', password: randomBytes(24).toString('base64url') };
  const relay = {
    OUTBOX_RELAY_SECRET: randomBytes(32).toString('base64url'),
    AUDIT_INGEST_URL: `${origin('audit')}${INGEST_PATH}`,
  };
  // Export links (samples, audit) go through the router like download links.
  const exportLinks = {
    EXPORT_SIGNING_SECRET: randomBytes(32).toString('base64url'),
    EXPORT_PUBLIC_URL: `http://127.0.0.1:${routerPort}`,
  };
  const env: Record<BenchSubgraphName, NodeJS.ProcessEnv> = {
    auth: {
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      ACCESS_TOKEN_TTL_SECONDS: String(options.tokenTtlSeconds),
      AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ...relay,
    },
    audit: {
      OUTBOX_RELAY_SECRET: relay.OUTBOX_RELAY_SECRET,
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      ...tokenVariables,
      ...exportLinks,
    },
    samples: { ...tokenVariables, ...relay, ...exportLinks },
    files: {
      ...tokenVariables,
      ...relay,
      FILES_DIR: filesDir,
      FILES_SIGNING_SECRET: randomBytes(32).toString('base64url'),
      FILES_PUBLIC_URL: `http://127.0.0.1:${routerPort}`,
      SAMPLES_GRAPHQL_URL: `${origin('samples')}/graphql`,
      SUBMISSION_GRAPHQL_URL: `${origin('submission')}/graphql`,
    },
    submission: {
      ...tokenVariables,
      ...relay,
      FILES_GRAPHQL_URL: `${origin('files')}/graphql`,
      SAMPLES_COMMANDS_URL: `${origin('samples')}${SAMPLE_COMMANDS_PATH}`,
      AI_INTERNAL_URL: origin('ai'),
    },
    ai: { ...tokenVariables, ...relay, SUBMISSION_INTERNAL_URL: origin('submission') },
  };

  const subgraphs = {} as Record<BenchSubgraphName, BenchSubgraph>;
  for (const name of BENCH_SUBGRAPHS) {
    const upper = name.toUpperCase();
    const child = startChild(`${name} subgraph`, `subgraphs/${name}/index.ts`, [], {
      [`${upper}_DATABASE_URL`]: databaseUrls[name],
      [`${upper}_HOST`]: '127.0.0.1',
      [`${upper}_PORT`]: String(ports[name]),
      LOG_LEVEL: options.logLevel,
      ...env[name],
    });
    cleanups.push({ what: `stopping the ${name} subgraph`, run: () => child.stop() });
    await waitFor(`the ${name} subgraph to be ready`, () => isReady(`${origin(name)}/ready`), child);
    subgraphs[name] = {
      child,
      origin: origin(name),
      url: `${origin(name)}/graphql`,
      databaseUrl: databaseUrls[name]!,
    };
  }
  return {
    subgraphs,
    admin,
    databaseSource: database.source,
    jwksUrl,
    tokenVariables,
    routerPort,
    urlVariables: (prefix) =>
      Object.fromEntries(
        BENCH_SUBGRAPHS.map((name) => [`${prefix}${name.toUpperCase()}`, subgraphs[name].url]),
      ),
  };
}
