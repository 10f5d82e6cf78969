import type { OutgoingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import { getRequestState, type RequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';

export interface DeduplicationOptions {
  /** Answer identical in-flight queries of the same caller with one execution. @default true */
  enabled?: boolean;
  /** Where `router_deduplicated_requests_total` is registered. */
  registry: Registry;
}

/** The response the first of identical requests sent, as its joiners send it again. */
interface SharedResponse {
  statusCode: number;
  headers: OutgoingHttpHeaders;
  body: unknown;
  encoding: BufferEncoding | undefined;
  leader: RequestState | undefined;
}

/** One execution in progress; resolves undefined when its response cannot be shared (streamed or cut off). */
type Flight = Promise<SharedResponse | undefined>;

// A query can only run as a mutation or subscription if its text has that keyword: a false positive (a field
// named `mutation`) only costs the sharing, a false negative cannot happen.
const writesOrStreams = /\b(?:mutation|subscription)\b/;

/**
 * Everything of the request that can change its answer. The Authorization header is kept whole, so only
 * callers holding the very same token (the same claims, verified by the first) share an answer; the socket
 * peer and X-Forwarded-For keep clients apart as finely as the client-address stage could.
 */
export function deduplicationKey(req: Request): string | undefined {
  if (req.method !== 'POST' || !req.is('application/json')) return undefined;
  const body = req.body as { query?: unknown } | undefined;
  if (typeof body?.query !== 'string' || writesOrStreams.test(body.query)) return undefined;
  return JSON.stringify([
    req.get('authorization') ?? null,
    req.get('accept') ?? null,
    req.get('if-none-match') ?? null,
    req.socket.remoteAddress ?? null,
    req.get('x-forwarded-for') ?? null,
    body,
  ]);
}

/** Records the response `res` is about to send, unless it is streamed (incremental delivery). */
function recordResponse(req: Request, res: Response, done: (shared: SharedResponse | undefined) => void) {
  let streamed = false;
  const { write, end } = res;
  res.write = function (this: Response, ...args: unknown[]) {
    streamed = true;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Response['write'];
  res.end = function (this: Response, ...args: unknown[]) {
    const [body, encoding] = args;
    done(
      streamed || typeof body === 'function'
        ? undefined
        : {
            statusCode: res.statusCode,
            headers: res.getHeaders(),
            body,
            encoding: typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined,
            leader: getRequestState(req),
          },
    );
    return (end as (...a: unknown[]) => Response).apply(this, args);
  } as Response['end'];
  // A response cut off before it was sent: the joiners run on their own.
  res.once('close', () => done(undefined));
}

/** Sends a joiner the leader's answer; headers it already has (its request id, CORS) stay its own. */
function replay(req: Request, res: Response, shared: SharedResponse): void {
  const state = getRequestState(req);
  if (state && shared.leader) {
    state.operationName = shared.leader.operationName;
    state.outcome = shared.leader.outcome;
    state.userId = shared.leader.userId;
    state.errorCodes.push(...shared.leader.errorCodes);
    state.sharedFrom = shared.leader.requestId;
  }
  for (const [name, value] of Object.entries(shared.headers))
    if (value !== undefined && !res.hasHeader(name)) res.setHeader(name, value);
  res.statusCode = shared.statusCode;
  res.end(shared.body, shared.encoding as BufferEncoding);
}

/**
 * Inbound deduplication: while a query is executing, an identical request of the same caller (same document,
 * variables, token and client) waits for it and is sent the same response, instead of parsing, planning and
 * fetching again. Never mutations, subscriptions, uploads or streamed responses; a joiner whose leader could not
 * be shared runs by itself.
 */
export function useDeduplication(options: DeduplicationOptions): RouterStage {
  const flights = new Map<string, Flight>();
  const shared = new Counter({
    name: 'router_deduplicated_requests_total',
    help: 'GraphQL requests answered with the response of an identical in-flight request of the same caller',
    registers: [options.registry],
  });
  if (options.enabled === false) return { name: 'deduplication' };
  return {
    name: 'deduplication',
    middleware: [
      (req, res, next) => {
        const key = deduplicationKey(req);
        if (key === undefined) return next();
        const flight = flights.get(key);
        if (flight) {
          void flight.then((response) => {
            if (res.destroyed) return;
            if (!response) return next();
            shared.inc();
            replay(req, res, response);
          });
          return;
        }
        let resolve!: (response: SharedResponse | undefined) => void;
        const own: Flight = new Promise((done) => (resolve = done));
        flights.set(key, own);
        recordResponse(req, res, (response) => {
          if (flights.get(key) === own) flights.delete(key);
          resolve(response);
        });
        next();
      },
    ],
  };
}
