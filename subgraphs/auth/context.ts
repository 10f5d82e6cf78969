// The per-request context of the auth subgraph: the kit's (verified identity, request id, logger, client
// address) plus the database, the per-request loaders and the services.
import type { PrismaClient } from '../../generated/prisma/auth/client.ts';
import type { KitContext } from '../kit/server.ts';
import type { ApiKeyService } from './api-key.service.ts';
import type { EventMeta } from './deps.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { LoginService } from './login.service.ts';
import type { SessionService } from './session.service.ts';
import type { UserService } from './user.service.ts';

export interface AuthServices {
  login: LoginService;
  sessions: SessionService;
  users: UserService;
  apiKeys: ApiKeyService;
}

export interface Context extends KitContext {
  prisma: PrismaClient;
  loaders: Loaders;
  services: AuthServices;
  /** Actor and request id for outbox events. */
  meta: EventMeta;
}

export function createContextFactory(prisma: PrismaClient, services: AuthServices) {
  return (base: KitContext): Context => ({
    ...base,
    prisma,
    services,
    loaders: createLoaders(prisma),
    meta: {
      actor: base.identity ? { userId: base.identity.userId, roles: base.identity.roles } : null,
      requestId: base.requestId,
    },
  });
}
