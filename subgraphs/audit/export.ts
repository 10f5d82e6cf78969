// Export files for an inspector. CSV is the kit's formula-safe RFC 4180 writer (kit/csv.ts). JSON carries every
// hashed field, so the recipient can recompute the chain.
import { csvFile, csvRow } from '../kit/csv.ts';
import { canonicalJson } from './canonical.ts';
import type { AuditEventRecord } from './record.ts';

export type ExportFormat = 'CSV' | 'JSON';

export interface ExportFile {
  filename: string;
  contentType: string;
  content: string;
  count: number;
}

const COLUMNS = [
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

// Kept importable from here for the audit tests that check the cell rules.

function eventRow(e: AuditEventRecord): string {
  const cells: Record<(typeof COLUMNS)[number], string | null> = {
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
  return csvRow(COLUMNS.map((c) => cells[c]));
}

function jsonEvent(e: AuditEventRecord): string {
  return canonicalJson({
    ...e,
    sequence: String(e.sequence),
    sourceSequence: e.sourceSequence === null ? null : String(e.sourceSequence),
  });
}

/** Collects events (oldest first) into one file. */
export function formatExport(format: ExportFormat, exportedAt: Date) {
  const stamp = exportedAt.toISOString().replace(/[:.]/g, '-');
  const parts: string[] = [];
  return {
    add(event: AuditEventRecord) {
      parts.push(format === 'CSV' ? eventRow(event) : jsonEvent(event));
    },
    finish(): ExportFile {
      const csv = format === 'CSV';
      return {
        filename: `audit-events-${stamp}.${csv ? 'csv' : 'json'}`,
        contentType: csv ? 'text/csv; charset=utf-8' : 'application/json',
        content: csv ? csvFile([csvRow(COLUMNS), ...parts]) : `[${parts.join(',\n')}]\n`,
        count: parts.length,
      };
    },
  };
}
