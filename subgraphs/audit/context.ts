// The per-request context of the audit subgraph: the kit's (verified identity, request id, logger) plus the
// database, the per-request loaders, the services and the caller's read scope.
import type { PrismaClient } from '../../generated/prisma/audit/client.ts';
import { requireIdentity } from '../kit/identity.ts';
import type { KitContext } from '../kit/server.ts';
import type { ChainService } from './chain.service.ts';
import type { DeliveryService } from './delivery.service.ts';
import { AUDIT_READ_SCOPE, type ReadScope } from './deps.ts';
import type { EventsService } from './events.service.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { WebhookService } from './webhook.service.ts';

export interface AuditServices {
  chain: ChainService;
  delivery: DeliveryService;
  events: EventsService;
  webhooks: WebhookService;
  /** The service's clock (date ranges such as `last: P30D` are resolved on it). */
  now: () => Date;
}

export interface Context extends KitContext {
  prisma: PrismaClient;
  loaders: Loaders;
  services: AuditServices;
}

/** Every event with audit:read; otherwise only events of entities the caller owns. */
export function readScope(ctx: KitContext): ReadScope {
  const identity = requireIdentity(ctx);
  return identity.scopes.includes(AUDIT_READ_SCOPE) ? { ownerId: null } : { ownerId: identity.userId };
}

export function createContextFactory(prisma: PrismaClient, services: AuditServices) {
  return (base: KitContext): Context => ({ ...base, prisma, services, loaders: createLoaders(prisma) });
}
