// createAuthSubgraph: the auth subgraph, built from its config without listening (tests and the embedded
// stack call listen themselves). Serves /graphql, /.well-known/jwks.json, /health, /ready, /metrics.
import { readFileSync } from 'node:fs';
import { PrismaClient } from '../../generated/prisma/auth/client.ts';
import { REVOCATIONS_PATH } from '../../common/session-revocations.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import { apiKeyResolvers } from './api-key.resolvers.ts';
import { mountApiKeyExchange } from './api-key.exchange.ts';
import { createApiKeyService } from './api-key.service.ts';
import { ensureAdmin, type BootstrapOptions } from './bootstrap.ts';
import type { AuthConfig } from './config.ts';
import { createContextFactory } from './context.ts';
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

export const AUTH_TYPE_DEFS = readFileSync(new URL('../../schema/auth.graphql', import.meta.url), 'utf8');
export const JWKS_PATH = '/.well-known/jwks.json';

/** Without `auth`, this subgraph verifies access tokens with its own signing keys. */
export interface AuthSubgraphDeps extends SubgraphOptions {
  /** Where a generated admin password is printed; default stderr (never the log stream). */
  print?: BootstrapOptions['print'];
  /** Skip the first-start admin bootstrap (tests that manage users themselves). Default false. */
  skipBootstrap?: boolean;
}

export interface AuthSubgraph extends Subgraph<PrismaClient> {
  deps: AuthDeps;
}

export async function createAuthSubgraph(
  config: AuthConfig,
  options: AuthSubgraphDeps = {},
): Promise<AuthSubgraph> {
  return createSubgraph({
    name: SERVICE_NAME,
    config,
    options,
    PrismaClient,
    async build({ prisma, log, now }) {
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
      const apiKeys = createApiKeyService(deps, revocations);
      const services = {
        sessions,
        login: createLoginService(deps, sessions, guard),
        users: createUserService(deps, sessions, guard, apiKeys),
        apiKeys,
      };
      return {
        server: {
          typeDefs: AUTH_TYPE_DEFS,
          resolvers: [userResolvers, sessionResolvers, apiKeyResolvers],
          permissions,
          createContext: createContextFactory(prisma, services),
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
        },
        mount({ app }) {
          mountApiKeyExchange(app, { secret: config.apiKeyExchangeSecret, apiKeys, log });
          app.get(REVOCATIONS_PATH, async (req, res) => {
            const after = typeof req.query.after === 'string' ? req.query.after : '0';
            if (!/^\d{1,18}$/.test(after)) {
              res.status(400).json({ error: 'after must be a cursor from this feed (digits)' });
              return;
            }
            res.setHeader('cache-control', 'no-store');
            res.json(await revocations.page(after));
          });
          app.get(JWKS_PATH, async (_req, res) => {
            res.setHeader('cache-control', 'public, max-age=300');
            res.json(await keys.jwks());
          });
        },
        fields: { deps },
      };
    },
  });
}
