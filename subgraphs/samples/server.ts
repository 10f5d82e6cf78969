// createSamplesSubgraph: the samples subgraph, built from its config without listening (tests and the embedded
// stack call listen themselves). Serves /graphql, /health, /ready, /metrics and the signed intake of accepted
// submissions' samples (POST /internal/samples/commands, submission-intake.ts); its outbox relay delivers every
// change to the audit subgraph.
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { PrismaClient } from '../../generated/prisma/samples/client.ts';
import type { JwtVerifierOptions, VerifyToken } from '../kit/identity.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import { countDatabaseQueries } from '../kit/metrics.ts';
import type { OutboxRelay, OutboxRelayOptions } from '../kit/outbox-relay.ts';
import { notifyRelayAfterMutations, startSubgraphRelay } from '../kit/outbox-relay-setup.ts';
import { prismaReadiness } from '../kit/readiness.ts';
import { createSubgraphServer, type RunningServer } from '../kit/server.ts';
import { analyticsResolvers } from './analytics.resolvers.ts';
import { createAnalyticsService } from './analytics.service.ts';
import type { SamplesConfig } from './config.ts';
import { createContextFactory, type Context, type SamplesServices } from './context.ts';
import { SERVICE_NAME, type SamplesDeps } from './deps.ts';
import { permissions } from './permissions.ts';
import { projectResolvers } from './project.resolvers.ts';
import { createProjectService } from './project.service.ts';
import { queryResolvers } from './query.resolvers.ts';
import { createQueryService } from './query.service.ts';
import { runResolvers } from './run.resolvers.ts';
import { createRunService } from './run.service.ts';
import { sampleResolvers } from './sample.resolvers.ts';
import { createSampleService } from './sample.service.ts';
import { mountSubmissionIntake } from './submission-intake.ts';
import { createDatabaseAdapter } from '../kit/database.ts';

export const SAMPLES_TYPE_DEFS = readFileSync(
  new URL('../../schema/samples.graphql', import.meta.url),
  'utf8',
);

export interface SamplesSubgraphDeps {
  /** The clock; default the system's. Tests move it to make samples overdue. */
  now?: () => Date;
  /** Default: a pino logger named samples at config.logLevel. */
  log?: Logger;
  /** How to verify access tokens; default config.jwt (the auth subgraph's JWKS). Tests pass createTestSigner().auth. */
  auth?: JwtVerifierOptions | { verify: VerifyToken };
  /** Overrides of the outbox relay's options (tests). Used only when delivery is on. */
  outboxRelay?: Partial<OutboxRelayOptions>;
}

export interface SamplesSubgraph {
  app: Express;
  prisma: PrismaClient;
  deps: SamplesDeps;
  services: SamplesServices;
  /** Delivers the outbox to the audit subgraph; undefined when delivery is off. */
  relay: OutboxRelay | undefined;
  /** Starts (on first call) and listens; port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Stops the relay and the server and disconnects from the database; safe to call twice. */
  close(): Promise<void>;
}

export async function createSamplesSubgraph(
  config: SamplesConfig,
  options: SamplesSubgraphDeps = {},
): Promise<SamplesSubgraph> {
  const log = options.log ?? createLogger({ name: SERVICE_NAME, level: config.logLevel });
  const now = options.now ?? (() => new Date());
  const prisma = new PrismaClient({
    adapter: createDatabaseAdapter(config.databaseUrl),
    log: [{ emit: 'event', level: 'query' }],
  });
  const deps: SamplesDeps = { prisma, config, now, log };
  const services: SamplesServices = {
    samples: createSampleService(deps),
    queries: createQueryService(deps),
    analytics: createAnalyticsService(deps),
    projects: createProjectService(deps),
    runs: createRunService(deps),
  };
  const subgraph = createSubgraphServer<Context>({
    name: SERVICE_NAME,
    typeDefs: SAMPLES_TYPE_DEFS,
    resolvers: [queryResolvers, sampleResolvers, analyticsResolvers, projectResolvers, runResolvers],
    permissions,
    createContext: createContextFactory(prisma, services),
    readiness: { database: prismaReadiness(prisma) },
    logger: log,
    auth: options.auth ?? config.jwt,
    limits: config.limits,
    // 500 ids of a bulk change, with room to spare.
    bodyLimit: '2mb',
    plugins: [notifyRelayAfterMutations(() => relay)],
  });
  mountSubmissionIntake(subgraph.app, {
    secret: config.relaySecret,
    services,
    prisma,
    log,
    onStored: () => relay?.notify(),
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
