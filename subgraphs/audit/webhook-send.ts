// One webhook delivery attempt on the wire: the body and idempotency key of an event's delivery, the retry
// backoff, and the POST itself, connected only to an address webhook-address.ts allows (checked on the address
// actually connected to, so a host re-resolving to a private address is refused), no redirects, the response
// read up to MAX_RESPONSE_BYTES.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { WebhookConfig } from './config.ts';
import type { AuditEventRecord } from './record.ts';
import { guardedLookup, hostOf, isAddressAllowed, type Lookup } from './webhook-address.ts';

/** Bytes of a receiver's response read (for the log); the rest is discarded unread. */
export const MAX_RESPONSE_BYTES = 4096;
const MAX_ERROR_LENGTH = 500;
export const USER_AGENT = 'nanopore-audit-webhooks/1';

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The address connected to, when a connection was made. */
  address: string | null;
}

/** The delivery's idempotency key: the same for every attempt of one event to one subscription. */
export const idempotencyKey = (eventId: string, subscriptionId: string) => `${eventId}.${subscriptionId}`;

/** The JSON body of an event's delivery (stable across attempts). */
export function deliveryBody(event: AuditEventRecord, subscriptionId: string): string {
  return JSON.stringify({
    id: event.eventId,
    type: event.type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    subscriptionId,
    data: {
      entityType: event.entityType,
      entityId: event.entityId,
      ownerId: event.ownerId,
      actorId: event.actorId,
      service: event.service,
      changes: event.changes,
      payload: event.payload,
      truncated: event.truncated,
      sequence: String(event.sequence),
      hash: event.hash,
    },
  });
}

/** base * 2^(attempt-1), at most max, then between half and all of it at random (replicas do not retry in step). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(full * (0.5 + random() * 0.5));
}

/** One POST: only to checked addresses, no redirects followed, the response read up to MAX_RESPONSE_BYTES. */
export function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { policy: WebhookConfig['addresses']; timeoutMs: number; lookup?: Lookup },
): Promise<AttemptResult> {
  const started = performance.now();
  let address: string | null = null;
  const done = (statusCode: number | null, error: string | null): AttemptResult => ({
    statusCode,
    error: error?.slice(0, MAX_ERROR_LENGTH) ?? null,
    durationMs: Math.round(performance.now() - started),
    address,
  });
  const host = hostOf(url);
  // A literal address is connected to without any lookup: check it here.
  if (isIP(host)) {
    if (!isAddressAllowed(options.policy, host, host)) {
      return Promise.resolve(done(null, `address ${host} is not allowed (private, loopback or reserved)`));
    }
    address = host;
  }
  return new Promise((resolve) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      // A fresh connection each time: a pooled one could have been opened to an address checked for another host.
      agent: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: guardedLookup(options.policy, (ip) => (address = ip), options.lookup) as never,
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        done(
          null,
          error.code === 'EWEBHOOKADDRESS'
            ? `address refused: ${error.message}`
            : `${error.code ?? 'error'}: ${error.message}`,
        ),
      ),
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const end = () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        res.destroy();
        if (status >= 200 && status < 300) finish(done(status, null));
        else if (status >= 300 && status < 400)
          finish(done(status, `HTTP ${status}: redirects are not followed`));
        else finish(done(status, `HTTP ${status}${text ? `: ${text}` : ''}`));
      };
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
        size += chunk.length;
        if (size >= MAX_RESPONSE_BYTES) end();
      });
      res.on('end', end);
      res.on('error', end);
    });
    req.end(body);
  });
}
