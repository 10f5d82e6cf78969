// createSamplesSubgraph: the samples subgraph, built from its config without listening (tests and the embedded
// stack call listen themselves). Serves /graphql, /health, /ready, /metrics and the signed intake of accepted
// submissions' samples (POST /internal/samples/commands, submission-intake.ts), the signed export links (GET
// /exports/samples/*, export.service.ts); its outbox relay delivers every
// change to the audit subgraph.
import { readFileSync } from 'node:fs';
import { PrismaClient } from '../../generated/prisma/samples/client.ts';
import { createExportLinks } from '../kit/export-link.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import { analyticsResolvers } from './analytics.resolvers.ts';
import { createAnalyticsService } from './analytics.service.ts';
import type { SamplesConfig } from './config.ts';
import { createContextFactory, type SamplesServices } from './context.ts';
import { SERVICE_NAME, type SamplesDeps } from './deps.ts';
import { createExportService } from './export.service.ts';
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
import { createWorkflowMetrics } from './workflow-metrics.ts';

export const SAMPLES_TYPE_DEFS = readFileSync(
  new URL('../../schema/samples.graphql', import.meta.url),
  'utf8',
);

export type SamplesSubgraphDeps = SubgraphOptions;

export interface SamplesSubgraph extends Subgraph<PrismaClient> {
  deps: SamplesDeps;
  services: SamplesServices;
}

export async function createSamplesSubgraph(
  config: SamplesConfig,
  options: SamplesSubgraphDeps = {},
): Promise<SamplesSubgraph> {
  return createSubgraph({
    name: SERVICE_NAME,
    config,
    options,
    PrismaClient,
    build({ prisma, log, now, notifyRelay }) {
      const exportLinks = createExportLinks({ ...config.exportLinks, now });
      const workflowMetrics = createWorkflowMetrics();
      const deps: SamplesDeps = { prisma, config, now, log, exportLinks, workflowMetrics };
      const analytics = createAnalyticsService(deps);
      const services: SamplesServices = {
        samples: createSampleService(deps),
        queries: createQueryService(deps),
        analytics,
        exports: createExportService(deps, analytics),
        now,
        projects: createProjectService(deps),
        runs: createRunService(deps),
      };
      return {
        server: {
          typeDefs: SAMPLES_TYPE_DEFS,
          resolvers: [queryResolvers, sampleResolvers, analyticsResolvers, projectResolvers, runResolvers],
          permissions,
          createContext: createContextFactory(prisma, services),
          // 500 ids of a bulk change, with room to spare.
          bodyLimit: '2mb',
        },
        mount: ({ app, metrics }) => {
          workflowMetrics.register(metrics.registry);
          mountSubmissionIntake(app, {
            secret: config.relaySecret,
            services,
            prisma,
            log,
            onStored: notifyRelay,
          });
          services.exports.mount(app);
        },
        fields: { deps, services },
      };
    },
  });
}
