// The one serialization the hash chain is computed over, used both when an event is appended and when the chain
// is verified: canonical JSON (../kit/canonical-json.ts), hashed with SHA-256.
import { canonicalJson, canonicalSha256 } from '../kit/canonical-json.ts';
import type { JsonValue } from '../kit/outbox.ts';

export { canonicalJson };

/** prev_hash of the first event of a chain that has never been purged. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the hashed layout, hashed too: a future layout can coexist with this one. */
const HASH_LAYOUT = 1;

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
  /** The emitter shortened changes/payload to fit an event (kit/event-content.ts). */
  truncated: boolean;
  /** sha256 of the canonical JSON of { changes, payload } before shortening; null when not truncated. */
  fullContentSha256: string | null;
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
    // Hashed only when set: the events recorded before truncation existed keep their hashes, and flipping the
    // flag or the full-content hash either way changes this event's hash.
    ...(event.truncated ? { truncated: true } : {}),
    ...(event.fullContentSha256 !== null ? { fullContentSha256: event.fullContentSha256 } : {}),
  };
  return canonicalSha256(content);
}
