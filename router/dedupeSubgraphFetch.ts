import type { BufferedResponse, SentRequest } from './sendSubgraphRequest.ts';

/**
 * Headers that do not change what a subgraph answers: the request id only traces. A joined fetch reaches the
 * subgraph with the first caller's id.
 */
const TRACING_HEADERS = new Set(['x-request-id']);

/**
 * What makes two subgraph fetches the same: the URL, every header that can change the answer (authorization,
 * the signed client address, ...) and the JSON body. No part can contain a newline (the body is JSON text and
 * comes last), so the key is unambiguous.
 */
export function fetchKey(url: string, headers: Record<string, string>, body: string): string {
  let key = url;
  for (const name of Object.keys(headers).sort())
    if (!TRACING_HEADERS.has(name)) key += `\n${name}: ${headers[name]}`;
  return `${key}\n\n${body}`;
}

interface Shared {
  sent: SentRequest;
  /** Callers still waiting; the request is cancelled when the last one gives up. */
  waiters: number;
}

/**
 * Identical in-flight query fetches to the subgraphs share one HTTP request. Each caller gets its own
 * response object (and so parses its own copy of the body: the gateway mutates what it merges), and may abort
 * alone: the shared request is cancelled only when every caller has aborted.
 */
export class InflightFetches {
  readonly #inflight = new Map<string, Shared>();
  /** Fetches answered by another caller's request. */
  joined = 0;

  join(key: string, signal: AbortSignal | undefined, send: () => SentRequest): Promise<BufferedResponse> {
    let shared = this.#inflight.get(key);
    if (shared) {
      this.joined++;
    } else {
      const created: Shared = { sent: send(), waiters: 0 };
      const forget = () => {
        if (this.#inflight.get(key) === created) this.#inflight.delete(key);
      };
      created.sent.response.then(forget, forget);
      this.#inflight.set(key, created);
      shared = created;
    }
    const joined = shared;
    joined.waiters++;
    return follow(joined.sent, signal, () => {
      if (--joined.waiters > 0) return;
      if (this.#inflight.get(key) === joined) this.#inflight.delete(key);
      joined.sent.cancel(new Error('Every caller of this subgraph fetch gave up'));
    }).then((response) => response.clone());
  }
}

/**
 * Waits for a sent request on behalf of one caller: settles with the caller's abort reason as soon as its
 * signal aborts, and then calls `leave` (the request itself is the owner's to cancel).
 */
export function follow(
  sent: SentRequest,
  signal: AbortSignal | undefined,
  leave: () => void,
): Promise<BufferedResponse> {
  if (!signal) return sent.response;
  if (signal.aborted) {
    leave();
    return Promise.reject(signal.reason as Error);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      leave();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    sent.response.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
