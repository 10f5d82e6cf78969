// Export files for an inspector. CSV follows RFC 4180 (CRLF, quotes doubled, a cell quoted when it holds a
// comma, quote or line break) and neutralises spreadsheet formulas: a text cell starting with = + - @ tab or CR
// gets a leading '. JSON carries every hashed field, so the recipient can recompute the chain.
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
  'prev_hash',
  'hash',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: formula-safe, quoted when needed. */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(e: AuditEventRecord): string {
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
    prev_hash: e.prevHash,
    hash: e.hash,
  };
  return COLUMNS.map((c) => csvCell(cells[c])).join(',');
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
      parts.push(format === 'CSV' ? csvRow(event) : jsonEvent(event));
    },
    finish(): ExportFile {
      const csv = format === 'CSV';
      return {
        filename: `audit-events-${stamp}.${csv ? 'csv' : 'json'}`,
        contentType: csv ? 'text/csv; charset=utf-8' : 'application/json',
        content: csv ? [COLUMNS.join(','), ...parts].join('\r\n') + '\r\n' : `[${parts.join(',\n')}]\n`,
        count: parts.length,
      };
    },
  };
}
