// createSubmissionSubgraph: the submission subgraph, built from its config without listening (tests and the
// embedded stack call listen themselves). Serves /graphql (with GraphQL multipart uploads for importSubmission),
// /health, /ready and /metrics. Two relays run beside it: the outbox relay delivers every change to the audit
// subgraph, and the sample-command relay delivers accepted submissions' samples to the samples subgraph.
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { PrismaClient } from '../../generated/prisma/submission/client.ts';
import { createDatabaseAdapter } from '../kit/database.ts';
import type { JwtVerifierOptions, VerifyToken } from '../kit/identity.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import { countDatabaseQueries } from '../kit/metrics.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../kit/outbox-relay.ts';
import { notifyRelayAfterMutations, startSubgraphRelay } from '../kit/outbox-relay-setup.ts';
import { prismaReadiness } from '../kit/readiness.ts';
import { createSubgraphServer, type RunningServer } from '../kit/server.ts';
import type { SubmissionConfig } from './config.ts';
import { createContextFactory, type Context, type SubmissionServices } from './context.ts';
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

export interface SubmissionSubgraphDeps {
  /** The clock; default the system's. */
  now?: () => Date;
  /** Default: a pino logger named submission at config.logLevel. */
  log?: Logger;
  /** How to verify access tokens; default config.jwt (the auth subgraph's JWKS). Tests pass createTestSigner().auth. */
  auth?: JwtVerifierOptions | { verify: VerifyToken };
  /** Overrides of the audit outbox relay's options (tests). Used only when delivery is on. */
  outboxRelay?: Partial<OutboxRelayOptions>;
  /** Overrides of the sample-command relay's options (tests). Used only when delivery is on. */
  sampleCommandRelay?: Partial<OutboxRelayOptions>;
  /** Where original files go; default the files subgraph at config.filesGraphqlUrl. */
  files?: FileStore;
}

export interface SubmissionSubgraph {
  app: Express;
  prisma: PrismaClient;
  deps: SubmissionDeps;
  services: SubmissionServices;
  /** Delivers the outbox to the audit subgraph; undefined when delivery is off. */
  relay: OutboxRelay | undefined;
  /** Delivers sample commands to the samples subgraph; undefined without OUTBOX_RELAY_SECRET. */
  commandRelay: OutboxRelay | undefined;
  /** Starts (on first call) and listens; port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Stops the relays and the server and disconnects from the database; safe to call twice. */
  close(): Promise<void>;
}

export async function createSubmissionSubgraph(
  config: SubmissionConfig,
  options: SubmissionSubgraphDeps = {},
): Promise<SubmissionSubgraph> {
  const log = options.log ?? createLogger({ name: SERVICE_NAME, level: config.logLevel });
  const now = options.now ?? (() => new Date());
  const prisma = new PrismaClient({
    adapter: createDatabaseAdapter(config.databaseUrl),
    log: [{ emit: 'event', level: 'query' }],
  });
  const files =
    options.files ?? createFileStore({ url: config.filesGraphqlUrl, timeoutMs: config.filesTimeoutMs, log });
  const documents = new ImportQueue(config.parse);
  const deps: SubmissionDeps = { prisma, config, now, log, files, documents };
  const services: SubmissionServices = {
    imports: createImportService(deps),
    review: createReviewService(deps),
    queries: createQueryService(deps),
  };
  const subgraph = createSubgraphServer<Context>({
    name: SERVICE_NAME,
    typeDefs: SUBMISSION_TYPE_DEFS,
    resolvers: [submissionResolvers],
    permissions,
    createContext: createContextFactory(deps, services),
    readiness: { database: prismaReadiness(prisma) },
    logger: log,
    auth: options.auth ?? config.jwt,
    limits: config.limits,
    // One file per import. busboy counts a file that reaches its limit as truncated: one byte more lets a file of
    // exactly maxImportBytes through.
    uploads: { maxFileSize: config.maxImportBytes + 1, maxFiles: 1 },
    plugins: [notifyRelayAfterMutations(() => relay), notifyRelayAfterMutations(() => commandRelay)],
  });
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
  let commandRelay: OutboxRelay | undefined;
  if (config.sampleCommands) {
    commandRelay = createOutboxRelay({
      databaseUrl: config.databaseUrl,
      table: SAMPLE_COMMAND_TABLE,
      service: SERVICE_NAME,
      ingestUrl: config.sampleCommands.ingestUrl,
      secret: config.sampleCommands.secret,
      batchSize: config.sampleCommands.batchSize,
      registry: subgraph.metrics.registry,
      logger: log,
      now,
      ...options.sampleCommandRelay,
    });
    commandRelay.start();
  } else {
    log.warn(
      'sample commands: delivery is off (OUTBOX_RELAY_SECRET not set); accepted samples wait in sample_command',
    );
  }

  let closed = false;
  return {
    app: subgraph.app,
    prisma,
    deps,
    services,
    relay,
    commandRelay,
    listen: (port = config.port, host = config.host) => subgraph.listen(port, host),
    async close() {
      if (closed) return;
      closed = true;
      await commandRelay?.stop();
      await relay?.stop();
      await subgraph.stop();
      documents.close();
      await prisma.$disconnect();
    },
  };
}
