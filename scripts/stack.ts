// The whole stack in one process: every subgraph that exists, then the router in front of them.
// `npm start` (scripts/start.ts) and the stack tests (test/stack) both start it through here.
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { databaseUrlVariable } from '../prisma/prisma-config.ts';
import { loadRouterConfig } from '../router/config.ts';
import { createRouter } from '../router/createRouter.ts';
import { loadAuditConfig } from '../subgraphs/audit/config.ts';
import { createAuditSubgraph } from '../subgraphs/audit/server.ts';
import { loadAiConfig } from '../subgraphs/ai/config.ts';
import { createAiSubgraph } from '../subgraphs/ai/server.ts';
import { loadAuthConfig } from '../subgraphs/auth/config.ts';
import { createAuthSubgraph } from '../subgraphs/auth/server.ts';
import { loadFilesConfig } from '../subgraphs/files/config.ts';
import { createFilesSubgraph } from '../subgraphs/files/server.ts';
import { loadSamplesConfig } from '../subgraphs/samples/config.ts';
import { SAMPLE_COMMANDS_PATH } from '../subgraphs/kit/sample-command-wire.ts';
import { loadSubmissionConfig } from '../subgraphs/submission/config.ts';
import { createSubmissionSubgraph } from '../subgraphs/submission/server.ts';
import { createSamplesSubgraph } from '../subgraphs/samples/server.ts';
import { ConfigError } from '../subgraphs/kit/config.ts';
import { INGEST_PATH } from '../subgraphs/kit/outbox-wire.ts';
import { defaultSubgraphPorts } from './compose.ts';
import { freePort } from './free-port.ts';

export interface RunningProcess {
  /** The GraphQL endpoint. */
  url: string;
  close(): Promise<void>;
}

/** Something with listen() and close(), as every createXSubgraph returns. */
interface Subgraph {
  listen(): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function listen(subgraph: Subgraph): Promise<RunningProcess> {
  const listening = await subgraph.listen();
  return {
    url: `${listening.url}/graphql`,
    close: async () => {
      await listening.close();
      await subgraph.close();
    },
  };
}

/**
 * Every subgraph of the supergraph, started from environment-style settings (its port in `<NAME>_PORT`).
 * A later subgraph adds its line here.
 */
export const subgraphs: Record<string, (env: NodeJS.ProcessEnv) => Promise<RunningProcess>> = {
  audit: async (env) => listen(await createAuditSubgraph(loadAuditConfig(env))),
  auth: async (env) => listen(await createAuthSubgraph(loadAuthConfig(env))),
  samples: async (env) => listen(await createSamplesSubgraph(loadSamplesConfig(env))),
  files: async (env) => listen(await createFilesSubgraph(loadFilesConfig(env))),
  submission: async (env) => listen(await createSubmissionSubgraph(loadSubmissionConfig(env))),
  ai: async (env) => listen(await createAiSubgraph(loadAiConfig(env))),
};

/** How long one process of the stack may take to stop before the shutdown moves on. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Stops one process, or gives up after `ms`. When PostgreSQL went down first (Ctrl-C reaches it too), a database
 * call in flight can stay unsettled, and the shutdown must not wait for it forever.
 */
async function closeWithin(process: RunningProcess, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`${process.url || 'router'}: did not stop within ${ms} ms; moving on`);
      resolve();
    }, ms);
  });
  await Promise.race([process.close(), gaveUp]);
  clearTimeout(timer);
}

export interface StackOptions {
  /** domain -> PostgreSQL URL of its (migrated) database */
  databaseUrls: Record<string, string>;
  /** Settings read by the subgraphs' and the router's config (defaults: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Router port; 0 = any free port. @default ROUTER_PORT or 4000 */
  routerPort?: number;
  /** A subgraph's port; 0 = any free port. @default <NAME>_PORT or its usual port (scripts/compose.ts) */
  subgraphPort?: (name: string) => number | undefined;
  logger?: Logger;
}

export interface RunningStack {
  routerUrl: string;
  /** Where the router's GET /metrics answers (its own origin unless ROUTER_METRICS_PORT is set). */
  metricsUrl: string;
  subgraphUrls: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The settings that tie the processes together, decided before any of them starts: ports (so every URL is
 * known up front), the auth JWKS every subgraph verifies tokens with, where relays deliver audit events, and
 * the relays' shared secret (generated for this run when not given: all its holders live in this process).
 */
export async function wireSettings(options: StackOptions): Promise<NodeJS.ProcessEnv> {
  const env = { ...(options.env ?? process.env) };
  for (const [domain, url] of Object.entries(options.databaseUrls)) env[databaseUrlVariable(domain)] = url;
  for (const name of Object.keys(subgraphs)) {
    const variable = `${name.toUpperCase()}_PORT`;
    const port = options.subgraphPort?.(name) ?? Number(env[variable] ?? defaultSubgraphPorts[name]);
    env[variable] = String(port === 0 ? await freePort() : port);
  }
  const routerPort = options.routerPort ?? Number(env.ROUTER_PORT ?? 4000);
  env.ROUTER_PORT = String(routerPort === 0 ? await freePort() : routerPort);
  env.JWKS_URL ??= `http://127.0.0.1:${env.AUTH_PORT}/.well-known/jwks.json`;
  env.AUDIT_INGEST_URL ??= `http://127.0.0.1:${env.AUDIT_PORT}${INGEST_PATH}`;
  env.OUTBOX_RELAY_SECRET ??= randomBytes(32).toString('base64url');
  // The router vouches for client addresses to the subgraphs (login limits per client).
  env.CLIENT_ADDRESS_SECRET ??= randomBytes(32).toString('base64url');
  // The router signs its API-key exchanges with the auth subgraph.
  env.API_KEY_EXCHANGE_SECRET ??= randomBytes(32).toString('base64url');
  // Keys that must outlive a run when the databases do: npm start passes its own from DATA_DIR/keys
  // (scripts/local-secrets.ts); fresh databases (tests, benches) get fresh ones.
  env.AUTH_KEY_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
  env.AUDIT_SIGNING_KEY ??= randomBytes(32).toString('base64');
  // Download links point at the router, which proxies them to the files subgraph; a secret per run is enough
  // for links that live minutes.
  env.FILES_PUBLIC_URL ??= `http://localhost:${env.ROUTER_PORT}`;
  env.FILES_SIGNING_SECRET ??= randomBytes(32).toString('base64url');
  // Export links (samples, audit) likewise: through the router, signed with a secret per run.
  env.EXPORT_PUBLIC_URL ??= `http://localhost:${env.ROUTER_PORT}`;
  env.EXPORT_SIGNING_SECRET ??= randomBytes(32).toString('base64url');
  env.SAMPLES_GRAPHQL_URL ??= `http://127.0.0.1:${env.SAMPLES_PORT}/graphql`;
  env.SAMPLES_COMMANDS_URL ??= `http://127.0.0.1:${env.SAMPLES_PORT}${SAMPLE_COMMANDS_PATH}`;
  env.SUBMISSION_GRAPHQL_URL ??= `http://127.0.0.1:${env.SUBMISSION_PORT}/graphql`;
  env.FILES_GRAPHQL_URL ??= `http://127.0.0.1:${env.FILES_PORT}/graphql`;
  // The ai and submission subgraphs call each other's internal endpoints (kit/extraction-wire.ts).
  env.SUBMISSION_INTERNAL_URL ??= `http://127.0.0.1:${env.SUBMISSION_PORT}`;
  env.AI_INTERNAL_URL ??= `http://127.0.0.1:${env.AI_PORT}`;
  return env;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const env = await wireSettings(options);
  const running: RunningProcess[] = [];
  const close = async () => {
    for (const p of running.reverse()) await closeWithin(p, CLOSE_TIMEOUT_MS);
  };
  try {
    const subgraphUrls: Record<string, string> = {};
    for (const [name, start] of Object.entries(subgraphs)) {
      const process = await start(env);
      running.push(process);
      subgraphUrls[name] = process.url;
    }
    const loaded = loadRouterConfig(env);
    if ('errors' in loaded) throw new ConfigError(loaded.errors);
    const { options: routerOptions, port, host, logLevel } = loaded.config;
    const router = await createRouter({
      ...routerOptions,
      subgraphUrls: { ...routerOptions.subgraphUrls, ...subgraphUrls },
      logger: options.logger ?? pino({ name: 'router', level: logLevel }),
    });
    running.push({ url: '', close: () => router.close() });
    const listening = await router.listen(port, host);
    await router.ready;
    return {
      routerUrl: listening.url,
      metricsUrl: `${listening.metricsOrigin}/metrics`,
      subgraphUrls,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
