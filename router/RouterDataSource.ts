import { AsyncLocalStorage } from 'node:async_hooks';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { createMultipartBody, extractUploads, type UploadPaths } from './createMultipartBody.ts';
import type {
  RouterContext,
  SubgraphFetch,
  SubgraphHeaders,
  SubgraphHooks,
  SubgraphResponse,
  UploadSession,
} from './stage.ts';

type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

interface FetchScope {
  signal: AbortSignal;
  /** Set when the request carries client files: the fetcher sends a multipart request instead of JSON. */
  uploads?: { paths: UploadPaths; session: UploadSession; failure?: () => unknown };
}

/** What the fetch in progress needs beyond (url, init); RemoteGraphQLDataSource has no way to pass it. */
const fetchScope = new AsyncLocalStorage<FetchScope>();

/**
 * Sends the JSON request RemoteGraphQLDataSource built, or, for a fetch with files, the same request as the
 * `operations` of a GraphQL multipart request whose files stream from the client (hence `duplex: 'half'`).
 */
const scopedFetch = ((url: string, init: RequestInit) => {
  const scope = fetchScope.getStore();
  if (!scope?.uploads) return fetch(url, { ...init, signal: scope?.signal });
  const multipart = createMultipartBody(String(init.body), scope.uploads.paths, scope.uploads.session);
  scope.uploads.failure = multipart.failure;
  return fetch(url, {
    ...init,
    headers: {
      ...(init.headers as Record<string, string>),
      'content-type': multipart.contentType,
      // Subgraphs keep Apollo Server's CSRF prevention on, which refuses multipart requests without it.
      'apollo-require-preflight': 'true',
    },
    body: multipart.body as unknown as RequestInit['body'],
    duplex: 'half',
    // With 'follow' or 'manual', Node 20's fetch keeps every chunk of a streamed body until the request ends
    // (to replay it on a redirect): a whole file in memory. Subgraphs never redirect.
    redirect: 'error',
    signal: scope.signal,
  } as RequestInit);
}) as unknown as Fetcher;

/**
 * The only data source of the router (built in the gateway's buildService). It sends nothing but the headers
 * the subgraph hooks set, runs those hooks around each fetch in stage order, and forwards client files (Upload
 * values in the variables) as a multipart request, since @apollo/gateway alone only speaks JSON.
 */
export class RouterDataSource extends RemoteGraphQLDataSource<RouterContext> {
  readonly #subgraph: string;
  readonly #hooks: SubgraphHooks[];

  constructor(subgraph: string, url: string, hooks: SubgraphHooks[]) {
    super({ url, fetcher: scopedFetch });
    this.#subgraph = subgraph;
    this.#hooks = hooks;
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
