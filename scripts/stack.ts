// The whole stack in one process: every subgraph that exists, then the router in front of them.
// `npm start` (scripts/start.ts) and the stack tests (test/stack) both start it through here.
import { pino, type Logger } from 'pino';
import { ConfigError } from '../subgraphs/kit/config.ts';
import { loadAuthConfig } from '../subgraphs/auth/config.ts';
import { createAuthSubgraph } from '../subgraphs/auth/server.ts';
import { createRouter } from '../router/createRouter.ts';
import { loadRouterConfig } from '../router/config.ts';
import { databaseUrlVariable } from '../prisma/prisma-config.ts';

export interface RunningProcess {
  url: string;
  close(): Promise<void>;
}

interface SubgraphEntry {
  name: string;
  /** Starts the subgraph from environment-style settings on `port` (0 = any free port; default: its config). */
  start(env: NodeJS.ProcessEnv, port?: number): Promise<RunningProcess>;
}

/** Every subgraph of the supergraph. A later subgraph adds its line here. */
export const subgraphs: SubgraphEntry[] = [
  {
    name: 'auth',
    async start(env, port) {
      const auth = await createAuthSubgraph(loadAuthConfig(env));
      const listening = await auth.listen(port);
      return {
        url: `${listening.url}/graphql`,
        close: async () => (await listening.close(), await auth.close()),
      };
    },
  },
];

export interface StackOptions {
  /** domain -> PostgreSQL URL of its (migrated) database */
  databaseUrls: Record<string, string>;
  /** Settings read by the subgraphs' and the router's config (defaults: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Router port; 0 = any free port. @default 4000 (ROUTER_PORT) */
  routerPort?: number;
  /** Subgraph ports; 0 = any free port. @default each subgraph's own default */
  subgraphPort?: (name: string) => number | undefined;
  logger?: Logger;
}

export interface RunningStack {
  routerUrl: string;
  subgraphUrls: Record<string, string>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const env = { ...(options.env ?? process.env) };
  for (const [domain, url] of Object.entries(options.databaseUrls)) env[databaseUrlVariable(domain)] = url;
  const running: RunningProcess[] = [];
  const close = async () => {
    for (const p of running.reverse()) await p.close();
  };
  try {
    const subgraphUrls: Record<string, string> = {};
    for (const subgraph of subgraphs) {
      const port =
        options.subgraphPort?.(subgraph.name) ?? Number(env[`${subgraph.name.toUpperCase()}_PORT`] ?? 0);
      const process = await subgraph.start(env, port);
      running.push(process);
      subgraphUrls[subgraph.name] = process.url;
    }
    const loaded = loadRouterConfig(env);
    if ('errors' in loaded) throw new ConfigError(loaded.errors);
    const { options: routerOptions, port, logLevel } = loaded.config;
    const router = await createRouter({
      ...routerOptions,
      subgraphUrls: { ...routerOptions.subgraphUrls, ...subgraphUrls },
      logger: options.logger ?? pino({ name: 'router', level: logLevel }),
    });
    running.push({ url: '', close: () => router.close() });
    const listening = await router.listen(options.routerPort ?? port);
    await router.ready;
    return { routerUrl: listening.url, subgraphUrls, close };
  } catch (error) {
    await close();
    throw error;
  }
}
