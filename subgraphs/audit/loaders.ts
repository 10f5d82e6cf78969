// DataLoaders, created per request. A page of 50 users each showing their audit trail resolves with two
// queries (the first N events per entity by a window function, and the counts), not 100.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../generated/prisma/audit/client.ts';
import { Prisma } from '../../generated/prisma/audit/client.ts';
import type { ReadScope } from './deps.ts';
import { toPage, type AuditEventPage } from './events.service.ts';
import { RECORD_COLUMNS, type AuditEventRecord } from './record.ts';

export interface TrailKey {
  entityType: string;
  entityId: string;
  first: number;
  /** Decoded cursor: events before this sequence. */
  before: bigint | null;
  scope: ReadScope;
}

const groupKey = (k: TrailKey) => JSON.stringify([k.entityType, k.first, String(k.before), k.scope.ownerId]);

async function loadTrails(prisma: PrismaClient, keys: readonly TrailKey[]): Promise<AuditEventPage[]> {
  const groups = new Map<string, TrailKey[]>();
  for (const key of keys) groups.set(groupKey(key), [...(groups.get(groupKey(key)) ?? []), key]);
  const pages = new Map<string, AuditEventPage>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const { entityType, first, before, scope } = group[0]!;
      const ids = [...new Set(group.map((k) => k.entityId))];
      const base = [Prisma.sql`entity_type = ${entityType}`, Prisma.sql`entity_id IN (${Prisma.join(ids)})`];
      if (scope.ownerId !== null) base.push(Prisma.sql`owner_id = ${scope.ownerId}`);
      const paged = before === null ? base : [...base, Prisma.sql`sequence < ${before}`];
      const [rows, counts] = await Promise.all([
        prisma.$queryRaw<(AuditEventRecord & { rank: bigint })[]>`
          SELECT * FROM (
            SELECT row_number() OVER (PARTITION BY entity_id ORDER BY sequence DESC) AS rank,
              ${RECORD_COLUMNS}
            FROM audit_event WHERE ${Prisma.join(paged, ' AND ')}
          ) ranked WHERE rank <= ${first + 1} ORDER BY "entityId", sequence DESC`,
        prisma.$queryRaw<{ entityId: string; count: bigint }[]>`
          SELECT entity_id AS "entityId", count(*) AS count FROM audit_event
          WHERE ${Prisma.join(base, ' AND ')} GROUP BY entity_id`,
      ]);
      const byEntity = new Map<string, AuditEventRecord[]>();
      for (const { rank: _rank, ...record } of rows) {
        byEntity.set(record.entityId, [...(byEntity.get(record.entityId) ?? []), record]);
      }
      const totals = new Map(counts.map((c) => [c.entityId, Number(c.count)]));
      for (const key of group) {
        pages.set(
          `${groupKey(key)}:${key.entityId}`,
          toPage(byEntity.get(key.entityId) ?? [], first, totals.get(key.entityId) ?? 0),
        );
      }
    }),
  );
  return keys.map((k) => pages.get(`${groupKey(k)}:${k.entityId}`)!);
}

export function createLoaders(prisma: PrismaClient) {
  return {
    trail: new DataLoader<TrailKey, AuditEventPage, string>((keys) => loadTrails(prisma, keys), {
      cacheKeyFn: (k) => `${groupKey(k)}:${k.entityId}`,
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
