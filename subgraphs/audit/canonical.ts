// The one serialization the hash chain is computed over, used both when an event is appended and when the chain
// is verified: canonical JSON (object keys sorted by UTF-16 code units, no whitespace, dates as ISO 8601 UTC
// strings, 64-bit integers as decimal strings), hashed with SHA-256.
import { createHash } from 'node:crypto';
import type { JsonValue } from '../kit/outbox.ts';

/** prev_hash of the first event of a chain that has never been purged. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the hashed layout, hashed too: a future layout can coexist with this one. */
const HASH_LAYOUT = 1;

/** Canonical JSON of a JSON-like value; Date -> ISO string, bigint -> decimal string, undefined keys skipped. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
      const entries = Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialize a ${typeof value}`);
  }
}

/** What an event's hash covers: its place in the chain and everything recorded about it. */
export interface ChainedContent {
  sequence: bigint;
  prevHash: string;
  eventId: string;
  type: string;
  entityType: string;
  entityId: string;
  ownerId: string | null;
  actorId: string | null;
  actorRoles: readonly string[];
  service: string;
  requestId: string | null;
  occurredAt: Date;
  receivedAt: Date;
  changes: JsonValue;
  payload: JsonValue | null;
  sourceSequence: bigint | null;
}

/** sha256 hex of the canonical serialization. */
export function eventHash(event: ChainedContent): string {
  const content = {
    v: HASH_LAYOUT,
    sequence: event.sequence,
    prevHash: event.prevHash,
    eventId: event.eventId,
    type: event.type,
    entityType: event.entityType,
    entityId: event.entityId,
    ownerId: event.ownerId,
    actorId: event.actorId,
    actorRoles: event.actorRoles,
    service: event.service,
    requestId: event.requestId,
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
    changes: event.changes,
    payload: event.payload,
    sourceSequence: event.sourceSequence,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
