// The per-request context of the submission subgraph: the kit's (verified identity, request id, logger) plus the
// database, the services, the per-request loaders and the Authorization header (passed on to the files subgraph).
import type { PrismaClient } from '../../generated/prisma/submission/client.ts';
import { ERRORS } from '../kit/errors.ts';
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

/** Roles that see every submission; anyone else (a SUBMITTER) sees only the submissions they imported. */
const SEE_ALL_ROLES = ['ADMIN', 'STAFF', 'VIEWER'];

/** The verified caller, or UNAUTHENTICATED. */
export function requireCaller(ctx: Pick<Context, 'identity' | 'requestId' | 'authorization'>): Caller {
  const identity = ctx.identity;
  if (!identity) throw ERRORS.UNAUTHENTICATED.err('sign in first', { reason: 'NO_TOKEN' });
  return {
    userId: identity.userId,
    roles: [...identity.roles],
    scopes: [...identity.scopes],
    requestId: ctx.requestId,
    ownerId: identity.roles.some((r) => SEE_ALL_ROLES.includes(r)) ? null : identity.userId,
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
