// The per-request context of the submission subgraph: the kit's (verified identity, request id, logger) plus the
// database, the services, the per-request loaders and the Authorization header (passed on to the files subgraph).
import type { PrismaClient } from '../../generated/prisma/submission/client.ts';
import { readsEverything, requireIdentity } from '../kit/identity.ts';
import type { KitContext } from '../kit/server.ts';
import type { Caller, SubmissionDeps } from './deps.ts';
import type { ImportService } from './import.service.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { QueryService } from './query.service.ts';
import type { ReviewService } from './review.service.ts';

export interface SubmissionServices {
  imports: ImportService;
  review: ReviewService;
  queries: QueryService;
}

export interface Context extends KitContext {
  prisma: PrismaClient;
  deps: SubmissionDeps;
  services: SubmissionServices;
  loaders: Loaders;
  /** The Authorization header as received. */
  authorization: string | undefined;
}

/** The verified caller, or UNAUTHENTICATED; a SUBMITTER sees only the submissions they imported. */
export function requireCaller(ctx: Pick<Context, 'identity' | 'requestId' | 'authorization'>): Caller {
  const identity = requireIdentity(ctx);
  return {
    userId: identity.userId,
    roles: [...identity.roles],
    scopes: [...identity.scopes],
    requestId: ctx.requestId,
    ownerId: readsEverything(identity) ? null : identity.userId,
    authorization: ctx.authorization,
  };
}

export function createContextFactory(deps: SubmissionDeps, services: SubmissionServices) {
  return (base: KitContext, http: { req: { get(name: string): string | undefined } }): Context => ({
    ...base,
    authorization: http.req.get('authorization'),
    prisma: deps.prisma,
    deps,
    services,
    loaders: createLoaders(deps.prisma),
  });
}
