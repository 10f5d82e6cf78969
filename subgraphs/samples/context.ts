// The per-request context of the samples subgraph: the kit's (verified identity, request id, logger) plus the
// database, the per-request loaders and the services.
import type { PrismaClient } from '../../generated/prisma/samples/client.ts';
import { ERRORS } from '../kit/errors.ts';
import type { KitContext } from '../kit/server.ts';
import type { AnalyticsService } from './analytics.service.ts';
import type { Caller } from './deps.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { ProjectService } from './project.service.ts';
import type { QueryService } from './query.service.ts';
import type { RunService } from './run.service.ts';
import type { SampleService } from './sample.service.ts';

export interface SamplesServices {
  samples: SampleService;
  queries: QueryService;
  analytics: AnalyticsService;
  projects: ProjectService;
  runs: RunService;
}

export interface Context extends KitContext {
  prisma: PrismaClient;
  loaders: Loaders;
  services: SamplesServices;
}

/** Roles that see every sample; anyone else (a SUBMITTER) sees only the samples they own. */
const SEE_ALL_ROLES = ['ADMIN', 'STAFF', 'VIEWER'];

/** The verified caller, or UNAUTHENTICATED. */
export function requireCaller(ctx: KitContext): Caller {
  const identity = ctx.identity;
  if (!identity) throw ERRORS.UNAUTHENTICATED.err('sign in first', { reason: 'NO_TOKEN' });
  return {
    userId: identity.userId,
    roles: [...identity.roles],
    requestId: ctx.requestId,
    ownerId: identity.roles.some((r) => SEE_ALL_ROLES.includes(r)) ? null : identity.userId,
  };
}

export function createContextFactory(prisma: PrismaClient, services: SamplesServices) {
  return (base: KitContext): Context => ({
    ...base,
    prisma,
    services,
    loaders: createLoaders(prisma, services, () => requireCaller(base)),
  });
}
