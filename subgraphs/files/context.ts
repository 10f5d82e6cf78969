// The per-request context of the files subgraph: the kit's (verified identity, request id, logger) plus the
// database, the services, the per-request loaders and the request's time (one download URL expiry per request).
import type { PrismaClient } from '../../generated/prisma/files/client.ts';
import { readsEverything, requireIdentity } from '../kit/identity.ts';
import type { KitContext } from '../kit/server.ts';
import type { Caller, FilesDeps } from './deps.ts';
import type { FileService } from './file.service.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { UploadService } from './upload.service.ts';

export interface FilesServices {
  uploads: UploadService;
  files: FileService;
}

export interface Context extends KitContext {
  prisma: PrismaClient;
  deps: FilesDeps;
  services: FilesServices;
  loaders: Loaders;
  /** The Authorization header as received, passed on when the owning subgraph of an entity is asked. */
  authorization: string | undefined;
  /** When the request started: download URLs of one response share one expiry. */
  requestTime: Date;
}

/**
 * The verified caller, or UNAUTHENTICATED. Who does not read everything sees what they uploaded, what they own
 * and what was shared with them.
 */
export function requireCaller(ctx: Pick<Context, 'identity' | 'requestId' | 'authorization'>): Caller {
  const identity = requireIdentity(ctx);
  return {
    userId: identity.userId,
    roles: [...identity.roles],
    requestId: ctx.requestId,
    seesAll: readsEverything(identity),
    authorization: ctx.authorization,
  };
}

export function createContextFactory(deps: FilesDeps, services: FilesServices) {
  return (base: KitContext, http: { req: { get(name: string): string | undefined } }): Context => {
    const authorization = http.req.get('authorization');
    const requestTime = deps.now();
    const partial = { ...base, authorization };
    return {
      ...partial,
      prisma: deps.prisma,
      deps,
      services,
      requestTime,
      loaders: createLoaders(deps.prisma, () => requireCaller(partial), requestTime),
    };
  };
}
