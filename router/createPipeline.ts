// Must be set before any ApolloGateway is constructed: otherwise the gateway starts cloud-metadata detectors.
process.env.APOLLO_TELEMETRY_DISABLED = '1';

import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type RequestHandler } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { createSupergraphManager } from './createSupergraphManager.ts';
import { errorBody, routerError } from './errors.ts';
import { installScalars } from './installScalars.ts';
import { getRequestState, requestScope } from './requestState.ts';
import { RouterDataSource } from './RouterDataSource.ts';
import { SubgraphAgents } from './sendSubgraphRequest.ts';
import type { GatewayInterface, RouterContext, RouterStage } from './stage.ts';
import { readSupergraphMetadata, subgraphUrl, supergraphForGateway } from './supergraphMetadata.ts';

export interface PipelineOptions {
  stages: RouterStage[];
  supergraph: ReturnType<typeof createSupergraphManager>;
  subgraphUrls: Readonly<Record<string, string>>;
  logger: Logger;
}

export interface Pipeline {
  app: Express;
  /** Resolves when the first supergraph is loaded and Apollo Server has started. */
  started: Promise<void>;
  close(): Promise<void>;
}

/** Wires the stages' hooks, in stage order, into express, Apollo Server and @apollo/gateway. */
export function createPipeline({ stages, supergraph, subgraphUrls, logger }: PipelineOptions): Pipeline {
  const subgraphHooks = stages.flatMap((s) => (s.subgraph ? [s.subgraph] : []));
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const agents = new SubgraphAgents();
  const gateway = new ApolloGateway({
    supergraphSdl: {
      async initialize({ update }) {
        const loaded = await supergraph.initialize({ update: (sdl) => update(supergraphForGateway(sdl)) });
        return { ...loaded, supergraphSdl: supergraphForGateway(loaded.supergraphSdl) };
      },
    },
    serviceHealthCheck: false,
    logger: logger.child({ stage: 'gateway' }),
    buildService: ({ name, url }) =>
      new RouterDataSource(name, subgraphUrl(name, url ?? '', subgraphUrls), subgraphHooks, agents),
  });
  const wrappedGateway: GatewayInterface = {
    async load(options) {
      const { schema, executor } = await gateway.load(options);
      return { schema, executor: stages.reduceRight((next, s) => s.wrapExecutor?.(next) ?? next, executor) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    installScalars(apiSchema);
    const metadata = readSupergraphMetadata(coreSupergraphSdl);
    for (const stage of stages) stage.onSupergraph?.(metadata);
  });

  const server = new ApolloServer<RouterContext>({
    gateway: wrappedGateway,
    csrfPrevention: true,
    // The process that hosts us (npm start, a subgraph's index.ts) owns SIGINT/SIGTERM and stops us in order.
    stopOnTerminationSignals: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    parseOptions: Object.assign({}, ...stages.map((s) => s.parseOptions ?? {})),
    logger: logger.child({ stage: 'apollo' }),
    formatError: (formatted, original) =>
      stages.reduce<GraphQLFormattedError>(
        (error, s) => s.formatError?.(error, original) ?? error,
        formatted,
      ),
    plugins: [
      ...stages.flatMap((s) => (s.plugin ? [s.plugin] : [])),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });

  let handler: RequestHandler | undefined;
  let closed = false;
  const started = server.start().then(() => {
    handler = expressMiddleware(server, {
      context: async ({ req }) => {
        const state = getRequestState(req);
        let context: RouterContext = { requestId: state?.requestId ?? '', log: state?.log ?? logger };
        for (const stage of stages)
          if (stage.context) context = { ...context, ...(await stage.context(req, context)) };
        return context;
      },
    });
  });
  started.catch((error: unknown) => {
    if (!closed) logger.error({ err: error }, 'router failed to start');
  });

  const app = express();
  app.disable('x-powered-by');
  for (const stage of stages) stage.routes?.(app);
  const graphql: RequestHandler = (req, res, next) => {
    const state = getRequestState(req);
    if (!handler || !state) {
      const error = routerError('SUPERGRAPH_UNAVAILABLE', 'No supergraph is loaded yet');
      state?.errorCodes.push('SUPERGRAPH_UNAVAILABLE');
      res.status(503).json(errorBody(error));
      return;
    }
    const serve = handler;
    requestScope.run(state, () => serve(req, res, next));
  };
  const finish: RequestHandler = (req, res, next) => {
    res.on('finish', () => {
      const state = getRequestState(req);
      if (state) for (const stage of stages) stage.onFinish?.(state, res.statusCode);
    });
    next();
  };
  app.use('/graphql', finish, ...stages.flatMap((s) => s.middleware ?? []), graphql);

  return {
    app,
    started,
    async close() {
      closed = true;
      supergraph.stop();
      await started.then(
        () => server.stop(),
        () => undefined,
      );
      agents.destroy();
      for (const stage of stages) await stage.close?.();
    },
  };
}
