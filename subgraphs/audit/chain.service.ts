// The hash chain: appending events (one writer at a time, so the chain never forks) and verifying it.
// Every append runs in one transaction that locks the chain head row, reads the tip, inserts the events with
// consecutive sequences, each hashed over its predecessor's hash, and moves the tip. A failed transaction
// leaves no trace, so sequences stay gapless. Signed checkpoints (checkpoint.ts) are made in the same
// transaction whenever one is due, and verification checks them.
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/audit/client.ts';
import { Prisma as P } from '../../generated/prisma/audit/client.ts';
import { badUserInput } from '../kit/errors.ts';
import { eventHash, GENESIS_HASH, type ChainedContent } from './canonical.ts';
import {
  checkpointAtOrBefore,
  checkpointsBetween,
  insertCheckpoints,
  nextDue,
  type Checkpoint,
} from './checkpoint.ts';
import { SERVICE_NAME, type AuditDeps } from './deps.ts';
import { RECORD_COLUMNS, type AuditEventRecord } from './record.ts';
import { fanOutWebhooks } from './webhook-fanout.ts';

/** An event as ingested: everything but its place in the chain and its time of receipt. */
export type NewAuditEvent = Omit<ChainedContent, 'sequence' | 'prevHash' | 'receivedAt'>;

/**
 * An event the audit subgraph records about its own changes (webhook subscriptions, purges): its own id and
 * service, whole (never truncated), with no source sequence. Without an actor it is the system's doing.
 */
export function ownAuditEvent(
  event: Pick<
    NewAuditEvent,
    'type' | 'entityType' | 'entityId' | 'ownerId' | 'changes' | 'payload' | 'occurredAt'
  > &
    Partial<Pick<NewAuditEvent, 'actorId' | 'actorRoles' | 'requestId'>>,
): NewAuditEvent {
  return {
    eventId: randomUUID(),
    actorId: null,
    actorRoles: [],
    requestId: null,
    service: SERVICE_NAME,
    truncated: false,
    fullContentSha256: null,
    sourceSequence: null,
    ...event,
  };
}

export interface AppendResult {
  eventId: string;
  status: 'stored' | 'duplicate';
  sequence: bigint;
}

const TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/** Locks and returns the chain tip; held until the transaction ends. */
export async function lockChainHead(
  tx: Prisma.TransactionClient,
): Promise<{ sequence: bigint; hash: string }> {
  const rows = await tx.$queryRaw<{ sequence: bigint; hash: string }[]>`
    SELECT sequence, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE`;
  const head = rows[0];
  if (!head) throw new Error('audit_chain_head has no row: the audit database is not migrated');
  return { sequence: BigInt(head.sequence), hash: head.hash };
}

/**
 * The time of receipt of events appended after the tip: `now`, or the tip's own time when that is later. Several
 * audit processes append to one chain, each with its own clock (another host's may run behind) and each taking
 * `now` before it waits for the head lock; without this, time would go back along the chain.
 */
async function notBeforeTip(tx: Prisma.TransactionClient, tip: bigint, now: Date): Promise<Date> {
  const rows = await tx.$queryRaw<{ receivedAt: Date }[]>`
    SELECT received_at AS "receivedAt" FROM audit_event WHERE sequence = ${tip}`;
  const tipAt = rows[0]?.receivedAt;
  return tipAt && tipAt > now ? tipAt : now;
}

/**
 * Appends inside the caller's transaction (which must not have locked anything the chain needs), signing a
 * checkpoint at each event where one falls due. `now` becomes the events' time of receipt, unless the tip was
 * received later (notBeforeTip).
 */
export async function appendInTransaction(
  tx: Prisma.TransactionClient,
  deps: Pick<AuditDeps, 'checkpoints'>,
  events: readonly NewAuditEvent[],
  now: Date,
): Promise<AppendResult[]> {
  const head = await lockChainHead(tx);
  const receivedAt = await notBeforeTip(tx, head.sequence, now);
  let due = nextDue(await checkpointAtOrBefore(tx), deps.checkpoints.every);
  const checkpoints: Checkpoint[] = [];
  const ids = [...new Set(events.map((e) => e.eventId))];
  const stored = ids.length
    ? await tx.$queryRaw<{ eventId: string; sequence: bigint }[]>`
        SELECT event_id::text AS "eventId", sequence FROM audit_event WHERE event_id IN (${P.join(ids.map((id) => P.sql`${id}::uuid`))})`
    : [];
  const known = new Map(stored.map((r) => [r.eventId, BigInt(r.sequence)]));

  let { sequence, hash } = head;
  const results: AppendResult[] = [];
  const rows: Prisma.AuditEventCreateManyInput[] = [];
  for (const event of events) {
    const existing = known.get(event.eventId);
    if (existing !== undefined) {
      results.push({ eventId: event.eventId, status: 'duplicate', sequence: existing });
      continue;
    }
    sequence += 1n;
    const content: ChainedContent = { ...event, sequence, prevHash: hash, receivedAt };
    hash = eventHash(content);
    if (sequence >= due) {
      const interval = deps.checkpoints.every;
      checkpoints.push(deps.checkpoints.sign({ sequence, hash, signedAt: receivedAt, interval }));
      due = sequence + BigInt(interval);
    }
    known.set(event.eventId, sequence);
    results.push({ eventId: event.eventId, status: 'stored', sequence });
    rows.push({
      ...content,
      actorRoles: [...content.actorRoles],
      changes: content.changes as Prisma.InputJsonValue,
      payload: content.payload === null ? P.DbNull : (content.payload as Prisma.InputJsonValue),
      hash,
    });
  }
  if (rows.length) {
    await tx.auditEvent.createMany({ data: rows });
    await tx.auditChainHead.update({ where: { id: 1 }, data: { sequence, hash } });
    await insertCheckpoints(tx, checkpoints);
    await fanOutWebhooks(tx, head.sequence, sequence, receivedAt);
  }
  return results;
}

/**
 * Signs the chain head as a checkpoint unless the newest checkpoint already covers it (timer, start, purge).
 * Returns the new checkpoint's sequence, or null when there was nothing new.
 */
export async function checkpointInTransaction(
  tx: Prisma.TransactionClient,
  deps: Pick<AuditDeps, 'checkpoints' | 'now'>,
): Promise<bigint | null> {
  const head = await lockChainHead(tx);
  const last = await checkpointAtOrBefore(tx);
  if (head.sequence === 0n || (last && last.sequence >= head.sequence)) return null;
  const { sequence, hash } = head;
  const checkpoint = deps.checkpoints.sign({
    sequence,
    hash,
    signedAt: deps.now(),
    interval: deps.checkpoints.every,
  });
  await insertCheckpoints(tx, [checkpoint]);
  return sequence;
}

export interface ChainVerification {
  intact: boolean;
  checkedFrom: number | null;
  checkedTo: number | null;
  checked: number;
  firstBrokenSequence: number | null;
  reason: string | null;
  /**
   * The newest signed checkpoint the checked range passed through. Events after it are protected by the hash
   * chain only: a database owner could rewrite them and recompute the hashes.
   */
  lastSignedSequence: number | null;
}

export const VERIFY_BATCH_SIZE = 1000;

export function createChainService(deps: AuditDeps, options: { batchSize?: number } = {}) {
  const { prisma } = deps;
  const batchSize = options.batchSize ?? VERIFY_BATCH_SIZE;

  async function readBatch(after: bigint, through: bigint): Promise<AuditEventRecord[]> {
    return prisma.$queryRaw<AuditEventRecord[]>`
      SELECT ${RECORD_COLUMNS} FROM audit_event
      WHERE sequence > ${after} AND sequence <= ${through}
      ORDER BY sequence LIMIT ${batchSize}`;
  }

  return {
    /** Appends a batch in its own transaction; duplicates (by event id) are acknowledged, not stored. */
    append(events: readonly NewAuditEvent[]): Promise<AppendResult[]> {
      return prisma.$transaction((tx) => appendInTransaction(tx, deps, events, deps.now()), TRANSACTION);
    },

    /** Signs a checkpoint at the chain head if it moved since the newest one (timer, start). */
    async checkpoint(): Promise<bigint | null> {
      const sequence = await prisma.$transaction((tx) => checkpointInTransaction(tx, deps), TRANSACTION);
      if (sequence !== null) deps.log.info({ sequence: String(sequence) }, 'audit checkpoint signed');
      return sequence;
    },

    /**
     * Recomputes every hash in [from, to] (default: from the latest retention anchor to the tip), batch by
     * batch, and checks each event links to its predecessor. Stops at the first break.
     */
    async verify(range: { from?: number | null; to?: number | null } = {}): Promise<ChainVerification> {
      for (const [field, value] of Object.entries(range)) {
        if (value != null && (!Number.isSafeInteger(value) || value < 1)) {
          throw badUserInput(`${field} must be a positive sequence`, { field, rule: 'SEQUENCE' });
        }
      }
      const [anchor, head] = await Promise.all([
        prisma.auditAnchor.findFirst({ orderBy: { purgedThroughSequence: 'desc' } }),
        prisma.auditChainHead.findUnique({ where: { id: 1 } }),
      ]);
      if (!head) throw new Error('audit_chain_head has no row: the audit database is not migrated');
      const start = anchor ? anchor.purgedThroughSequence + 1n : 1n;
      const first = range.from != null && BigInt(range.from) > start ? BigInt(range.from) : start;
      const last = range.to != null && BigInt(range.to) < head.sequence ? BigInt(range.to) : head.sequence;
      const result = (
        checked: number,
        to: bigint | null,
        broken?: { sequence: bigint; reason: string },
      ): ChainVerification => ({
        intact: !broken,
        checkedFrom: checked || broken ? Number(first) : null,
        checkedTo: to === null ? null : Number(to),
        checked,
        firstBrokenSequence: broken ? Number(broken.sequence) : null,
        reason: broken?.reason ?? null,
        lastSignedSequence: lastSigned === null ? null : Number(lastSigned),
      });
      let lastSigned: bigint | null = null;
      if (first > last) return result(0, null);

      if (anchor && first === start) {
        const announced = await prisma.$queryRaw<unknown[]>`
          SELECT 1 FROM audit_event WHERE type = 'audit.purged' AND sequence > ${anchor.purgedThroughSequence}
            AND payload->>'purgedThroughSequence' = ${String(anchor.purgedThroughSequence)}
            AND payload->>'anchorHash' = ${anchor.hash}
          LIMIT 1`;
        if (!announced.length) {
          return result(0, null, {
            sequence: start,
            reason: 'retention anchor not announced by an audit.purged event',
          });
        }
      }
      // The checkpoint before the range: the first one inside it must come within its signed interval.
      let previous = await checkpointAtOrBefore(prisma, first - 1n);

      let prevHash = anchor?.hash ?? GENESIS_HASH;
      if (first > start) {
        const before = await prisma.auditEvent.findUnique({
          where: { sequence: first - 1n },
          select: { hash: true },
        });
        if (!before) return result(0, null, { sequence: first - 1n, reason: 'sequence gap: event missing' });
        prevHash = before.hash;
      }

      let expected = first;
      let checked = 0;
      for (;;) {
        const batch = await readBatch(expected - 1n, last);
        const through = batch.length ? BigInt(batch[batch.length - 1]!.sequence) : expected - 1n;
        const checkpoints = new Map(
          (await checkpointsBetween(prisma, expected - 1n, through)).map((c) => [c.sequence, c]),
        );
        for (const record of batch) {
          const sequence = BigInt(record.sequence);
          if (sequence !== expected) {
            return result(checked, expected - 1n, {
              sequence: expected,
              reason: 'sequence gap: event missing',
            });
          }
          if (eventHash({ ...record, sequence }) !== record.hash) {
            return result(checked, expected - 1n, { sequence, reason: 'hash mismatch: content altered' });
          }
          if (record.prevHash !== prevHash) {
            return result(checked, expected - 1n, {
              sequence,
              reason: 'prev_hash does not match the previous event',
            });
          }
          if (previous && sequence > previous.sequence + BigInt(previous.interval)) {
            return result(checked, expected - 1n, {
              sequence: previous.sequence + BigInt(previous.interval),
              reason: `signed checkpoint missing: one is due every ${previous.interval} events`,
            });
          }
          const checkpoint = checkpoints.get(sequence);
          if (checkpoint) {
            if (!deps.checkpoints.verify(checkpoint)) {
              return result(checked, expected - 1n, {
                sequence,
                reason: 'checkpoint signature invalid or by an unknown key',
              });
            }
            if (checkpoint.hash !== record.hash) {
              return result(checked, expected - 1n, {
                sequence,
                reason: `chain differs from the signed checkpoint: an event after ${previous?.sequence ?? 0} was rewritten`,
              });
            }
            previous = checkpoint;
            lastSigned = sequence;
          }
          prevHash = record.hash;
          expected += 1n;
          checked += 1;
        }
        if (batch.length < batchSize || expected > last) break;
      }
      if (expected <= last) {
        return result(checked, expected - 1n, { sequence: expected, reason: 'sequence gap: event missing' });
      }
      if (last === head.sequence && prevHash !== head.hash) {
        return result(checked, last, { sequence: last, reason: 'chain head does not match the last event' });
      }
      if (!previous && last >= BigInt(deps.checkpoints.every) && !(await checkpointAtOrBefore(prisma))) {
        // Every checkpoint is gone (they are never deleted otherwise) where at least one was due.
        return result(checked, last, {
          sequence: BigInt(deps.checkpoints.every),
          reason: 'signed checkpoint missing: none at all',
        });
      }
      return result(checked, last);
    },
  };
}

export type ChainService = ReturnType<typeof createChainService>;
