// Retention: events are kept for a configured number of days per entity type (counted from their receipt),
// then purged, but only from the oldest end of the chain: the purge stops at the first event not yet expired,
// so what remains is one contiguous run that verifies from the anchor (the last purged event's hash). The purge
// itself is recorded as an event in the chain (audit.purged).
import { Prisma } from '../../generated/prisma/audit/client.ts';
import {
  appendInTransaction,
  checkpointInTransaction,
  lockChainHead,
  ownAuditEvent,
} from './chain.service.ts';
import type { RetentionConfig } from './config.ts';
import type { AuditDeps } from './deps.ts';

export interface PurgeResult {
  /** Events deleted; 0 when nothing had expired (then nothing is recorded). */
  purgedCount: number;
  /** The new anchor: every event up to this sequence is gone. */
  purgedThroughSequence: number | null;
  anchorHash: string | null;
  /** Sequence of the audit.purged event. */
  eventSequence: number | null;
}

export interface PurgeOptions {
  /** Who runs the purge (a user id, or e.g. "cli:root"); recorded in the anchor and the event. */
  purgedBy: string;
  /** The user id, when a user runs it. */
  actorId?: string | null;
}

type Retention = Pick<RetentionConfig, 'retentionDays' | 'retentionOverrides'>;

/** Days to keep an event, as SQL over entity_type. */
function retentionDaysSql(retention: Retention): Prisma.Sql {
  const overrides = Object.entries(retention.retentionOverrides);
  if (!overrides.length) return Prisma.sql`${retention.retentionDays}::int`;
  const cases = overrides.map(([type, days]) => Prisma.sql`WHEN ${type} THEN ${days}::int`);
  return Prisma.sql`CASE entity_type ${Prisma.join(cases, ' ')} ELSE ${retention.retentionDays}::int END`;
}

export function createRetentionService(deps: AuditDeps, retention: Retention) {
  const { prisma } = deps;
  return {
    async purgeExpired(options: PurgeOptions): Promise<PurgeResult> {
      const now = deps.now();
      const result = await prisma.$transaction(
        async (tx) => {
          // Appends wait while we purge: the prefix and the tip cannot move under us.
          const head = await lockChainHead(tx);
          const [bounds] = await tx.$queryRaw<{ oldest: bigint | null; firstKept: bigint | null }[]>`
            SELECT (SELECT min(sequence) FROM audit_event) AS oldest,
              (SELECT min(sequence) FROM audit_event
                WHERE received_at >= ${now}::timestamptz - make_interval(days => ${retentionDaysSql(retention)})
              ) AS "firstKept"`;
          if (bounds?.oldest == null) return null;
          const through = bounds.firstKept == null ? head.sequence : BigInt(bounds.firstKept) - 1n;
          if (through < BigInt(bounds.oldest)) return null;

          const [purged] = await tx.$queryRaw<{ purgedCount: bigint; anchorHash: string }[]>`
            SELECT purged_count AS "purgedCount", anchor_hash AS "anchorHash"
            FROM audit_purge(${through}::bigint, ${options.purgedBy})`;
          const purgedCount = Number(purged!.purgedCount);
          const [appended] = await appendInTransaction(
            tx,
            deps,
            [
              ownAuditEvent({
                type: 'audit.purged',
                entityType: 'AuditLog',
                entityId: 'audit_event',
                ownerId: null,
                actorId: options.actorId ?? null,
                occurredAt: now,
                changes: {},
                payload: {
                  purgedThroughSequence: String(through),
                  purgedCount,
                  anchorHash: purged!.anchorHash,
                  purgedBy: options.purgedBy,
                  retentionDays: retention.retentionDays,
                  retentionOverrides: retention.retentionOverrides,
                },
              }),
            ],
            now,
          );
          // Sign at once: the audit.purged event that vouches for the new anchor is then covered by a checkpoint.
          await checkpointInTransaction(tx, deps);
          return {
            purgedCount,
            purgedThroughSequence: Number(through),
            anchorHash: purged!.anchorHash,
            eventSequence: Number(appended!.sequence),
          };
        },
        { maxWait: 10_000, timeout: 10 * 60_000 },
      );
      const outcome = result ?? {
        purgedCount: 0,
        purgedThroughSequence: null,
        anchorHash: null,
        eventSequence: null,
      };
      deps.log.info({ ...outcome, purgedBy: options.purgedBy }, 'audit retention purge');
      return outcome;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
