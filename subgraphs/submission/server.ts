// createSubmissionSubgraph: the submission subgraph, built from its config without listening (tests and the
// embedded stack call listen themselves). Serves /graphql (with GraphQL multipart uploads for importSubmission),
// /health, /ready and /metrics. Two relays run beside it: the outbox relay delivers every change to the audit
// subgraph, and the sample-command relay delivers accepted submissions' samples to the samples subgraph. With the
// ai subgraph configured (AI_INTERNAL_URL), a third relay delivers extraction commands to it, and it reaches
// this subgraph over the signed routes of extraction-routes.ts (a document's bytes, extraction notices).
import { readFileSync } from 'node:fs';
import { PrismaClient } from '../../generated/prisma/submission/client.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../kit/outbox-relay.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import type { SubmissionConfig } from './config.ts';
import { createContextFactory, type SubmissionServices } from './context.ts';
import { SERVICE_NAME, type SubmissionDeps } from './deps.ts';
import { createFileStore, type FileStore } from './file-store.ts';
import { ImportQueue } from './import-queue.ts';
import { EXTRACTION_COMMAND_TABLE } from './extraction-commands.ts';
import { mountExtractionRoutes } from './extraction-routes.ts';
import { createExtractionService, type ExtractionService } from './extraction.service.ts';
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
  /** Overrides of the extraction-command relay's options (tests). Used only with AI_INTERNAL_URL. */
  extractionCommandRelay?: Partial<OutboxRelayOptions>;
  /** Where original files go; default the files subgraph at config.filesGraphqlUrl. */
  files?: FileStore;
}

export interface SubmissionSubgraph extends Subgraph<PrismaClient> {
  deps: SubmissionDeps;
  services: SubmissionServices;
  /** Delivers sample commands to the samples subgraph; undefined without OUTBOX_RELAY_SECRET. */
  commandRelay: OutboxRelay | undefined;
  /** Delivers extraction commands to the ai subgraph; undefined without AI_INTERNAL_URL. */
  extractionRelay: OutboxRelay | undefined;
  extractions: ExtractionService;
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
    build({ prisma, log, now, onClose, notifyRelay }) {
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
      const extractions = createExtractionService(deps);
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
        mount: ({ app }) => {
          // Without AI_INTERNAL_URL nothing is ever EXTRACTING: the routes stay off.
          if (!config.extraction) return;
          mountExtractionRoutes(app, {
            secret: config.extraction.secret,
            extractions,
            log,
            onStored: notifyRelay,
          });
        },
        relays(registry) {
          const extractionRelay = config.extraction
            ? createOutboxRelay({
                databaseUrl: config.databaseUrl,
                table: EXTRACTION_COMMAND_TABLE,
                service: SERVICE_NAME,
                ingestUrl: config.extraction.commandsUrl,
                secret: config.extraction.secret,
                batchSize: config.extraction.batchSize,
                registry,
                logger: log,
                now,
                ...options.extractionCommandRelay,
              })
            : undefined;
          if (!config.sampleCommands) {
            log.warn(
              'sample commands: delivery is off (OUTBOX_RELAY_SECRET not set); accepted samples wait in sample_command',
            );
            return { commandRelay: undefined, extractionRelay };
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
          return { commandRelay, extractionRelay };
        },
        fields: { deps, services, extractions },
      };
    },
  });
}
