import { routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';

export interface SubgraphTimeoutOptions {
  /** Longest wait for one subgraph fetch. @default 30_000 */
  timeoutMs?: number;
  /**
   * Longest fetch that forwards client files, from its start to the subgraph's answer: it lasts as long as the
   * client takes to send them, so the plain timeout would cut any large upload. @default 600_000
   */
  uploadTimeoutMs?: number;
}

class SubgraphTimeout extends Error {}

/** Aborts a subgraph fetch that takes too long; the client sees GATEWAY_TIMEOUT at the affected paths. */
export function useSubgraphTimeout(options: SubgraphTimeoutOptions = {}): RouterStage {
  return {
    name: 'subgraphTimeout',
    subgraph: {
      async wrapFetch(fetch, next) {
        const timeoutMs =
          fetch.uploads > 0 ? (options.uploadTimeoutMs ?? 600_000) : (options.timeoutMs ?? 30_000);
        const timer = setTimeout(() => fetch.abort(new SubgraphTimeout()), timeoutMs);
        try {
          return await next();
        } catch (error) {
          if (fetch.signal.reason instanceof SubgraphTimeout) {
            throw routerError('GATEWAY_TIMEOUT', `A subgraph did not answer within ${timeoutMs} ms`, {
              extensions: { timeoutMs },
              // One fetch's error: the response may still have data from the others.
              httpStatus: null,
            });
          }
          throw error;
        } finally {
          clearTimeout(timer);
        }
      },
    },
  };
}
