// POST /internal/audit/events: the outbox relays' way in (contract: subgraphs/kit/outbox-wire.ts). The request
// is signed (HMAC over the service, a timestamp and the exact body bytes), every event is validated on its own,
// and the valid ones are appended to the chain in one transaction. Idempotent by event id.
import express, { type Express, type Response } from 'express';
import type { Logger } from '../kit/logger.ts';
import type { JsonValue } from '../kit/outbox.ts';
import {
  INGEST_PATH,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  wireEventSchema,
  type IngestResult,
} from '../kit/outbox-wire.ts';
import { SERVICE_AUTH_SCHEME, verifyServiceRequest } from '../kit/service-auth.ts';
import type { AuditMetrics } from './audit-metrics.ts';
import type { ChainService, NewAuditEvent } from './chain.service.ts';

export interface IngestionOptions {
  /** OUTBOX_RELAY_SECRET. */
  secret: string;
  chain: Pick<ChainService, 'append'>;
  metrics: AuditMetrics;
  log: Logger;
}

/** Deepest nesting accepted inside an event (PostgreSQL and our canonical serializer recurse). */
const MAX_DEPTH = 32;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Signed bodies are strings, so valid UTF-8: decoding strictly (BOM kept) maps bytes to text one to one.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

/** Why a parsed JSON value cannot be stored (and hashed) exactly as received, or null. */
function storageProblem(value: unknown, depth = 0): string | null {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'contains a NUL character';
    if (LONE_SURROGATE.test(value)) return 'contains an unpaired UTF-16 surrogate';
    return null;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = storageProblem(item, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = storageProblem(key, depth + 1) ?? storageProblem(item, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}

type Checked = { ok: true; event: NewAuditEvent } | { ok: false; result: IngestResult };

/** Validates one wire event: size, then shape, then storability. */
export function checkEvent(raw: unknown): Checked {
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '';
  const reject = (code: string, message: string): Checked => ({
    ok: false,
    result: { id, status: 'rejected', code, message },
  });
  const bytes = Buffer.byteLength(JSON.stringify(raw) ?? '');
  if (bytes > MAX_EVENT_BYTES) {
    return reject('EVENT_TOO_LARGE', `the event is ${bytes} bytes; at most ${MAX_EVENT_BYTES}`);
  }
  const parsed = wireEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject('INVALID_EVENT', `${issue?.path.join('.') || '(event)'}: ${issue?.message ?? 'invalid'}`);
  }
  const problem = storageProblem(parsed.data);
  if (problem) return reject('INVALID_EVENT', `the event ${problem}`);
  const e = parsed.data;
  return {
    ok: true,
    event: {
      eventId: e.id.toLowerCase(),
      type: e.type,
      entityType: e.entityType,
      entityId: e.entityId,
      ownerId: e.ownerId,
      actorId: e.actor.userId,
      actorRoles: e.actor.roles,
      service: e.service,
      requestId: e.requestId,
      occurredAt: new Date(e.occurredAt),
      changes: e.changes as JsonValue,
      payload: e.payload as JsonValue | null,
      sourceSequence: BigInt(e.sequence),
    },
  };
}

export function mountIngestion(app: Express, options: IngestionOptions): void {
  const { metrics } = options;
  const rawBody = express.raw({ type: () => true, limit: MAX_BATCH_BYTES });

  app.post(
    INGEST_PATH,
    (req, res, next) => {
      // Refuse what cannot be a relay before reading a body (a user's bearer token, nothing at all).
      if (!req.get('authorization')?.startsWith(`${SERVICE_AUTH_SCHEME} `)) {
        return fail(res, 401, 'UNAUTHENTICATED', `expected a signed "${SERVICE_AUTH_SCHEME}" request`);
      }
      rawBody(req, res, (error?: unknown) => {
        if (!error) return next();
        const { status, type } = error as { status?: number; type?: string };
        if (type === 'entity.too.large' || status === 413) {
          return fail(res, 413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BATCH_BYTES} bytes`);
        }
        fail(res, status && status < 500 ? status : 400, 'BAD_USER_INPUT', 'the body could not be read');
      });
    },
    async (req, res) => {
      const log = res.locals.log ?? options.log;
      const end = metrics.ingestDuration.startTimer();
      const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let body: string;
      try {
        body = utf8.decode(bytes);
      } catch {
        return fail(res, 401, 'UNAUTHENTICATED', 'bad signature');
      }
      const auth = verifyServiceRequest({ secret: options.secret, header: req.get('authorization'), body });
      if ('error' in auth) return fail(res, 401, 'UNAUTHENTICATED', auth.error);

      let events: unknown[];
      try {
        const parsed = JSON.parse(body) as { events?: unknown };
        if (!Array.isArray(parsed?.events)) throw new Error('no events');
        events = parsed.events;
      } catch {
        return fail(res, 400, 'BAD_USER_INPUT', 'the body must be JSON: { "events": [...] }');
      }
      if (events.length > MAX_BATCH_EVENTS) {
        return fail(res, 400, 'BAD_USER_INPUT', `at most ${MAX_BATCH_EVENTS} events per request`);
      }
      const foreign = events.find(
        (e) =>
          typeof (e as { service?: unknown })?.service === 'string' &&
          (e as { service: string }).service !== auth.service,
      );
      if (foreign) {
        return fail(res, 401, 'UNAUTHENTICATED', `service ${auth.service} may only send its own events`);
      }

      const checked = events.map(checkEvent);
      const valid = checked.flatMap((c) => (c.ok ? [c.event] : []));
      let appended;
      try {
        appended = await options.chain.append(valid);
      } catch (error) {
        log.error({ err: error, service: auth.service }, 'audit ingestion failed');
        return fail(res, 503, 'SERVICE_UNAVAILABLE', 'the audit log could not store the events; retry');
      }
      let next = 0;
      const results: IngestResult[] = checked.map((c) => {
        if (!c.ok) return c.result;
        const a = appended[next++]!;
        return { id: a.eventId, status: a.status };
      });
      for (const r of results) metrics.events.inc({ outcome: r.status });
      const rejected = results.filter((r) => r.status === 'rejected');
      if (rejected.length) {
        log.warn({ service: auth.service, rejected: rejected.slice(0, 10) }, 'audit events rejected');
      }
      end();
      res.json({ results });
    },
  );
}
