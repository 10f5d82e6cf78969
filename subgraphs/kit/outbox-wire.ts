// The contract between every outbox relay (sender) and the audit subgraph (receiver). One definition, used by
// both sides: the relay builds WireEvents from outbox rows; the audit subgraph validates them with wireEventSchema.
//
// Ingestion endpoint on the audit subgraph's express app (never in the GraphQL schema, never via the router):
//   POST /internal/audit/events   body: { "events": [WireEvent, ...] }   (INGEST_PATH)
//   Authorization: signServiceRequest(...) from ./service-auth.ts with the shared OUTBOX_RELAY_SECRET
//     (>= 32 characters, required config of the audit subgraph and of every relay, no default).
// Answers:
//   401 { error: { code: "UNAUTHENTICATED", message } }  missing/malformed/bad/old signature, a user's JWT, or a
//       header service that differs from an event's `service`
//   413 { error: { code: "PAYLOAD_TOO_LARGE", message } } body over MAX_BATCH_BYTES
//   400 { error: { code: "BAD_USER_INPUT", message } }   body is not { events: [...] } or has > MAX_BATCH_EVENTS
//   200 { results: [IngestResult, ...] }                  one per event, in order:
//       stored    appended to the hash chain now
//       duplicate an event with this id is already stored (idempotent: acknowledged, not stored twice)
//       rejected  malformed (code + message say why); not stored, chain untouched, counted per service
//     Valid events in a batch are stored regardless of rejected ones. An event is never refused for its size:
//     content that does not fit MAX_CONTENT_BYTES is shortened (kit/event-content.ts), by the emitter when it is
//     recorded, else by the relay or the receiver, and carries `truncated` and `fullContentSha256`.
//   A body may carry `status` (DeliveryStatusReport): the sender's outbox as it stands, so the audit subgraph
//   can tell for every service what is still pending or was rejected. A relay sends it with an empty `events`
//   list as a heartbeat.
import { z } from 'zod';

export const INGEST_PATH = '/internal/audit/events';
export const MAX_EVENT_BYTES = 64 * 1024;
export const MAX_BATCH_EVENTS = 500;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/**
 * What changes + payload (as JSON) may take of MAX_EVENT_BYTES: the other fields are bounded by the schema
 * below to far less than the rest, even fully escaped.
 */
export const MAX_CONTENT_BYTES = MAX_EVENT_BYTES - 16 * 1024;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const wireEventSchema = z.object({
  /** Idempotency key. */
  id: z.uuid(),
  /** `<entity>.<past-tense verb>`, e.g. user.login_succeeded */
  type: z
    .string()
    .regex(/^[a-z][a-z_]*\.[a-z][a-z_]*$/)
    .max(100),
  entityType: z.string().min(1).max(100),
  entityId: z.string().min(1).max(200),
  /** Whose record this is: a SUBMITTER may read the events they own. For a User entity: the user's id. */
  ownerId: z.string().max(200).nullable(),
  /** userId null: anonymous or the system. */
  actor: z.object({ userId: z.string().max(200).nullable(), roles: z.array(z.string().max(50)).max(20) }),
  /** The emitting subgraph. */
  service: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
  requestId: z.string().max(200).nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
  /** The outbox row's order in its database; per entity, events are delivered in ascending sequence. */
  sequence: z.number().int().nonnegative(),
  /** { field: { from, to } } */
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  payload: z.record(z.string(), z.unknown()).nullable(),
  /** changes/payload were shortened to fit (absent from relays that predate it: false). */
  truncated: z.boolean().optional(),
  /** sha256 of the canonical JSON of { changes, payload } before shortening; set exactly when truncated. */
  fullContentSha256: z.string().regex(SHA256_HEX).nullable().optional(),
});

export type WireEvent = z.infer<typeof wireEventSchema>;

/** A relay's view of its outbox, sent with its batches (body.status). */
export const deliveryStatusSchema = z.object({
  /** Events neither delivered nor rejected. */
  pending: z.number().int().nonnegative(),
  /** occurred_at of the oldest pending event. */
  oldestPendingAt: z.iso.datetime({ offset: true }).nullable(),
  /** Events rejected for good, kept in the outbox with their reason. */
  rejected: z.number().int().nonnegative(),
  /** When the relay read these numbers. */
  at: z.iso.datetime({ offset: true }),
});

export type DeliveryStatusReport = z.infer<typeof deliveryStatusSchema>;

export interface IngestResult {
  id: string;
  status: 'stored' | 'duplicate' | 'rejected';
  code?: string;
  message?: string;
}

/** A receiver's verdict on one delivered event: the parsed event, or the rejection to answer with. */
export type ParsedWireEvent = { ok: true; event: WireEvent } | { ok: false; result: IngestResult };

/** The rejection of one delivered event, under the id it came with (empty when it had none). */
export function rejectWireEvent(
  raw: unknown,
  code: string,
  message: string,
): { ok: false; result: IngestResult } {
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '';
  return { ok: false, result: { id, status: 'rejected', code, message } };
}

/** Parses one delivered event against the wire shape; the rejection names the first field at fault. */
export function parseWireEvent(raw: unknown): ParsedWireEvent {
  const parsed = wireEventSchema.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  return rejectWireEvent(
    raw,
    'INVALID_EVENT',
    `${issue?.path.join('.') || '(event)'}: ${issue?.message ?? 'invalid'}`,
  );
}
