// An audit event as read back from the database, and the one column list every read uses (queries, export,
// verification), so what is verified is exactly what is shown.
import { Prisma } from '../../generated/prisma/audit/client.ts';
import type { JsonValue } from '../kit/outbox.ts';
import type { ChainedContent } from './canonical.ts';

export interface AuditEventRecord extends ChainedContent {
  hash: string;
}

/** SELECT list mapping audit_event's columns to AuditEventRecord's keys. */
export const RECORD_COLUMNS = Prisma.sql`
  sequence, event_id::text AS "eventId", type, entity_type AS "entityType", entity_id AS "entityId",
  owner_id AS "ownerId", actor_id AS "actorId", coalesce(actor_roles, '{}') AS "actorRoles", service,
  request_id AS "requestId", occurred_at AS "occurredAt", received_at AS "receivedAt", changes, payload,
  source_sequence AS "sourceSequence", truncated, full_content_sha256 AS "fullContentSha256",
  prev_hash AS "prevHash", hash`;

/** `{ field: { from, to } }` as a list, for GraphQL. */
export function changeList(changes: JsonValue): { field: string; from: JsonValue; to: JsonValue }[] {
  if (!changes || typeof changes !== 'object' || Array.isArray(changes)) return [];
  return Object.entries(changes as Record<string, { from?: JsonValue; to?: JsonValue }>).map(
    ([field, change]) => ({ field, from: change?.from ?? null, to: change?.to ?? null }),
  );
}
