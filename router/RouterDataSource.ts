import { AsyncLocalStorage } from 'node:async_hooks';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type {
  RouterContext,
  SubgraphFetch,
  SubgraphHeaders,
  SubgraphHooks,
  SubgraphResponse,
} from './stage.ts';

type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

/** The abort signal of the fetch in progress; RemoteGraphQLDataSource has no way to pass one to its fetcher. */
const fetchSignal = new AsyncLocalStorage<AbortSignal>();

const signalledFetch = ((url: string, init: RequestInit) =>
  fetch(url, { ...init, signal: fetchSignal.getStore() })) as unknown as Fetcher;

/**
 * The only data source of the router (built in the gateway's buildService). It sends nothing but the headers
 * the subgraph hooks set, and runs those hooks around each fetch in stage order.
 */
export class RouterDataSource extends RemoteGraphQLDataSource<RouterContext> {
  readonly #subgraph: string;
  readonly #hooks: SubgraphHooks[];

  constructor(subgraph: string, url: string, hooks: SubgraphHooks[]) {
    super({ url, fetcher: signalledFetch });
    this.#subgraph = subgraph;
    this.#hooks = hooks;
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<SubgraphResponse> {
    const controller = new AbortController();
    const context = 'context' in options ? (options.context as RouterContext | undefined) : undefined;
    const fetch: SubgraphFetch = {
      subgraph: this.#subgraph,
      request: options.request,
      context,
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
    };
    const send = () =>
      fetchSignal.run(controller.signal, () => super.process(options)) as Promise<SubgraphResponse>;
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
