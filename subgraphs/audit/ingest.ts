// POST /internal/audit/events: the outbox relays' way in (contract: subgraphs/kit/outbox-wire.ts). The request
// is signed (HMAC over the service, a timestamp and the exact body bytes) and received by kit/signed-batch.ts;
// here every event is validated on its own, and the valid ones are appended to the chain in one transaction.
// Idempotent by event id. An event is never refused for its size: content too large is shortened and flagged
// (kit/event-content.ts). What is refused (malformed) is counted per service, with the sender's status report.
import type { Express } from 'express';
import type { Logger } from '../kit/logger.ts';
import type { JsonValue } from '../kit/outbox.ts';
import { fitEventContent } from '../kit/event-content.ts';
import {
  INGEST_PATH,
  MAX_EVENT_BYTES,
  parseWireEvent,
  rejectWireEvent,
  type IngestResult,
} from '../kit/outbox-wire.ts';
import { mountSignedBatchEndpoint } from '../kit/signed-batch.ts';
import type { AuditMetrics } from './audit-metrics.ts';
import type { ChainService, NewAuditEvent } from './chain.service.ts';
import type { DeliveryService } from './delivery.service.ts';

export interface IngestionOptions {
  /** OUTBOX_RELAY_SECRET. */
  secret: string;
  chain: Pick<ChainService, 'append'>;
  delivery: Pick<DeliveryService, 'recordBatch'>;
  metrics: AuditMetrics;
  log: Logger;
}

/** Deepest nesting accepted inside an event (PostgreSQL and our canonical serializer recurse). */
const MAX_DEPTH = 32;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

/** Validates one wire event: shape, then storability; content too large for an event is shortened. */
export function checkEvent(raw: unknown): Checked {
  const parsed = parseWireEvent(raw);
  if (!parsed.ok) return parsed;
  const reject = (message: string) => rejectWireEvent(raw, 'INVALID_EVENT', message);
  const problem = storageProblem(parsed.event);
  if (problem) return reject(`the event ${problem}`);
  const e = parsed.event;
  const truncated = e.truncated ?? false;
  if (truncated !== (e.fullContentSha256 != null)) {
    return reject('fullContentSha256 is set exactly when truncated is true');
  }
  // Emitters shorten their events when they record them; one that did not (an older relay) is shortened here
  // rather than refused, keeping a hash of what it sent.
  const oversized = Buffer.byteLength(JSON.stringify(raw)) > MAX_EVENT_BYTES;
  const content = oversized
    ? fitEventContent(
        { changes: e.changes as JsonValue, payload: e.payload as JsonValue | null },
        { fullContentSha256: e.fullContentSha256 ?? null },
      )
    : {
        changes: e.changes as JsonValue,
        payload: e.payload as JsonValue | null,
        truncated,
        fullContentSha256: e.fullContentSha256 ?? null,
      };
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
      ...content,
      sourceSequence: BigInt(e.sequence),
    },
  };
}

/** Validates each event and appends the valid ones to the chain; one result per event, in order. */
async function ingest(chain: IngestionOptions['chain'], events: unknown[]): Promise<IngestResult[]> {
  const checked = events.map(checkEvent);
  const valid = checked.flatMap((c) => (c.ok ? [c.event] : []));
  // A heartbeat (no events) must not take the chain-head lock.
  const appended = valid.length ? await chain.append(valid) : [];
  let next = 0;
  return checked.map((c) => {
    if (!c.ok) return c.result;
    const a = appended[next++]!;
    return { id: a.eventId, status: a.status };
  });
}

export function mountIngestion(app: Express, options: IngestionOptions): void {
  const { chain, delivery, metrics } = options;
  mountSignedBatchEndpoint(app, INGEST_PATH, {
    secret: options.secret,
    log: options.log,
    what: 'audit events',
    // Measured and counted only when the batch was stored (a failure answers 503 and is retried).
    async handle(events, sender, _log, extras) {
      const end = metrics.ingestDuration.startTimer();
      const results = await ingest(chain, events);
      const rejected = results.filter((r) => r.status === 'rejected');
      const last = rejected.at(-1);
      await delivery.recordBatch(sender, {
        acknowledged: results.length - rejected.length,
        rejected: rejected.length,
        lastError: last ? `${last.id || '(no id)'}: ${last.code}: ${last.message}` : null,
        status: extras.status,
      });
      for (const r of results) metrics.events.inc({ outcome: r.status });
      end();
      return results;
    },
  });
}
