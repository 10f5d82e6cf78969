// The per-request context of the samples subgraph: the kit's (verified identity, request id, logger) plus the
// database, the per-request loaders and the services.
import type { PrismaClient } from '../../generated/prisma/samples/client.ts';
import { readsEverything, requireIdentity } from '../kit/identity.ts';
import type { KitContext } from '../kit/server.ts';
import type { AnalyticsService } from './analytics.service.ts';
import type { Caller } from './deps.ts';
import type { ExportService } from './export.service.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { ProjectService } from './project.service.ts';
import type { QueryService } from './query.service.ts';
import type { RunService } from './run.service.ts';
import type { SampleService } from './sample.service.ts';

export interface SamplesServices {
  samples: SampleService;
  queries: QueryService;
  analytics: AnalyticsService;
  exports: ExportService;
  /** The service's clock (date ranges such as `last: P30D` are resolved on it). */
  now: () => Date;
  projects: ProjectService;
  runs: RunService;
}

export interface Context extends KitContext {
  prisma: PrismaClient;
  loaders: Loaders;
  services: SamplesServices;
}

/** The verified caller, or UNAUTHENTICATED; a SUBMITTER sees only the samples they own. */
export function requireCaller(ctx: KitContext): Caller {
  const identity = requireIdentity(ctx);
  return {
    userId: identity.userId,
    roles: [...identity.roles],
    requestId: ctx.requestId,
    ownerId: readsEverything(identity) ? null : identity.userId,
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
