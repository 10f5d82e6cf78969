// The per-request context of the ai subgraph: the kit's (verified identity, request id, logger) plus the
// dependencies, the services and the per-request loaders.
import { readsEverything, requireIdentity } from '../kit/identity.ts';
import type { KitContext } from '../kit/server.ts';
import type { AiDeps, Caller } from './deps.ts';
import type { JobService } from './job.service.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface AiServices {
  jobs: JobService;
}

export interface Context extends KitContext {
  deps: AiDeps;
  services: AiServices;
  loaders: Loaders;
}

/** The verified caller, or UNAUTHENTICATED; a SUBMITTER sees only their own jobs. */
export function requireCaller(ctx: Pick<Context, 'identity' | 'requestId'>): Caller {
  const identity = requireIdentity(ctx);
  return {
    userId: identity.userId,
    roles: [...identity.roles],
    requestId: ctx.requestId,
    ownerId: readsEverything(identity) ? null : identity.userId,
    manages: identity.roles.includes('ADMIN') || identity.roles.includes('STAFF'),
  };
}

export function createContextFactory(deps: AiDeps, services: AiServices) {
  return (base: KitContext): Context => ({
    ...base,
    deps,
    services,
    loaders: createLoaders(deps.prisma, () => requireCaller(base)),
  });
}
