// createSubmissionSubgraph: the submission subgraph, built from its config without listening (tests and the
// embedded stack call listen themselves). Serves /graphql (with GraphQL multipart uploads for importSubmission),
// /health, /ready and /metrics. Two relays run beside it: the outbox relay delivers every change to the audit
// subgraph, and the sample-command relay delivers accepted submissions' samples to the samples subgraph.
import { readFileSync } from 'node:fs';
import { PrismaClient } from '../../generated/prisma/submission/client.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../kit/outbox-relay.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import type { SubmissionConfig } from './config.ts';
import { createContextFactory, type SubmissionServices } from './context.ts';
import { SERVICE_NAME, type SubmissionDeps } from './deps.ts';
import { createFileStore, type FileStore } from './file-store.ts';
import { ImportQueue } from './import-queue.ts';
import { createImportService } from './import.service.ts';
import { permissions } from './permissions.ts';
import { createQueryService } from './query.service.ts';
import { createReviewService } from './review.service.ts';
import { submissionResolvers } from './submission.resolvers.ts';

export const SUBMISSION_TYPE_DEFS = readFileSync(
  new URL('../../schema/submission.graphql', import.meta.url),
  'utf8',
);

/** The table the second relay delivers (prisma/submission/schema.prisma's SampleCommand). */
export const SAMPLE_COMMAND_TABLE = 'sample_command';

export interface SubmissionSubgraphDeps extends SubgraphOptions {
  /** Overrides of the sample-command relay's options (tests). Used only when delivery is on. */
  sampleCommandRelay?: Partial<OutboxRelayOptions>;
  /** Where original files go; default the files subgraph at config.filesGraphqlUrl. */
  files?: FileStore;
}

export interface SubmissionSubgraph extends Subgraph<PrismaClient> {
  deps: SubmissionDeps;
  services: SubmissionServices;
  /** Delivers sample commands to the samples subgraph; undefined without OUTBOX_RELAY_SECRET. */
  commandRelay: OutboxRelay | undefined;
}

export async function createSubmissionSubgraph(
  config: SubmissionConfig,
  options: SubmissionSubgraphDeps = {},
): Promise<SubmissionSubgraph> {
  return createSubgraph({
    name: SERVICE_NAME,
    config,
    options,
    PrismaClient,
    build({ prisma, log, now, onClose }) {
      const files =
        options.files ??
        createFileStore({ url: config.filesGraphqlUrl, timeoutMs: config.filesTimeoutMs, log });
      const documents = new ImportQueue(config.parse);
      onClose(() => documents.close());
      const deps: SubmissionDeps = { prisma, config, now, log, files, documents };
      const services: SubmissionServices = {
        imports: createImportService(deps),
        review: createReviewService(deps),
        queries: createQueryService(deps),
      };
      return {
        server: {
          typeDefs: SUBMISSION_TYPE_DEFS,
          resolvers: [submissionResolvers],
          permissions,
          createContext: createContextFactory(deps, services),
          // One file per import. busboy counts a file that reaches its limit as truncated: one byte more lets a
          // file of exactly maxImportBytes through.
          uploads: { maxFileSize: config.maxImportBytes + 1, maxFiles: 1 },
        },
        relays(registry) {
          if (!config.sampleCommands) {
            log.warn(
              'sample commands: delivery is off (OUTBOX_RELAY_SECRET not set); accepted samples wait in sample_command',
            );
            return { commandRelay: undefined };
          }
          const commandRelay = createOutboxRelay({
            databaseUrl: config.databaseUrl,
            table: SAMPLE_COMMAND_TABLE,
            service: SERVICE_NAME,
            ingestUrl: config.sampleCommands.ingestUrl,
            secret: config.sampleCommands.secret,
            batchSize: config.sampleCommands.batchSize,
            registry,
            logger: log,
            now,
            ...options.sampleCommandRelay,
          });
          return { commandRelay };
        },
        fields: { deps, services },
      };
    },
  });
}
