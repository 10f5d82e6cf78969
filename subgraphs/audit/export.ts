// Export files for an inspector, streamed behind a signed link (exportAuditEvents, kit/export-link.ts): the
// columns and cells of the CSV (the kit's formula-safe RFC 4180 writer) and the JSON element of an event. JSON
// carries every hashed field, so the recipient can recompute the chain.
import type { CsvValue } from '../kit/csv.ts';
import { canonicalJson } from './canonical.ts';
import type { AuditEventRecord } from './record.ts';

export const EXPORT_COLUMNS = [
  'sequence',
  'event_id',
  'occurred_at',
  'received_at',
  'type',
  'entity_type',
  'entity_id',
  'owner_id',
  'actor_id',
  'actor_roles',
  'service',
  'request_id',
  'changes',
  'payload',
  'source_sequence',
  'truncated',
  'full_content_sha256',
  'prev_hash',
  'hash',
] as const;

/** An event's CSV cells, in EXPORT_COLUMNS order. */
export function eventCells(e: AuditEventRecord): CsvValue[] {
  const cells: Record<(typeof EXPORT_COLUMNS)[number], string | null> = {
    sequence: String(e.sequence),
    event_id: e.eventId,
    occurred_at: e.occurredAt.toISOString(),
    received_at: e.receivedAt.toISOString(),
    type: e.type,
    entity_type: e.entityType,
    entity_id: e.entityId,
    owner_id: e.ownerId,
    actor_id: e.actorId,
    actor_roles: e.actorRoles.join(' '),
    service: e.service,
    request_id: e.requestId,
    changes: canonicalJson(e.changes),
    payload: e.payload === null ? null : canonicalJson(e.payload),
    source_sequence: e.sourceSequence === null ? null : String(e.sourceSequence),
    truncated: e.truncated ? 'true' : 'false',
    full_content_sha256: e.fullContentSha256,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
  return EXPORT_COLUMNS.map((c) => cells[c]);
}

/** An event as one element of the JSON array. */
export function eventJson(e: AuditEventRecord): string {
  return canonicalJson({
    ...e,
    sequence: String(e.sequence),
    sourceSequence: e.sourceSequence === null ? null : String(e.sourceSequence),
  });
}
