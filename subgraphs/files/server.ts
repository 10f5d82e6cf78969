// createFilesSubgraph: the files subgraph, built from its config without listening (tests and the embedded
// stack call listen themselves). Serves /graphql (with GraphQL multipart uploads), GET/HEAD
// /files/:id/content (signed downloads), /health, /ready and /metrics; its outbox relay delivers every upload,
// share, revocation, deletion and restricted download to the audit subgraph.
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { PrismaClient } from '../../generated/prisma/files/client.ts';
import { createDatabaseAdapter } from '../kit/database.ts';
import type { JwtVerifierOptions, VerifyToken } from '../kit/identity.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import { countDatabaseQueries } from '../kit/metrics.ts';
import type { OutboxRelay, OutboxRelayOptions } from '../kit/outbox-relay.ts';
import { notifyRelayAfterMutations, startSubgraphRelay } from '../kit/outbox-relay-setup.ts';
import { prismaReadiness } from '../kit/readiness.ts';
import { createSubgraphServer, type RunningServer } from '../kit/server.ts';
import type { FilesConfig } from './config.ts';
import { createContextFactory, type Context, type FilesServices } from './context.ts';
import { SERVICE_NAME, type FilesDeps } from './deps.ts';
import { createDownloadHandler, DOWNLOAD_ROUTE } from './download.ts';
import { createEntityAccess } from './entity-access.ts';
import { entityResolvers } from './entity.resolvers.ts';
import { fileResolvers } from './file.resolvers.ts';
import { createFileService } from './file.service.ts';
import { permissions } from './permissions.ts';
import { createUrlSigner } from './signing.ts';
import { createLocalBlobStore, type BlobStore } from './storage.ts';
import { createUploadService } from './upload.service.ts';

export const FILES_TYPE_DEFS = readFileSync(new URL('../../schema/files.graphql', import.meta.url), 'utf8');

export interface FilesSubgraphDeps {
  /** The clock; default the system's. Tests move it to expire download URLs and shares. */
  now?: () => Date;
  /** Default: a pino logger named files at config.logLevel. */
  log?: Logger;
  /** How to verify access tokens; default config.jwt (the auth subgraph's JWKS). Tests pass createTestSigner().auth. */
  auth?: JwtVerifierOptions | { verify: VerifyToken };
  /** Overrides of the outbox relay's options (tests). Used only when delivery is on. */
  outboxRelay?: Partial<OutboxRelayOptions>;
  /** How the samples and submission subgraphs are asked about entities; default the global fetch. */
  fetch?: typeof fetch;
  /** Where the bytes go; default the local disk under config.filesDir. */
  blobs?: BlobStore;
}

export interface FilesSubgraph {
  app: Express;
  prisma: PrismaClient;
  deps: FilesDeps;
  services: FilesServices;
  /** Delivers the outbox to the audit subgraph; undefined when delivery is off. */
  relay: OutboxRelay | undefined;
  /** Starts (on first call) and listens; port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Stops the relay and the server and disconnects from the database; safe to call twice. */
  close(): Promise<void>;
}

export async function createFilesSubgraph(
  config: FilesConfig,
  options: FilesSubgraphDeps = {},
): Promise<FilesSubgraph> {
  const log = options.log ?? createLogger({ name: SERVICE_NAME, level: config.logLevel });
  const now = options.now ?? (() => new Date());
  const prisma = new PrismaClient({
    adapter: createDatabaseAdapter(config.databaseUrl),
    log: [{ emit: 'event', level: 'query' }],
  });
  const deps: FilesDeps = {
    prisma,
    config,
    now,
    log,
    blobs: options.blobs ?? (await createLocalBlobStore(config.filesDir)),
    signer: createUrlSigner({ secret: config.signingSecret, publicUrl: config.publicUrl }),
    entities: createEntityAccess({
      samplesUrl: config.samplesGraphqlUrl,
      submissionUrl: config.submissionGraphqlUrl,
      log,
      fetch: options.fetch,
    }),
  };
  const services: FilesServices = { uploads: createUploadService(deps), files: createFileService(deps) };
  // busboy counts a file that reaches its limit exactly as truncated, so it gets one byte more: a file of exactly
  // maxFileBytes is accepted.
  const uploads = { maxFileSize: config.maxFileBytes + 1, maxFiles: config.maxFiles };
  const subgraph = createSubgraphServer<Context>({
    name: SERVICE_NAME,
    typeDefs: FILES_TYPE_DEFS,
    resolvers: [fileResolvers, entityResolvers],
    permissions,
    createContext: createContextFactory(deps, services),
    readiness: { database: prismaReadiness(prisma) },
    logger: log,
    auth: options.auth ?? config.jwt,
    limits: config.limits,
    uploads,
    plugins: [notifyRelayAfterMutations(() => relay)],
  });
  subgraph.app.get(
    DOWNLOAD_ROUTE,
    createDownloadHandler(deps, () => relay?.notify()),
  );
  countDatabaseQueries(prisma, subgraph.metrics.registry);
  const relay = startSubgraphRelay({
    config: config.outboxRelay,
    databaseUrl: config.databaseUrl,
    service: SERVICE_NAME,
    registry: subgraph.metrics.registry,
    log,
    now,
    overrides: options.outboxRelay,
  });

  let closed = false;
  return {
    app: subgraph.app,
    prisma,
    deps,
    services,
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
}
