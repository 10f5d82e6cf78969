// createAuthSubgraph: the auth subgraph, built from its config without listening (tests and the embedded
// stack call listen themselves). Serves /graphql, /.well-known/jwks.json, /health, /ready, /metrics.
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { PrismaClient } from '../../generated/prisma/auth/client.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import type { OutboxRelay, OutboxRelayOptions } from '../kit/outbox-relay.ts';
import { notifyRelayAfterMutations, startSubgraphRelay } from '../kit/outbox-relay-setup.ts';
import { prismaReadiness } from '../kit/readiness.ts';
import { createSubgraphServer, type RunningServer } from '../kit/server.ts';
import { REVOCATIONS_PATH } from '../../common/session-revocations.ts';
import { ensureAdmin, type BootstrapOptions } from './bootstrap.ts';
import type { AuthConfig } from './config.ts';
import { createContextFactory, type Context } from './context.ts';
import { SERVICE_NAME, type AuthDeps } from './deps.ts';
import { createKeyStore, SIGNING_ALGORITHM } from './keys.service.ts';
import { createLoginGuard } from './login-guard.ts';
import { createLoginService } from './login.service.ts';
import { dummyPasswordHash } from './password.ts';
import { permissions } from './permissions.ts';
import { sessionResolvers } from './session.resolvers.ts';
import { createRevocationService } from './revocation.service.ts';
import { createSessionService } from './session.service.ts';
import { userResolvers } from './user.resolvers.ts';
import { createUserService } from './user.service.ts';
import { createDatabaseAdapter } from '../kit/database.ts';

export const AUTH_TYPE_DEFS = readFileSync(new URL('../../schema/auth.graphql', import.meta.url), 'utf8');
export const JWKS_PATH = '/.well-known/jwks.json';

export interface AuthSubgraphDeps {
  /** The clock; default the system's. Tests move it to expire lockouts. */
  now?: () => Date;
  /** Default: a pino logger named auth at config.logLevel. */
  log?: Logger;
  /** Where a generated admin password is printed; default stderr (never the log stream). */
  print?: BootstrapOptions['print'];
  /** Skip the first-start admin bootstrap (tests that manage users themselves). Default false. */
  skipBootstrap?: boolean;
  /** Overrides of the outbox relay's options (tests: poll interval, backoff). Used only when delivery is on. */
  outboxRelay?: Partial<OutboxRelayOptions>;
}

export interface AuthSubgraph {
  app: Express;
  prisma: PrismaClient;
  deps: AuthDeps;
  /** Delivers the outbox to the audit subgraph; undefined when delivery is off (see config.outboxRelay). */
  relay: OutboxRelay | undefined;
  /** Starts (on first call) and listens; port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Stops the server and disconnects from the database; safe to call twice. */
  close(): Promise<void>;
}

export async function createAuthSubgraph(
  config: AuthConfig,
  options: AuthSubgraphDeps = {},
): Promise<AuthSubgraph> {
  const log = options.log ?? createLogger({ name: 'auth', level: config.logLevel });
  const now = options.now ?? (() => new Date());
  const prisma = new PrismaClient({ adapter: createDatabaseAdapter(config.databaseUrl) });
  let relay: OutboxRelay | undefined;
  try {
    const keys = createKeyStore({
      prisma,
      now,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      kek: config.keyEncryptionKey,
      onLegacyKeysEncrypted: (kids) =>
        log.warn(
          { kids },
          'encrypted plaintext signing keys; rotate them (npm run rotate-keys): old copies may remain in backups',
        ),
    });
    const deps: AuthDeps = { prisma, config, now, keys, log };
    await keys.ensureCurrentKey();
    if (!options.skipBootstrap) {
      await ensureAdmin(deps, {
        email: config.adminEmail,
        password: config.adminPassword,
        print: options.print,
      });
    }
    await dummyPasswordHash();
    if (!config.clientAddressSecret) {
      log.warn(
        'CLIENT_ADDRESS_SECRET is not set: login limits key on the socket peer, which behind the router is the router for every client',
      );
    }

    const revocations = createRevocationService(deps);
    const sessions = createSessionService(deps, revocations);
    const guard = createLoginGuard(deps);
    const services = {
      sessions,
      login: createLoginService(deps, sessions, guard),
      users: createUserService(deps, sessions, guard),
    };
    const subgraph = createSubgraphServer<Context>({
      name: 'auth',
      typeDefs: AUTH_TYPE_DEFS,
      resolvers: [userResolvers, sessionResolvers],
      permissions,
      createContext: createContextFactory(prisma, services),
      readiness: { database: prismaReadiness(prisma) },
      logger: log,
      // Verify tokens from our own keys, without an HTTP round trip to ourselves.
      auth: {
        getKey: keys.getKey,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        algorithms: [SIGNING_ALGORITHM],
        now,
        maxTokenLifetimeSeconds: config.accessTokenTtlSeconds,
        // Our own feed, read from the database like everyone else's copy is read over HTTP.
        revocations: {
          load: revocations.page,
          pollMs: config.revocationPollMs,
          maxStaleMs: config.revocationMaxStaleMs,
        },
      },
      clientAddressSecret: config.clientAddressSecret,
      limits: config.limits,
      plugins: [notifyRelayAfterMutations(() => relay)],
    });
    relay = startSubgraphRelay({
      config: config.outboxRelay,
      databaseUrl: config.databaseUrl,
      service: SERVICE_NAME,
      registry: subgraph.metrics.registry,
      log,
      now,
      overrides: options.outboxRelay,
    });
    subgraph.app.get(REVOCATIONS_PATH, async (req, res) => {
      const after = typeof req.query.after === 'string' ? req.query.after : '0';
      if (!/^\d{1,18}$/.test(after)) {
        res.status(400).json({ error: 'after must be a cursor from this feed (digits)' });
        return;
      }
      res.setHeader('cache-control', 'no-store');
      res.json(await revocations.page(after));
    });
    subgraph.app.get(JWKS_PATH, async (_req, res) => {
      res.setHeader('cache-control', 'public, max-age=300');
      res.json(await keys.jwks());
    });

    let closed = false;
    return {
      app: subgraph.app,
      prisma,
      deps,
      relay,
      listen: (port = config.port, host = config.host) => subgraph.listen(port, host),
      async close() {
        if (closed) return;
        closed = true;
        await relay?.stop();
        await subgraph.stop();
        await prisma.$disconnect();
      },
    };
  } catch (error) {
    await relay?.stop();
    await prisma.$disconnect();
    throw error;
  }
}
