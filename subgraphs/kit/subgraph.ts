// createSubgraph: how every subgraph process is put together, written once. From the subgraph's config and its
// domain's build step it makes the logger and clock, the Prisma client (its queries counted in /metrics), the kit
// server, the audit outbox relay and any other relay; it does not listen. A start-up step that throws stops
// what was started before it; close() stops everything in order and may be called twice.
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createDatabaseAdapter } from './database.ts';
import type { JwtVerifierOptions, VerifyToken } from './identity.ts';
import { createLogger, type Logger } from './logger.ts';
import { countDatabaseQueries } from './metrics.ts';
import type { SubgraphLimits } from './operation-limits.ts';
import type { OutboxRelay, OutboxRelayOptions } from './outbox-relay.ts';
import {
  notifyRelaysAfterMutations,
  startSubgraphRelay,
  type OutboxRelayConfig,
} from './outbox-relay-setup.ts';
import { prismaReadiness } from './readiness.ts';
import {
  createSubgraphServer,
  type KitContext,
  type RunningServer,
  type SubgraphServer,
  type SubgraphServerOptions,
} from './server.ts';

type Auth = JwtVerifierOptions | { verify: VerifyToken };

/** What the bootstrap reads of a subgraph's config (each subgraph's config.ts has these fields and its own). */
export interface SubgraphConfig {
  databaseUrl: string;
  logLevel: string;
  /** Where listen() listens when called without arguments. */
  port: number;
  host: string;
  /** How access tokens are verified (the auth subgraph's JWKS); the auth subgraph verifies with its own keys. */
  jwt?: JwtVerifierOptions;
  limits: SubgraphLimits;
  /** Audit delivery of the outbox; undefined when off (the audit subgraph has no outbox). */
  outboxRelay?: OutboxRelayConfig;
  /** The router's client-address signing secret, where the subgraph reads client addresses. */
  clientAddressSecret?: string;
}

/** What callers (tests, the embedded stack) may override in any subgraph; domains add their own. */
export interface SubgraphOptions {
  /** The clock; default the system's. */
  now?: () => Date;
  /** Default: a pino logger named after the subgraph at config.logLevel. */
  log?: Logger;
  /** How to verify access tokens; default config.jwt. Tests pass createTestSigner().auth. */
  auth?: Auth;
  /** Overrides of the outbox relay's options (tests: poll interval, backoff). Used only when delivery is on. */
  outboxRelay?: Partial<OutboxRelayOptions>;
}

/** What a domain's build step gets. */
export interface SubgraphBase<P> {
  prisma: P;
  log: Logger;
  now: () => Date;
  /** Wakes the audit outbox relay: for events recorded outside GraphQL mutations (those wake it already). */
  notifyRelay(): void;
  /**
   * Runs `close` when the subgraph closes, after the server stopped and before Prisma disconnects, or when a
   * later start-up step throws. Closers run last registered first.
   */
  onClose(close: () => void | Promise<void>): void;
}

/** The domain's part of the kit server's options; the bootstrap adds name, readiness, logger, limits and auth. */
export type DomainServerOptions<TContext extends KitContext> = Pick<
  SubgraphServerOptions<TContext>,
  'typeDefs' | 'resolvers' | 'permissions' | 'createContext' | 'bodyLimit' | 'uploads' | 'plugins'
> & {
  /** How to verify access tokens when the caller passed none; default config.jwt. */
  auth?: Auth;
};

/** What differs between subgraphs: what a domain's build step returns. */
export interface SubgraphParts<TContext extends KitContext, F extends object, R extends ExtraRelays> {
  server: DomainServerOptions<TContext>;
  /** Routes and metrics on the built server, before any relay starts. */
  mount?(server: SubgraphServer): void;
  /**
   * Relays besides the audit outbox relay, created (not started) under the name they get in the subgraph;
   * undefined: off. Started after it, stopped before it, and woken after every mutation like it.
   */
  relays?(registry: Registry): R;
  /** What the domain adds to the subgraph it returns (deps, services ...). */
  fields: F;
}

type ExtraRelays = Record<string, OutboxRelay | undefined>;

export interface Subgraph<P> {
  app: Express;
  prisma: P;
  /** Delivers the outbox to the audit subgraph; undefined when delivery is off (see config.outboxRelay). */
  relay: OutboxRelay | undefined;
  /** Starts (on first call) and listens; port 0 picks a free port. Default config.port and config.host. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Stops the relays, the server and what the domain started, then disconnects Prisma; safe to call twice. */
  close(): Promise<void>;
}

/** What createSubgraph needs of a generated Prisma client. */
interface KitPrismaClient {
  $on(event: 'query', listener: (e: { duration: number }) => void): void;
  $queryRawUnsafe(query: string): PromiseLike<unknown>;
  $disconnect(): Promise<void>;
}

type QueryLoggingOptions = {
  adapter: ReturnType<typeof createDatabaseAdapter>;
  log: [{ emit: 'event'; level: 'query' }];
};

export interface SubgraphDefinition<
  P extends KitPrismaClient,
  TContext extends KitContext,
  F extends object,
  R extends ExtraRelays,
> {
  /** The subgraph's name: its service name in events and metrics, and its logger's. */
  name: string;
  config: SubgraphConfig;
  options: SubgraphOptions;
  /** The domain's generated PrismaClient class. */
  PrismaClient: new (options: QueryLoggingOptions) => P;
  build(base: SubgraphBase<P>): SubgraphParts<TContext, F, R> | Promise<SubgraphParts<TContext, F, R>>;
}

export async function createSubgraph<
  P extends KitPrismaClient,
  TContext extends KitContext,
  F extends object,
  R extends ExtraRelays = Record<never, never>,
>(definition: SubgraphDefinition<P, TContext, F, R>): Promise<Subgraph<P> & F & R> {
  const { name, config, options } = definition;
  const log = options.log ?? createLogger({ name, level: config.logLevel });
  const now = options.now ?? (() => new Date());
  const prisma = new definition.PrismaClient({
    adapter: createDatabaseAdapter(config.databaseUrl),
    log: [{ emit: 'event', level: 'query' }],
  });
  let server: SubgraphServer | undefined;
  let relay: OutboxRelay | undefined;
  // Every relay started, the audit outbox relay first.
  const relays: OutboxRelay[] = [];
  const closers: (() => void | Promise<void>)[] = [];

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const started of relays.toReversed()) await started.stop();
      await server?.stop();
      for (const closer of closers.toReversed()) await closer();
      await prisma.$disconnect();
    })();
    return closing;
  };

  try {
    const parts = await definition.build({
      prisma,
      log,
      now,
      notifyRelay: () => relay?.notify(),
      onClose: (closer) => void closers.push(closer),
    });
    const auth = options.auth ?? parts.server.auth ?? config.jwt;
    if (!auth) throw new Error(`${name} subgraph: no way to verify access tokens (config.jwt or auth)`);
    server = createSubgraphServer<TContext>({
      ...parts.server,
      name,
      readiness: { database: prismaReadiness(prisma) },
      logger: log,
      auth,
      clientAddressSecret: config.clientAddressSecret,
      limits: config.limits,
      plugins: [notifyRelaysAfterMutations(() => relays), ...(parts.server.plugins ?? [])],
    });
    countDatabaseQueries(prisma, server.metrics.registry);
    parts.mount?.(server);
    relay = startSubgraphRelay({
      config: config.outboxRelay,
      databaseUrl: config.databaseUrl,
      service: name,
      registry: server.metrics.registry,
      log,
      now,
      overrides: options.outboxRelay,
    });
    if (relay) relays.push(relay);
    const extraRelays = parts.relays?.(server.metrics.registry) ?? ({} as R);
    for (const extra of Object.values(extraRelays)) {
      if (!extra) continue;
      relays.push(extra);
      extra.start();
    }

    const running = server;
    return {
      ...parts.fields,
      ...extraRelays,
      app: running.app,
      prisma,
      relay,
      listen: (port = config.port, host = config.host) => running.listen(port, host),
      close,
    };
  } catch (error) {
    await close().catch((cleanupError: unknown) =>
      log.error({ err: cleanupError }, `${name} subgraph: clean-up after a failed start failed`),
    );
    throw error;
  }
}
