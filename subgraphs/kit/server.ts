// createSubgraphServer: everything a subgraph needs around its schema, written once. Builds the Apollo Server
// (federation schema + shield), mounts it on an express app with /health, /ready and /metrics, and does not
// listen: `listen(port)` is separate so one process can host several subgraphs and tests can use port 0.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { graphqlUploadExpress, type UploadOptions } from 'graphql-upload-minimal';
import { drainUnreadUploads, processMultipartRequest } from '../../common/multipart-request.ts';
import { CLIENT_ADDRESS_HEADER, normalizeAddress, verifyClientAddress } from '../../common/client-address.ts';
import { createBodyErrorHandler, createFormatError, createErrorLogging } from './error-handling.ts';
import { codedError, isPassThroughCode } from '../../common/errors.ts';
import type { Identity } from '../../common/identity.ts';
import {
  bearerToken,
  createJwtVerifier,
  createRevocationListFor,
  type JwtVerifierOptions,
  type VerifyToken,
} from './identity.ts';
import { createLogger, type Logger } from './logger.ts';
import { introspectionPlugin, type IntrospectionMode } from '../../common/introspection.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { defaultSubgraphLimits, operationLimitsPlugin, type SubgraphLimits } from './operation-limits.ts';
import { applyPermissions, type PermissionMap } from './permissions.ts';
import { runReadiness, type ReadinessCheck } from './readiness.ts';
import { enforceTextLimits } from './text-limits.ts';

/** What every subgraph's context starts with. */
export interface KitContext {
  requestId: string;
  /** A child logger carrying requestId (and userId once verified). */
  log: Logger;
  /** The verified caller, or null when the request carries no token. */
  identity: Identity | null;
  /** The client address: the one the router signed (common/client-address.ts), else the socket peer. */
  clientIp: string | undefined;
}

export interface SubgraphServerOptions<TContext extends KitContext> {
  /** The subgraph's name (metrics label, log name). */
  name: string;
  /** SDL of schema/<name>.graphql. */
  typeDefs: string | DocumentNode;
  /**
   * Resolver maps, merged type by type. Typed loosely on purpose: codegen's `Resolvers<Context>` (federation
   * mode) types __resolveReference in a way @apollo/subgraph's GraphQLResolverMap does not accept.
   */
  resolvers: object | object[];
  /** The shield rule map; fallback deny; federation's fields are allowed by the kit. */
  permissions: PermissionMap;
  /** Extends the kit context with the domain's (prisma, loaders ...). Called once per GraphQL request. */
  createContext?: (base: KitContext, http: { req: Request; res: Response }) => TContext | Promise<TContext>;
  /** Named checks run by /ready, e.g. `{ database: prismaReadiness(prisma) }`. */
  readiness?: Record<string, ReadinessCheck>;
  /** Per-check timeout for /ready; default 2000. */
  readinessTimeoutMs?: number;
  /** Default: a new pino logger named after the subgraph at level info. */
  logger?: Logger;
  /** How to verify bearer tokens: JWKS URL or local key resolver, issuer, audience; or a ready verifier. */
  auth: JwtVerifierOptions | { verify: VerifyToken };
  /**
   * The secret the router signs client addresses with (CLIENT_ADDRESS_SECRET). Without it every caller's address
   * is its socket peer: behind the router, the router's. X-Forwarded-For is never read.
   */
  clientAddressSecret?: string;
  /** Max JSON body size; default '1mb'. */
  bodyLimit?: string;
  /**
   * Accept GraphQL multipart requests (file uploads) on /graphql with these limits; default off (JSON only).
   * Apollo Server's CSRF rule stays on: a multipart request must carry `apollo-require-preflight`. File names
   * arrive as sent (common/multipart-request.ts), so a subgraph can refuse path separators rather than never see them.
   */
  uploads?: { maxFileSize: number; maxFiles: number };
  /** Collect default process metrics; default true. */
  defaultMetrics?: boolean;
  /** Extra Apollo Server plugins. */
  plugins?: ApolloServerPlugin<TContext>[];
  /**
   * Who may introspect this subgraph (`__schema`, `__type`, and federation's `_service { sdl }`) and see "Did
   * you mean" suggestions at its own port; default 'authenticated'. The router needs none of it: it plans from
   * the committed supergraph and probes /health.
   */
  introspection?: IntrospectionMode;
  /** Operation limits, as the router's (kit/operation-limits.ts); default defaultSubgraphLimits. */
  limits?: Partial<SubgraphLimits>;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting requests, closes open connections and stops the subgraph. */
  close(): Promise<void>;
}

export interface SubgraphServer {
  /** Add routes before or after start; /graphql answers 503 until start() has finished. */
  app: Express;
  /** The executable schema (federation + permissions applied). */
  schema: GraphQLSchema;
  metrics: Metrics;
  logger: Logger;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Starts (if needed) and listens; port 0 picks a free port. Host default 127.0.0.1. */
  listen(port?: number, host?: string): Promise<RunningServer>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Locals {
    requestId?: string;
    log?: Logger;
  }
}

export function createSubgraphServer<TContext extends KitContext>(
  options: SubgraphServerOptions<TContext>,
): SubgraphServer {
  const logger = options.logger ?? createLogger({ name: options.name });
  const revocations = 'verify' in options.auth ? undefined : createRevocationListFor(options.auth, logger);
  const verify =
    'verify' in options.auth ? options.auth.verify : createJwtVerifier(options.auth, revocations);
  const typeDefs = typeof options.typeDefs === 'string' ? parse(options.typeDefs) : options.typeDefs;
  const schema = applyPermissions(
    // Text limits inside the permissions: the rules answer first, then the arguments are checked.
    enforceTextLimits(
      buildSubgraphSchema({
        typeDefs,
        resolvers: mergeResolvers(options.resolvers as ResolverMap | ResolverMap[]),
      }),
      options.name,
    ),
    options.permissions,
  );
  const metrics = createMetrics({ name: options.name, defaultMetrics: options.defaultMetrics });
  const apollo = new ApolloServer<TContext>({
    schema,
    csrfPrevention: true,
    // The process that hosts us (npm start, a subgraph's index.ts) owns SIGINT/SIGTERM and stops us in order.
    stopOnTerminationSignals: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError(),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Traces are for Apollo's cloud, which we never report to.
      ApolloServerPluginInlineTraceDisabled(),
      metrics.graphql as ApolloServerPlugin<TContext>,
      createErrorLogging<TContext>(),
      introspectionPlugin<TContext>({
        mode: options.introspection ?? 'authenticated',
        isAuthenticated: (context) => context.identity !== null,
        alsoFields: ['_service'],
      }),
      operationLimitsPlugin<TContext>(typeDefs, { ...defaultSubgraphLimits, ...options.limits }),
      ...(options.uploads ? [drainUnreadUploads<TContext>()] : []),
      ...(options.plugins ?? []),
    ],
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(metrics.http);
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    // Names the subgraph on its request's span: in one process (npm start) every subgraph has the same service.
    trace.getActiveSpan()?.setAttribute('subgraph.name', options.name);
    next();
  });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const report = await runReadiness(
      options.readiness ?? {},
      options.readinessTimeoutMs ?? 2000,
      (name, error) => res.locals.log?.warn({ err: error, check: name }, 'readiness check failed'),
    );
    res.status(report.ready && started ? 200 : 503).json({
      status: report.ready && started ? 'ready' : 'unavailable',
      checks: report.checks,
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  let started = false;
  let graphqlHandler: RequestHandler | undefined;
  // `processRequest` is a documented option of graphqlUploadExpress that the package's types leave out.
  const uploadOptions = { ...options.uploads, processRequest: processMultipartRequest } as UploadOptions;
  const uploads = options.uploads ? [graphqlUploadExpress(uploadOptions)] : [];
  app.all('/graphql', express.json({ limit: options.bodyLimit ?? '1mb' }), ...uploads, (req, res, next) => {
    if (!graphqlHandler) {
      res
        .status(503)
        .json({ errors: [{ message: 'not started', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return;
    }
    return graphqlHandler(req, res, next);
  });
  app.use('/graphql', createBodyErrorHandler());

  async function context({ req, res }: { req: Request; res: Response }): Promise<TContext> {
    const requestId = res.locals.requestId ?? randomUUID();
    let log = res.locals.log ?? logger.child({ requestId });
    try {
      const token = bearerToken(req.get('authorization'));
      const identity = token ? await verify(token) : null;
      if (identity) log = log.child({ userId: identity.userId });
      const base: KitContext = { requestId, log, identity, clientIp: clientAddress(req) };
      return options.createContext ? await options.createContext(base, { req, res }) : (base as TContext);
    } catch (error) {
      // Context errors skip the plugins: log unknown ones here (formatError masks them), and give known ones
      // their status (Apollo Server answers 500 to a context error without extensions.http).
      const { message, extensions } = error as { message: string; extensions?: Record<string, unknown> };
      if (!isPassThroughCode(extensions?.code)) {
        log.error({ err: error }, 'context creation failed');
        throw error;
      }
      throw codedError(extensions.code, message, { extensions, httpStatus: true });
    }
  }

  function clientAddress(req: Request): string | undefined {
    const secret = options.clientAddressSecret;
    const signed = secret ? verifyClientAddress(secret, req.get(CLIENT_ADDRESS_HEADER)) : undefined;
    return signed ?? normalizeAddress(req.socket.remoteAddress);
  }

  let starting: Promise<void> | undefined;
  const servers = new Set<Server>();
  const subgraph: SubgraphServer = {
    app,
    schema,
    metrics,
    logger,
    start() {
      // The first poll of ended sessions runs beside Apollo's start, so tokens can be checked once we serve.
      starting ??= Promise.all([apollo.start(), revocations?.start()]).then(() => {
        graphqlHandler = expressMiddleware(apollo, { context });
        started = true;
      });
      return starting;
    },
    async stop() {
      revocations?.stop();
      for (const server of servers) await closeServer(server);
      servers.clear();
      if (started) {
        started = false;
        graphqlHandler = undefined;
        await apollo.stop();
      }
    },
    async listen(port = 0, host = '127.0.0.1') {
      await subgraph.start();
      const server = app.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      servers.add(server);
      const actual = (server.address() as AddressInfo).port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
      logger.info({ url }, `${options.name} subgraph listening`);
      return { url, port: actual, close: () => subgraph.stop() };
    },
  };
  return subgraph;
}

/** Merges resolver maps type by type (buildSubgraphSchema takes one map). A field defined twice is a bug. */
type ResolverMap = GraphQLResolverMap<unknown>;

function mergeResolvers(maps: ResolverMap | ResolverMap[]): ResolverMap {
  if (!Array.isArray(maps)) return maps;
  const merged: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [type, value] of Object.entries(map)) {
      const existing = merged[type];
      if (existing === undefined || !isPlainObject(existing) || !isPlainObject(value)) {
        merged[type] = value;
        continue;
      }
      for (const field of Object.keys(value)) {
        if (field in existing) throw new Error(`resolver ${type}.${field} is defined twice`);
      }
      merged[type] = { ...existing, ...value };
    }
  }
  return merged as ResolverMap;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
