import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request } from 'express';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Identity } from '../common/identity.ts';
import { createOperationLabels } from '../common/operation-labels.ts';
import { checkSubgraphHealth } from './checkSubgraphHealth.ts';
import { createPipeline } from './createPipeline.ts';
import { createSupergraphManager, type SupergraphSource } from './createSupergraphManager.ts';
import type { RouterStage } from './stage.ts';
import { useAccessLog } from './stages/useAccessLog.ts';
import { useApiKeys, type ApiKeyOptions } from './stages/useApiKeys.ts';
import { useAuthorization, type AuthorizationOptions } from './stages/useAuthorization.ts';
import { useBodyLimit, type BodyLimitOptions } from './stages/useBodyLimit.ts';
import { useClientAddress, type ClientAddressOptions } from './stages/useClientAddress.ts';
import { useCors, type CorsOptions } from './stages/useCors.ts';
import { useCost, type CostOptions } from './stages/useCost.ts';
import { useDeduplication } from './stages/useDeduplication.ts';
import { useErrorMasking } from './stages/useErrorMasking.ts';
import { useFileDownloads } from './stages/useFileDownloads.ts';
import { useGraphiql } from './stages/useGraphiql.ts';
import { useHeaderPropagation } from './stages/useHeaderPropagation.ts';
import { useHealth } from './stages/useHealth.ts';
import { useIntrospection, type IntrospectionOptions } from './stages/useIntrospection.ts';
import { useJwt, type JwtOptions } from './stages/useJwt.ts';
import { metricsHandler, useMetrics } from './stages/useMetrics.ts';
import { useOperationLimits, type OperationLimitsOptions } from './stages/useOperationLimits.ts';
import { useRequestId } from './stages/useRequestId.ts';
import { useRequestValidation } from './stages/useRequestValidation.ts';
import { useSchemaDownload } from './stages/useSchemaDownload.ts';
import { useSubgraphTimeout, type SubgraphTimeoutOptions } from './stages/useSubgraphTimeout.ts';
import { useTracing } from './stages/useTracing.ts';
import { useTrustedDocuments, type TrustedDocumentsOptions } from './stages/useTrustedDocuments.ts';
import { useUploads, type UploadOptions } from './stages/useUploads.ts';

export interface RouterOptions {
  /** Supergraph SDL: a file path (watched), an http(s) URL (polled) or `{ sdl }`. @default 'schema/supergraph.graphql' */
  supergraph?: string | { sdl: string };
  /** Poll interval of a supergraph URL, and retry interval until a first supergraph loads. @default 10_000 */
  supergraphPollIntervalMs?: number;
  /** Subgraph URL overrides by subgraph name, like Apollo Router's override_subgraph_url. @default {} */
  subgraphUrls?: Record<string, string>;
  jwt?: Omit<JwtOptions, 'subgraphUrls' | 'logger'>;
  /** API keys exchanged with the auth subgraph for access tokens; trusted proxies come from clientAddress. */
  apiKeys?: Omit<ApiKeyOptions, 'trustedProxies' | 'subgraphUrls' | 'logger'>;
  authorization?: AuthorizationOptions;
  limits?: BodyLimitOptions & OperationLimitsOptions;
  cost?: Omit<CostOptions, 'registry'>;
  cors?: CorsOptions;
  /**
   * Identical queries in flight from the same caller (same token, client, document and variables) share one
   * execution and its response. @default true
   */
  deduplication?: boolean;
  /** File uploads (GraphQL multipart requests); the operations part obeys limits.maxBodyBytes. */
  uploads?: Omit<UploadOptions, 'maxBodyBytes'>;
  subgraphTimeout?: SubgraphTimeoutOptions;
  /** How the client's address is found (trusted proxies) and vouched for to the subgraphs. */
  clientAddress?: ClientAddressOptions;
  /** Serve GraphiQL at GET /graphql for browsers. @default true */
  graphiql?: boolean;
  /**
   * Who may introspect the schema and see "Did you mean" suggestions; the same callers may download it
   * (GET /graphql/schema.graphql). @default { mode: 'authenticated' }
   */
  introspection?: IntrospectionOptions;
  /** Operations held to a manifest of trusted documents. @default { mode: 'off' } */
  trustedDocuments?: TrustedDocumentsOptions;
  metrics?: {
    /** @default 100 (see common/operation-labels.ts) */
    maxOperationNames?: number;
    /**
     * Serve /metrics only on this separate listener (e.g. an internal interface), not on the public port.
     * listen() opens it beside the router's own. @default none: /metrics on the router's port
     */
    listener?: { port: number; host?: string };
    /**
     * This router is one of ROUTER_WORKERS: the primary serves every worker's metrics added up, so neither the
     * public port nor a listener of its own does. @default false
     */
    aggregated?: boolean;
  };
  /** @default pino at level info on stdout */
  logger?: Logger;
}

export interface ListeningRouter {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql */
  url: string;
  /** e.g. http://localhost:4000 (health and ready live here, and metrics unless a separate listener serves them) */
  origin: string;
  /** Where GET /metrics answers: `origin`, or the separate metrics listener. */
  metricsOrigin: string;
  close(): Promise<void>;
}

export interface Router {
  app: Express;
  registry: Registry;
  /** Resolves once a first supergraph is loaded; rejects if the router is closed before. */
  ready: Promise<void>;
  /** The GraphQL endpoint once listening. */
  url?: string;
  listen(port?: number, host?: string): Promise<ListeningRouter>;
  /** Stops servers, watchers, timers and the gateway. */
  close(): Promise<void>;
}

function listenOn(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((done, fail) => server.once('error', fail).listen(port, host, done));
}

function originOf(server: Server, host?: string): string {
  const name = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
  return `http://${name.includes(':') ? `[${name}]` : name}:${(server.address() as AddressInfo).port}`;
}

/** The separate metrics listener: GET /metrics and nothing else. */
function metricsApp(registry: Registry): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(registry));
  return app;
}

function toSource(supergraph: RouterOptions['supergraph']): SupergraphSource {
  if (typeof supergraph === 'object') return supergraph;
  const value = supergraph ?? 'schema/supergraph.graphql';
  return /^https?:\/\//.test(value) ? { url: value } : { path: value };
}

export async function createRouter(options: RouterOptions = {}): Promise<Router> {
  const logger = options.logger ?? pino({ name: 'router' });
  const registry = new Registry();
  const subgraphUrls = options.subgraphUrls ?? {};
  // One bounded set of operation-name labels for every series labelled by operation (common/operation-labels.ts).
  const operationLabels = createOperationLabels(options.metrics?.maxOperationNames);
  const stages = [
    useRequestId({ logger }),
    useTracing(),
    useCors(options.cors),
    ...(options.graphiql === false ? [] : [useGraphiql()]),
    useBodyLimit(options.limits),
    useApiKeys({
      ...options.apiKeys,
      trustedProxies: options.clientAddress?.trustedProxies,
      subgraphUrls,
      logger,
    }),
    useDeduplication({ enabled: options.deduplication, registry }),
    useJwt({ ...options.jwt, subgraphUrls, logger }),
    useTrustedDocuments({ ...options.trustedDocuments, registry }),
    useRequestValidation(),
    useIntrospection(options.introspection),
    useOperationLimits(options.limits),
    useCost({ ...options.cost, registry, operationLabels }),
    useAuthorization(options.authorization),
    useUploads({ ...options.uploads, maxBodyBytes: options.limits?.maxBodyBytes }),
    useHeaderPropagation(),
    useClientAddress(options.clientAddress),
    useSubgraphTimeout(options.subgraphTimeout),
    useErrorMasking({ logger }),
    useMetrics({
      registry,
      maxOperationNames: options.metrics?.maxOperationNames,
      operationLabels,
      publicRoute: !options.metrics?.listener && !options.metrics?.aggregated,
    }),
    useAccessLog(),
    useHealth({ subgraphUrls, logger }),
    useFileDownloads({ subgraphUrls, timeoutMs: options.subgraphTimeout?.timeoutMs, logger }),
    useSchemaDownload({ mode: options.introspection?.mode, identify: (req) => identify(req), logger }),
  ];
  /** The caller of a request outside /graphql (the schema download), as the JWT stage verifies it there. */
  const identify = async (req: Request): Promise<Identity | undefined> => {
    const jwt: RouterStage | undefined = stages.find((s: RouterStage) => s.name === 'jwt');
    return (await jwt?.context?.(req, { requestId: '', log: logger }))?.identity;
  };
  const supergraph = createSupergraphManager({
    source: toSource(options.supergraph),
    pollIntervalMs: options.supergraphPollIntervalMs,
    healthCheck: (metadata) => checkSubgraphHealth(metadata.subgraphs, { subgraphUrls }),
    logger,
  });
  const pipeline = createPipeline({ stages, supergraph, subgraphUrls, logger });
  const servers = new Set<ListeningRouter>();

  const router: Router = {
    app: pipeline.app,
    registry,
    ready: pipeline.started,
    async listen(port = 4000, host) {
      const server = createServer(pipeline.app);
      // Node cuts a request still arriving after requestTimeout (5 min): an upload may take as long as its fetch.
      server.requestTimeout = Math.max(
        server.requestTimeout,
        options.subgraphTimeout?.uploadTimeoutMs ?? 600_000,
      );
      const metrics = options.metrics?.listener && createServer(metricsApp(registry));
      const opened = metrics ? [server, metrics] : [server];
      const closeAll = () =>
        Promise.all(
          opened.map((s) => {
            s.closeAllConnections();
            return new Promise<void>((done) => s.close(() => done()));
          }),
        );
      try {
        await listenOn(server, port, host);
        if (metrics)
          await listenOn(metrics, options.metrics!.listener!.port, options.metrics!.listener!.host);
      } catch (error) {
        await closeAll();
        throw error;
      }
      const origin = originOf(server);
      const listening: ListeningRouter = {
        url: `${origin}/graphql`,
        origin,
        metricsOrigin: metrics ? originOf(metrics, options.metrics!.listener!.host) : origin,
        async close() {
          servers.delete(listening);
          await closeAll();
        },
      };
      servers.add(listening);
      router.url = listening.url;
      return listening;
    },
    async close() {
      await Promise.all([...servers].map((s) => s.close()));
      await pipeline.close();
    },
  };
  return router;
}
