import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { ApolloServerOptionsWithGateway, ApolloServerPlugin } from '@apollo/server';
import type { Express, Request, RequestHandler } from 'express';
import type { GraphQLFormattedError, ParseOptions } from 'graphql';
import type { Upload } from 'graphql-upload-minimal';
import type { Logger } from 'pino';
import type { Identity } from '../common/identity.ts';
import type { RequestState } from './requestState.ts';
import type { SupergraphMetadata } from './supergraphMetadata.ts';

/** The Apollo Server context of one operation. */
export interface RouterContext {
  requestId: string;
  /** The request's logger, carrying its id. */
  log: Logger;
  /** The verified caller, from the bearer token. */
  identity?: Identity;
  /** The verified bearer token, forwarded to subgraphs (which verify it themselves). Never logged. */
  token?: string;
  /** The client's address (useClientAddress): the socket peer or what trusted proxies reported. */
  clientAddress?: string;
  /** The files of a multipart request (set by useUploads); undefined for JSON requests. */
  uploads?: UploadSession;
}

/** A client's file, opened for one subgraph fetch. */
export interface OpenedUpload {
  filename: string;
  mimetype: string;
  /** The bytes as they arrive from the client; fails with UPLOAD_LIMIT_EXCEEDED past the size limit. */
  stream: AsyncIterable<Uint8Array>;
}

/** The files of one multipart request, as RouterDataSource forwards them to the subgraphs that take them. */
export interface UploadSession {
  /** Reserves uploads for one subgraph fetch; throws BAD_REQUEST for an upload another fetch already took. */
  claim(uploads: Iterable<Upload>): void;
  /** Waits for the first of these claimed uploads to arrive from the client and opens it. */
  next(pending: ReadonlySet<Upload>): Promise<{ upload: Upload; file: OpenedUpload }>;
}

export type GatewayInterface = ApolloServerOptionsWithGateway<RouterContext>['gateway'];
export type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

export type SubgraphRequest = GraphQLDataSourceProcessOptions<RouterContext>['request'];
export type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource<RouterContext>['process']>>;

/** Outgoing subgraph request headers (starts empty apart from content-type). */
export interface SubgraphHeaders {
  set(name: string, value: string): void;
}

/** One subgraph fetch, as seen by subgraph hooks. */
export interface SubgraphFetch {
  subgraph: string;
  request: SubgraphRequest;
  context: RouterContext | undefined;
  /** How many client files this fetch forwards (0 for a plain JSON fetch). */
  uploads: number;
  /** Aborts the HTTP request to the subgraph. */
  abort(reason: Error): void;
  signal: AbortSignal;
}

/** Hooks run by RouterDataSource around every subgraph fetch, in stage order. */
export interface SubgraphHooks {
  /** Set outgoing headers; the data source starts from an empty set (plus content-type). */
  willSendRequest?(fetch: SubgraphFetch, headers: SubgraphHeaders): void;
  /** Wraps the fetch (timing, timeouts). Call `next` exactly once. */
  wrapFetch?(fetch: SubgraphFetch, next: () => Promise<SubgraphResponse>): Promise<SubgraphResponse>;
}

/**
 * One named feature of the router. A stage returns only the hooks it needs; createRouter lists stages in
 * request-path order and createPipeline wires each hook family in that order.
 */
export interface RouterStage {
  name: string;
  /** Routes beside /graphql (health, metrics, assets). */
  routes?(app: Express): void;
  /** Middleware on /graphql before Apollo Server, in stage order. */
  middleware?: RequestHandler[];
  /** Adds to the operation context; throw a GraphQLError to fail the request. */
  context?(req: Request, context: RouterContext): Promise<Partial<RouterContext>> | Partial<RouterContext>;
  plugin?: ApolloServerPlugin<RouterContext>;
  /** Options for Apollo Server's parser (merged over all stages). */
  parseOptions?: ParseOptions;
  /** Wraps the gateway's executor (planning and execution). */
  wrapExecutor?(next: GatewayExecutor): GatewayExecutor;
  subgraph?: SubgraphHooks;
  /** Rewrites an error on its way to the client; the masking stage must be the only one that hides errors. */
  formatError?(formatted: GraphQLFormattedError, original: unknown): GraphQLFormattedError;
  /** Called when the response to a /graphql request has been sent (also for requests answered before Apollo). */
  onFinish?(state: RequestState, statusCode: number): void;
  /** Called when a supergraph is loaded or replaced. */
  onSupergraph?(metadata: SupergraphMetadata): void;
  close?(): Promise<void> | void;
}
