// The relay -> audit ingestion contract (event format, endpoint, answers) is in subgraphs/kit/outbox-wire.ts.
// Service-to-service requests (the outbox relay -> the audit subgraph, the router -> the auth subgraph) are signed with a shared secret, like
// webhooks: HMAC-SHA256 over the service name, a timestamp and the body's hash. A user's JWT never works here.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SERVICE_AUTH_SCHEME = 'Outbox-HMAC';

/** The minimum secret length, in characters. */
export const MIN_SERVICE_SECRET_LENGTH = 32;

function signature(secret: string, service: string, ts: number, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`${service}\n${ts}\n${bodyHash}`).digest('base64url');
}

/** The Authorization header value for a request from `service` with this exact body. */
export function signServiceRequest(options: {
  secret: string;
  service: string;
  body: string;
  now?: number;
}): string {
  const ts = options.now ?? Date.now();
  return `${SERVICE_AUTH_SCHEME} service=${options.service},ts=${ts},sig=${signature(options.secret, options.service, ts, options.body)}`;
}

/** POSTs the JSON `body` to `url`, signed as `service` (a relay's batch, a command, an extraction's result). */
export function postSigned(
  url: string,
  body: string,
  options: { secret: string; service: string; timeoutMs?: number },
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: signServiceRequest({ secret: options.secret, service: options.service, body }),
    },
    body,
    ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
  });
}

const HEADER = new RegExp(
  `^${SERVICE_AUTH_SCHEME} service=([a-z][a-z0-9-]{0,39}),ts=(\\d{1,16}),sig=([\\w-]{43})$`,
);

/** Checks a signed request; `maxSkewMs` (default 5 minutes) bounds replay of a captured request. */
export function verifyServiceRequest(options: {
  secret: string;
  header: string | undefined;
  body: string;
  now?: number;
  maxSkewMs?: number;
}): { service: string } | { error: string } {
  const match = HEADER.exec(options.header ?? '');
  if (!match)
    return { error: `expected an Authorization header "${SERVICE_AUTH_SCHEME} service=..,ts=..,sig=.."` };
  const [, service, tsText, sig] = match as unknown as [string, string, string, string];
  const ts = Number(tsText);
  if (Math.abs((options.now ?? Date.now()) - ts) > (options.maxSkewMs ?? 5 * 60_000)) {
    return { error: 'the request timestamp is too far from now' };
  }
  const expected = Buffer.from(signature(options.secret, service, ts, options.body));
  const actual = Buffer.from(sig);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    return { error: 'bad signature' };
  return { service };
}
