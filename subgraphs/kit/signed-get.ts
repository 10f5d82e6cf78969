// A signed GET between services (the claim checks of ./extraction-wire.ts: a document's bytes, an extraction's
// result). Signed like a batch (./service-auth.ts), over `GET <path>` instead of a body, so a signature fetches
// exactly the resource it was made for, within the replay window.
import type { Express, Request, Response as ExpressResponse } from 'express';
import type { Logger } from './logger.ts';
import { SERVICE_AUTH_SCHEME, signServiceRequest, verifyServiceRequest } from './service-auth.ts';

const signedText = (path: string) => `GET ${path}`;

export interface SignedGetOptions {
  secret: string;
  /** Who signs: this service's name. */
  service: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** GETs `url` signed as `service`; the caller reads and checks the response. */
export async function signedGet(url: string, options: SignedGetOptions): Promise<Response> {
  const target = new URL(url);
  const authorization = signServiceRequest({
    secret: options.secret,
    service: options.service,
    body: signedText(target.pathname),
  });
  return (options.fetch ?? fetch)(target, {
    headers: { authorization },
    signal: AbortSignal.timeout(options.timeoutMs),
  });
}

export interface MountSignedGetOptions {
  /** The shared OUTBOX_RELAY_SECRET; undefined answers 503 (nothing can be verified). */
  secret: string | undefined;
  /** The services that may ask. */
  senders: readonly string[];
  log: Logger;
  /** Answers a verified request (the route's params are on req.params). */
  handle(req: Request, res: ExpressResponse, sender: string): Promise<void>;
}

function fail(res: ExpressResponse, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export function mountSignedGet(app: Express, route: string, options: MountSignedGetOptions): void {
  app.get(route, (req, res) => {
    if (!options.secret) return fail(res, 503, 'SERVICE_UNAVAILABLE', 'OUTBOX_RELAY_SECRET is not set');
    const header = req.get('authorization');
    if (!header?.startsWith(`${SERVICE_AUTH_SCHEME} `))
      return fail(res, 401, 'UNAUTHENTICATED', `expected an ${SERVICE_AUTH_SCHEME} signature`);
    const verified = verifyServiceRequest({ secret: options.secret, header, body: signedText(req.path) });
    if ('error' in verified) return fail(res, 401, 'UNAUTHENTICATED', verified.error);
    if (!options.senders.includes(verified.service))
      return fail(res, 403, 'FORBIDDEN', `${verified.service} may not ask for this`);
    options.handle(req, res, verified.service).catch((error: unknown) => {
      options.log.error({ err: error, route }, 'signed GET failed');
      if (!res.headersSent) fail(res, 503, 'SERVICE_UNAVAILABLE', 'try again later');
    });
  });
}
