// The outbox relay's SQL, over any domain database with the reference OutboxEvent model (outbox_event table), or
// another table with the same columns (the submission subgraph's sample_command: a second relay, other receiver).
// Plain pg, not Prisma: a batch is one explicit transaction whose row locks are held across the HTTP call.
import type pg from 'pg';
import { OUTBOX_WRITER_LOCK } from './outbox.ts';

/** The reference outbox table. */
export const DEFAULT_OUTBOX_TABLE = 'outbox_event';

/** Table names are put into SQL as identifiers, so only plain lower-case names are taken. */
export function assertOutboxTable(table: string): string {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`outbox relay: bad table name '${table}'`);
  return table;
}

/**
 * What the relay's own per-entity lock hashes, on top of the entity key: nothing for the reference table (as
 * before), the table's name for any other, so that two relays over two tables of one database never skip each
 * other's entities. (The writer lock stays per entity: recordEvent knows no table.)
 */
const relayLockPrefix = (table: string): string => (table === DEFAULT_OUTBOX_TABLE ? '' : `${table}|`);

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  id: string;
  /** bigint, as text (pg's int8). */
  sequence: string;
  type: string;
  entity_type: string;
  entity_id: string;
  owner_id: string | null;
  actor_id: string | null;
  actor_roles: string[] | null;
  service: string;
  request_id: string | null;
  occurred_at: Date;
  changes: Record<string, { from: unknown; to: unknown }>;
  payload: Record<string, unknown> | null;
  /** Shortened at recordEvent (./event-content.ts); always false in tables without the column. */
  truncated: boolean;
  full_content_sha256: string | null;
}

const PENDING = 'delivered_at IS NULL AND rejected_at IS NULL';

/** The lock key of an entity, the same text recordEvent hashes. */
export const entityKey = (row: Pick<OutboxRow, 'entity_type' | 'entity_id'>): string =>
  `${row.entity_type}:${row.entity_id}`;

/** Claims the oldest pending rows no other relay holds (row locks until the transaction ends). */
export async function claimPending(
  client: pg.PoolClient,
  limit: number,
  table = DEFAULT_OUTBOX_TABLE,
): Promise<OutboxRow[]> {
  // ORDER BY names the table's column: the bare name would be the text alias, which sorts '10' before '2'.
  // Only audit events are ever shortened: other tables (commands) have no truncation columns.
  const truncation =
    table === DEFAULT_OUTBOX_TABLE
      ? 'truncated, full_content_sha256'
      : 'false AS truncated, NULL AS full_content_sha256';
  const { rows } = await client.query<OutboxRow>(
    `SELECT id, "sequence"::text AS "sequence", type, entity_type, entity_id, owner_id, actor_id, actor_roles,
            service, request_id, occurred_at, changes, payload, ${truncation}
       FROM ${assertOutboxTable(table)} WHERE ${PENDING}
      ORDER BY ${table}."sequence" LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

/**
 * Keeps, per entity, only the rows that can be sent now without breaking the entity's order:
 * - another relay holds the entity (its transaction-level advisory lock): skip the entity;
 * - a writer is still inside a transaction that records events of the entity (recordEvent's shared lock):
 *   it may have taken a lower sequence that we cannot see yet, so skip the entity;
 * - an earlier pending event of the entity is not in this batch (locked by another relay, or committed since
 *   the claim): send only the rows before it.
 */
export async function orderSafeRows(
  client: pg.PoolClient,
  claimed: OutboxRow[],
  table = DEFAULT_OUTBOX_TABLE,
): Promise<OutboxRow[]> {
  if (!claimed.length) return [];
  assertOutboxTable(table);
  const keys = [...new Set(claimed.map(entityKey))];
  // free: true = ours to send (probe lock taken, released below), false = a writer is in flight, null = another
  // relay has the entity.
  const { rows: locks } = await client.query<{ key: string; free: boolean | null }>(
    `SELECT k.key, CASE WHEN pg_try_advisory_xact_lock(hashtextextended($3 || k.key, 0))
                        THEN pg_try_advisory_lock($2::int4, hashtext(k.key)) END AS free
       FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n) ORDER BY k.n`,
    [keys, OUTBOX_WRITER_LOCK, relayLockPrefix(table)],
  );
  const free = locks.filter((l) => l.free === true).map((l) => l.key);
  if (free.length) {
    // The probe only had to see that no writer was in flight. A writer that starts now takes a higher sequence.
    await client.query(`SELECT pg_advisory_unlock($2::int4, hashtext(k)) FROM unnest($1::text[]) AS k`, [
      free,
      OUTBOX_WRITER_LOCK,
    ]);
  }
  const freeKeys = new Set(free);
  const kept = claimed.filter((row) => freeKeys.has(entityKey(row)));
  if (!kept.length) return [];

  // A fresh snapshot (READ COMMITTED), taken after the probe: it sees every committed earlier event.
  const maxSequence = kept.reduce((max, r) => (BigInt(r.sequence) > max ? BigInt(r.sequence) : max), 0n);
  const { rows: gaps } = await client.query<{ entity_type: string; entity_id: string; first: string }>(
    `SELECT entity_type, entity_id, min("sequence")::text AS first
       FROM ${table}
      WHERE ${PENDING} AND "sequence" <= $1 AND NOT (id = ANY($2::uuid[]))
        AND entity_type || ':' || entity_id = ANY($3::text[])
      GROUP BY entity_type, entity_id`,
    [maxSequence.toString(), kept.map((r) => r.id), free],
  );
  const firstGap = new Map(gaps.map((g) => [JSON.stringify([g.entity_type, g.entity_id]), BigInt(g.first)]));
  return kept.filter((row) => {
    const gap = firstGap.get(JSON.stringify([row.entity_type, row.entity_id]));
    return gap === undefined || BigInt(row.sequence) < gap;
  });
}

export async function markDelivered(
  client: pg.PoolClient,
  ids: string[],
  table = DEFAULT_OUTBOX_TABLE,
): Promise<void> {
  if (!ids.length) return;
  await client.query(
    `UPDATE ${assertOutboxTable(table)} SET delivered_at = now() WHERE id = ANY($1::uuid[])`,
    [ids],
  );
}

/** Final: kept with the reason, never retried automatically. */
export async function markRejected(
  client: pg.PoolClient,
  rejected: { id: string; error: string }[],
  table = DEFAULT_OUTBOX_TABLE,
): Promise<void> {
  if (!rejected.length) return;
  await client.query(
    `UPDATE ${assertOutboxTable(table)} AS o SET rejected_at = now(), last_error = r.error
       FROM unnest($1::uuid[], $2::text[]) AS r(id, error) WHERE o.id = r.id`,
    [rejected.map((r) => r.id), rejected.map((r) => r.error)],
  );
}

/** A failed attempt: nothing is marked delivered; the events stay pending. */
export async function markAttemptFailed(
  client: pg.PoolClient,
  ids: string[],
  error: string,
  table = DEFAULT_OUTBOX_TABLE,
): Promise<void> {
  if (!ids.length) return;
  await client.query(
    `UPDATE ${assertOutboxTable(table)} SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`,
    [ids, error.slice(0, 1000)],
  );
}

export interface OutboxStats {
  pending: number;
  /** occurred_at of the oldest pending event, or null. */
  oldestPendingAt: Date | null;
  rejected: number;
}

export async function readStats(pool: pg.Pool, table = DEFAULT_OUTBOX_TABLE): Promise<OutboxStats> {
  const { rows } = await pool.query<{ pending: string; oldest: Date | null; rejected: string }>(
    `SELECT count(*) FILTER (WHERE ${PENDING}) AS pending,
            min(occurred_at) FILTER (WHERE ${PENDING}) AS oldest,
            count(*) FILTER (WHERE rejected_at IS NOT NULL) AS rejected
       FROM ${assertOutboxTable(table)} WHERE delivered_at IS NULL`,
  );
  const row = rows[0];
  return {
    pending: Number(row?.pending ?? 0),
    oldestPendingAt: row?.oldest ?? null,
    rejected: Number(row?.rejected ?? 0),
  };
}
