// The outbox relay's side of the wire (./outbox-wire.ts): rows to WireEvents within the receiver's limits, and
// one signed POST whose outcome is classified (never thrown), so the relay decides what to mark.
import { z } from 'zod';
import type { FailureReason } from './outbox-relay-metrics.ts';
import type { OutboxRow } from './outbox-relay-store.ts';
import {
  MAX_BATCH_BYTES,
  MAX_EVENT_BYTES,
  wireEventSchema,
  type DeliveryStatusReport,
  type IngestResult,
  type WireEvent,
} from './outbox-wire.ts';
import { postSigned } from './service-auth.ts';
import { fitEventContent } from './event-content.ts';
import type { JsonValue } from './outbox.ts';

const ENVELOPE_BYTES = Buffer.byteLength('{"events":[]}');

const answerSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['stored', 'duplicate', 'rejected']),
      code: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
});

export interface PreparedBatch {
  send: { row: OutboxRow; json: string }[];
  /** Refused before sending: they could never be accepted, and must not block their entity. */
  rejectLocally: { id: string; error: string }[];
  /** The byte budget ended the batch early: more rows are waiting. */
  cut: boolean;
}

export type BatchAnswer = { results: IngestResult[] } | { failure: FailureReason; message: string };

/**
 * Turns order-safe rows into what to send, what to reject locally, and whether the byte budget cut it short.
 * With `shortenOversized` (audit events), a row too large to send (recorded before recordEvent shortened
 * content) is shortened and flagged like recordEvent would have, never rejected for its size; without it
 * (commands, which must arrive whole or not at all) it is rejected.
 */
export function prepareBatch(
  rows: OutboxRow[],
  service: string,
  options: { shortenOversized?: boolean } = {},
): PreparedBatch {
  const prepared: PreparedBatch = { send: [], rejectLocally: [], cut: false };
  let bytes = ENVELOPE_BYTES;
  for (const row of rows) {
    let event = toWireEvent(row);
    if (options.shortenOversized && Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES) {
      event = shortenWireEvent(event);
    }
    const parsed = wireEventSchema.safeParse(event);
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json);
    const error =
      row.service !== service
        ? `SERVICE_MISMATCH: the event's service '${row.service}' is not this relay's ('${service}')`
        : size > MAX_EVENT_BYTES
          ? `EVENT_TOO_LARGE: ${size} bytes, the receiver takes at most ${MAX_EVENT_BYTES} (MAX_EVENT_BYTES)`
          : !parsed.success
            ? `INVALID_EVENT: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`
            : undefined;
    if (error) {
      prepared.rejectLocally.push({ id: row.id, error });
      continue;
    }
    if (bytes + size + 1 > MAX_BATCH_BYTES) {
      prepared.cut = true;
      break;
    }
    bytes += size + 1;
    prepared.send.push({ row, json });
  }
  return prepared;
}

/** POSTs one batch, signed as the service. Never throws: a failure comes back as a reason and a message. */
export async function postBatch(
  events: PreparedBatch['send'],
  options: {
    ingestUrl: string;
    secret: string;
    service: string;
    requestTimeoutMs: number;
    /** The outbox's status, for the audit subgraph's delivery report (kit/outbox-wire.ts). */
    status?: DeliveryStatusReport;
  },
): Promise<BatchAnswer> {
  const { ingestUrl, secret, service, requestTimeoutMs } = options;
  const status = options.status ? `,"status":${JSON.stringify(options.status)}` : '';
  const body = `{"events":[${events.map((e) => e.json).join(',')}]${status}}`;
  try {
    const res = await postSigned(ingestUrl, body, { secret, service, timeoutMs: requestTimeoutMs });
    const text = await res.text();
    if (res.status !== 200) {
      const failure: FailureReason =
        res.status === 401 || res.status === 403
          ? 'unauthorized'
          : res.status === 413
            ? 'too_large'
            : res.status === 400
              ? 'bad_request'
              : res.status >= 500
                ? 'server_error'
                : 'bad_response';
      return { failure, message: `HTTP ${res.status}: ${text.slice(0, 300)}` };
    }
    const answer = answerSchema.safeParse(safeJson(text));
    if (!answer.success) return { failure: 'bad_response', message: 'the answer is not { results: [...] }' };
    return answer.data;
  } catch (error) {
    const name = (error as Error).name;
    const timeout = name === 'TimeoutError' || name === 'AbortError';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      failure: timeout ? 'timeout' : 'unreachable',
      message: timeout
        ? `no answer within ${requestTimeoutMs} ms`
        : `${cause?.code ?? cause?.message ?? (error as Error).message}`,
    };
  }
}

/** The event with its content shortened to fit (./event-content.ts), keeping the hash of the original. */
function shortenWireEvent(event: WireEvent): WireEvent {
  const fitted = fitEventContent(
    { changes: event.changes as JsonValue, payload: (event.payload ?? null) as JsonValue | null },
    { fullContentSha256: event.fullContentSha256 ?? null },
  );
  return {
    ...event,
    changes: fitted.changes as WireEvent['changes'],
    payload: fitted.payload as WireEvent['payload'],
    truncated: fitted.truncated,
    fullContentSha256: fitted.fullContentSha256,
  };
}

/** An outbox row as the wire contract wants it. */
export function toWireEvent(row: OutboxRow): WireEvent {
  return {
    id: row.id,
    type: row.type,
    entityType: row.entity_type,
    entityId: row.entity_id,
    ownerId: row.owner_id,
    actor: { userId: row.actor_id, roles: row.actor_roles ?? [] },
    service: row.service,
    requestId: row.request_id,
    occurredAt: row.occurred_at.toISOString(),
    sequence: Number(row.sequence),
    changes: row.changes,
    payload: row.payload ?? null,
    truncated: row.truncated ?? false,
    fullContentSha256: row.full_content_sha256 ?? null,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
