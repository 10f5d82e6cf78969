import { AsyncLocalStorage } from 'node:async_hooks';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { createMultipartBody, extractUploads, type UploadPaths } from './createMultipartBody.ts';
import { fetchKey, follow, InflightFetches } from './dedupeSubgraphFetch.ts';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  sendJsonRequest,
  type FetcherResponse,
  type SubgraphAgents,
} from './sendSubgraphRequest.ts';
import type {
  RouterContext,
  SubgraphFetch,
  SubgraphHeaders,
  SubgraphHooks,
  SubgraphResponse,
  UploadSession,
} from './stage.ts';

type FetcherRequestInit = NonNullable<Parameters<RemoteGraphQLDataSource['fetcher']>[1]>;

interface FetchScope {
  signal: AbortSignal;
  /** A query (not a mutation) without files: safe to share with identical fetches and to resend. */
  query: boolean;
  /** Set when the request carries client files: the fetcher sends a multipart request instead of JSON. */
  uploads?: { paths: UploadPaths; session: UploadSession; failure?: () => unknown };
}

/** What the fetch in progress needs beyond (url, init); RemoteGraphQLDataSource has no way to pass it. */
const fetchScope = new AsyncLocalStorage<FetchScope>();

/**
 * Sends the request RemoteGraphQLDataSource built as the `operations` of a GraphQL multipart request whose
 * files stream from the client (hence `duplex: 'half'`).
 */
function sendMultipart(
  url: string,
  init: FetcherRequestInit,
  signal: AbortSignal,
  uploads: NonNullable<FetchScope['uploads']>,
): Promise<FetcherResponse> {
  const multipart = createMultipartBody(String(init.body), uploads.paths, uploads.session);
  uploads.failure = multipart.failure;
  return fetch(url, {
    ...init,
    headers: {
      ...init.headers,
      'content-type': multipart.contentType,
      // Subgraphs keep Apollo Server's CSRF prevention on, which refuses multipart requests without it.
      'apollo-require-preflight': 'true',
    },
    body: multipart.body as unknown as RequestInit['body'],
    duplex: 'half',
    // With 'follow' or 'manual', Node 20's fetch keeps every chunk of a streamed body until the request ends
    // (to replay it on a redirect): a whole file in memory. Subgraphs never redirect.
    redirect: 'error',
    signal,
  } as RequestInit) as Promise<Response> as Promise<FetcherResponse>;
}

/**
 * Whether a subgraph fetch is a query. The gateway prints each fetch's operation stripped of whitespace, so it
 * starts with its keyword (or `{` for an anonymous query); it passes no parsed document (the planner's
 * exposeDocumentNodeInFetchNode is off).
 */
function isQuery(query: string | undefined): boolean {
  return query !== undefined && /^(?:query\b|\{)/.test(query);
}

export interface RouterDataSourceOptions {
  /** The largest subgraph response buffered; a larger one fails the fetch. @default 64 MiB */
  maxResponseBytes?: number;
}

/**
 * The only data source of the router (built in the gateway's buildService). It sends nothing but the headers
 * the subgraph hooks set, runs those hooks around each fetch in stage order, and forwards client files (Upload
 * values in the variables) as a multipart request, since @apollo/gateway alone only speaks JSON.
 */
export class RouterDataSource extends RemoteGraphQLDataSource<RouterContext> {
  readonly #subgraph: string;
  readonly #hooks: SubgraphHooks[];
  readonly #agents: SubgraphAgents;
  readonly #maxResponseBytes: number;
  readonly #inflight = new InflightFetches();

  constructor(
    subgraph: string,
    url: string,
    hooks: SubgraphHooks[],
    agents: SubgraphAgents,
    options: RouterDataSourceOptions = {},
  ) {
    super({ url });
    this.#subgraph = subgraph;
    this.#hooks = hooks;
    this.#agents = agents;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.fetcher = (fetchUrl, init) => this.#fetch(fetchUrl, init ?? {});
  }

  /** Fetches answered by an identical fetch already in flight, since this data source was built. */
  get joinedFetches(): number {
    return this.#inflight.joined;
  }

  /**
   * Sends the JSON request RemoteGraphQLDataSource built over the subgraph's keep-alive pool, sharing it with
   * identical queries in flight; or, for a fetch with files, a multipart request.
   */
  #fetch(url: string, init: FetcherRequestInit): Promise<FetcherResponse> {
    const scope = fetchScope.getStore();
    if (scope?.uploads) return sendMultipart(url, init, scope.signal, scope.uploads);
    const headers = init.headers ?? {};
    const body = String(init.body ?? '');
    const query = scope?.query ?? false;
    const request = { url, headers, body, maxResponseBytes: this.#maxResponseBytes, idempotent: query };
    const send = () => sendJsonRequest(this.#agents, request);
    const signal = scope?.signal;
    if (query) return this.#inflight.join(fetchKey(url, headers, body), signal, send);
    const sent = send();
    return follow(sent, signal, () => sent.cancel(signal?.reason));
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<SubgraphResponse> {
    const controller = new AbortController();
    const context = 'context' in options ? (options.context as RouterContext | undefined) : undefined;
    const files = context?.uploads ? extractUploads(options.request.variables) : undefined;
    if (files) context!.uploads!.claim(files.uploads.keys());
    const request = files ? { ...options.request, variables: files.variables } : options.request;
    const fetch: SubgraphFetch = {
      subgraph: this.#subgraph,
      request,
      context,
      uploads: files?.uploads.size ?? 0,
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
    };
    const scope: FetchScope = {
      signal: controller.signal,
      query: !files && isQuery(request.query),
      uploads: files && { paths: files.uploads, session: context!.uploads! },
    };
    const send = async () => {
      try {
        return (await fetchScope.run(scope, () =>
          super.process({ ...options, request }),
        )) as SubgraphResponse;
      } catch (error) {
        // fetch reports a failed body as "fetch failed"; the client needs the reason (a limit, a disconnect).
        const failure = scope.uploads?.failure?.();
        if (failure) throw failure;
        // A subgraph answers a request it refuses with a 4xx and a GraphQL body (a bad DateTime variable:
        // 400 BAD_USER_INPUT). Its errors, with their codes, are the answer; the status alone would say nothing.
        const answer = graphqlAnswerOf(error);
        if (answer) return answer;
        throw error;
      }
    };
    const run = this.#hooks.reduceRight<() => Promise<SubgraphResponse>>(
      (next, hooks) => (hooks.wrapFetch ? () => hooks.wrapFetch!(fetch, next) : next),
      send,
    );
    return run();
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<RouterContext>): void {
    const headers = options.request.http?.headers as SubgraphHeaders | undefined;
    if (!headers) return;
    const context = 'context' in options ? (options.context as RouterContext | undefined) : undefined;
    const fetch = { subgraph: this.#subgraph, request: options.request, context } as SubgraphFetch;
    for (const hooks of this.#hooks) hooks.willSendRequest?.(fetch, headers);
  }
}

/** The GraphQL response a subgraph sent with a non-2xx status (RemoteGraphQLDataSource keeps it on its error). */
function graphqlAnswerOf(error: unknown): SubgraphResponse | undefined {
  const response = (error as { extensions?: { response?: { body?: unknown } } } | null)?.extensions?.response;
  const body = response?.body as { data?: unknown; errors?: unknown } | undefined;
  const errors = body?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  if (!errors.every((e) => typeof (e as { message?: unknown } | null)?.message === 'string'))
    return undefined;
  const data = body?.data;
  return { data: data && typeof data === 'object' ? (data as Record<string, unknown>) : null, errors };
}
