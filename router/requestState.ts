import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request } from 'express';
import type { Logger } from 'pino';

/** How a request ended, as counted in metrics and the access log. */
export type Outcome = 'success' | 'partial' | 'error';

/** What the stages share about one HTTP request (not private to any stage). */
export interface RequestState {
  requestId: string;
  startedAt: bigint;
  log: Logger;
  operationName?: string;
  outcome?: Outcome;
  userId?: string;
  /** The request whose response this one was sent, being identical and in flight (useDeduplication). */
  sharedFrom?: string;
  /** Every error code sent to the client, for router_errors_total. */
  errorCodes: string[];
}

const states = new WeakMap<Request, RequestState>();

export function setRequestState(req: Request, state: RequestState): void {
  states.set(req, state);
}

export function getRequestState(req: Request): RequestState | undefined {
  return states.get(req);
}

/**
 * The request being served, for code Apollo Server calls without a context (formatError).
 * Entered after the body is parsed, so stream callbacks cannot lose it.
 */
export const requestScope = new AsyncLocalStorage<RequestState>();
