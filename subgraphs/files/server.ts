// createFilesSubgraph: the files subgraph, built from its config without listening (tests and the embedded
// stack call listen themselves). Serves /graphql (with GraphQL multipart uploads), GET/HEAD
// /files/:id/content (signed downloads), /health, /ready and /metrics; its outbox relay delivers every upload,
// share, revocation, deletion and restricted download to the audit subgraph.
import { readFileSync } from 'node:fs';
import { PrismaClient } from '../../generated/prisma/files/client.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import type { FilesConfig } from './config.ts';
import { createContextFactory, type FilesServices } from './context.ts';
import { SERVICE_NAME, type FilesDeps } from './deps.ts';
import { registerDiskMetrics } from './disk-metrics.ts';
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

export interface FilesSubgraphDeps extends SubgraphOptions {
  /** How the samples and submission subgraphs are asked about entities; default the global fetch. */
  fetch?: typeof fetch;
  /** Where the bytes go; default the local disk under config.filesDir. */
  blobs?: BlobStore;
}

export interface FilesSubgraph extends Subgraph<PrismaClient> {
  deps: FilesDeps;
  services: FilesServices;
}

export async function createFilesSubgraph(
  config: FilesConfig,
  options: FilesSubgraphDeps = {},
): Promise<FilesSubgraph> {
  return createSubgraph({
    name: SERVICE_NAME,
    config,
    options,
    PrismaClient,
    async build({ prisma, log, now, notifyRelay }) {
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
      return {
        server: {
          typeDefs: FILES_TYPE_DEFS,
          resolvers: [fileResolvers, entityResolvers],
          permissions,
          createContext: createContextFactory(deps, services),
          // busboy counts a file that reaches its limit exactly as truncated, so it gets one byte more: a file of
          // exactly maxFileBytes is accepted.
          uploads: { maxFileSize: config.maxFileBytes + 1, maxFiles: config.maxFiles },
        },
        mount: ({ app, metrics }) => {
          app.get(DOWNLOAD_ROUTE, createDownloadHandler(deps, notifyRelay));
          registerDiskMetrics(metrics.registry, config.filesDir, log);
        },
        fields: { deps, services },
      };
    },
  });
}
