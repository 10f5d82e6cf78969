// The receiving half of a signed endpoint between services (mountSignedEndpoint: the router's API-key exchange)
// and of a signed batch endpoint on it (the outbox relays' way into the audit subgraph, the submission subgraph's
// sample commands into the samples subgraph), written once because every step is security-critical: refuse what
// cannot be a service before reading a body, read the exact bytes (bounded), verify the signature over them
// (kit/service-auth.ts), then parse `{ events: [...] }` and hand the events to the domain. Answers as
// kit/outbox-wire.ts documents: 401 / 413 / 400 / 503 `{ error: { code, message } }`, or 200 `{ results }`.
import express, { type Express, type Response } from 'express';
import type { Logger } from './logger.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, type IngestResult } from './outbox-wire.ts';
import { SERVICE_AUTH_SCHEME, verifyServiceRequest } from './service-auth.ts';

export interface SignedBatchOptions {
  /**
   * The shared OUTBOX_RELAY_SECRET. Undefined: every request is answered 503 SERVICE_UNAVAILABLE, so the senders
   * keep their events until the secret is configured.
   */
  secret: string | undefined;
  /** The services (signers) that may send here; default any service holding the secret. */
  senders?: readonly string[];
  /** Used where the request has no logger of its own (res.locals.log). */
  log: Logger;
  /** What arrives, in the plural, for messages and log lines: 'audit events', 'sample commands'. */
  what: string;
  /**
   * Applies a verified batch (at most MAX_BATCH_EVENTS, none naming another service than `sender`; each still
   * unvalidated) and returns one result per event, in order. A throw answers 503: the sender retries the batch,
   * so this must be idempotent per event.
   */
  handle(events: unknown[], sender: string, log: Logger, extras: BatchExtras): Promise<IngestResult[]>;
}

/** What a batch body may carry beside its events (still unvalidated). */
export interface BatchExtras {
  /** The sender's outbox status (kit/outbox-wire.ts deliveryStatusSchema), if it sent one. */
  status?: unknown;
}

// Signed bodies are strings, so valid UTF-8: decoding strictly (BOM kept) maps bytes to text one to one.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export interface SignedRequestOptions {
  /** The shared secret; undefined: every request is answered 503 SERVICE_UNAVAILABLE naming `secretVariable`. */
  secret: string | undefined;
  /** The variable that holds the secret, for that 503. */
  secretVariable: string;
  /** The services (signers) that may send here; default any service holding the secret. */
  senders?: readonly string[];
  /** The largest body read; more is 413 PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** Used where the request has no logger of its own (res.locals.log). */
  log: Logger;
  /** What arrives, in the plural, for messages: 'audit events', 'API key exchanges'. */
  what: string;
  /** Answers a request whose exact body is signed by `sender`; the body itself is still unvalidated. */
  handle(body: string, sender: string, log: Logger, res: Response): Promise<unknown>;
}

/**
 * POST `path`, for services only: refuses what cannot be a signed service request before reading a body, reads
 * the exact bytes (bounded), verifies the signature over them and the sender, then hands the body on.
 */
export function mountSignedEndpoint(app: Express, path: string, options: SignedRequestOptions): void {
  const { secret, senders, what, maxBytes } = options;
  const rawBody = express.raw({ type: () => true, limit: maxBytes });

  app.post(
    path,
    (req, res, next) => {
      res.setHeader('cache-control', 'no-store');
      if (!secret) {
        return fail(
          res,
          503,
          'SERVICE_UNAVAILABLE',
          `${what} are not accepted: ${options.secretVariable} is not set`,
        );
      }
      // Refuse what cannot be a service before reading a body (a user's bearer token, nothing at all).
      if (!req.get('authorization')?.startsWith(`${SERVICE_AUTH_SCHEME} `)) {
        return fail(res, 401, 'UNAUTHENTICATED', `expected a signed "${SERVICE_AUTH_SCHEME}" request`);
      }
      rawBody(req, res, (error?: unknown) => {
        if (!error) return next();
        const { status, type } = error as { status?: number; type?: string };
        if (type === 'entity.too.large' || status === 413) {
          return fail(res, 413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${maxBytes} bytes`);
        }
        fail(res, status && status < 500 ? status : 400, 'BAD_USER_INPUT', 'the body could not be read');
      });
    },
    async (req, res) => {
      const log: Logger = res.locals.log ?? options.log;
      let body: string;
      try {
        body = utf8.decode(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      } catch {
        return fail(res, 401, 'UNAUTHENTICATED', 'bad signature');
      }
      const auth = verifyServiceRequest({ secret: secret!, header: req.get('authorization'), body });
      if ('error' in auth) return fail(res, 401, 'UNAUTHENTICATED', auth.error);
      if (senders && !senders.includes(auth.service)) {
        return fail(res, 401, 'UNAUTHENTICATED', `only the ${senders.join(' or ')} service sends ${what}`);
      }
      await options.handle(body, auth.service, log, res);
    },
  );
}

export function mountSignedBatchEndpoint(app: Express, path: string, options: SignedBatchOptions): void {
  const { what } = options;
  mountSignedEndpoint(app, path, {
    ...options,
    secretVariable: 'OUTBOX_RELAY_SECRET',
    maxBytes: MAX_BATCH_BYTES,
    async handle(body, sender, log, res) {
      let events: unknown[];
      let extras: BatchExtras;
      try {
        const parsed = JSON.parse(body) as { events?: unknown; status?: unknown };
        if (!Array.isArray(parsed?.events)) throw new Error('no events');
        events = parsed.events;
        extras = { status: parsed.status };
      } catch {
        return fail(res, 400, 'BAD_USER_INPUT', 'the body must be JSON: { "events": [...] }');
      }
      if (events.length > MAX_BATCH_EVENTS) {
        return fail(res, 400, 'BAD_USER_INPUT', `at most ${MAX_BATCH_EVENTS} events per request`);
      }
      // An event naming another service is a forgery; one with no service is just invalid (the handler rejects it).
      const service = (e: unknown) => (e as { service?: unknown })?.service;
      if (events.some((e) => typeof service(e) === 'string' && service(e) !== sender)) {
        return fail(res, 401, 'UNAUTHENTICATED', `service ${sender} may only send its own events`);
      }

      let results: IngestResult[];
      try {
        results = await options.handle(events, sender, log, extras);
      } catch (error) {
        log.error({ err: error, service: sender }, `storing ${what} failed`);
        return fail(res, 503, 'SERVICE_UNAVAILABLE', `the ${what} could not be stored; retry`);
      }
      const rejected = results.filter((r) => r.status === 'rejected');
      if (rejected.length) log.warn({ service: sender, rejected: rejected.slice(0, 10) }, `${what} rejected`);
      res.json({ results });
    },
  });
}
