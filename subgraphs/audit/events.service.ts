// Reading the log: filtered pages (newest first), counts grouped by action/actor/day/service, and bounded
// exports. One WHERE builder serves them all, so a filter (and a caller's row-level scope) means the same
// everywhere.
import { Prisma } from '../../generated/prisma/audit/client.ts';
import { badUserInput } from '../kit/errors.ts';
import type { AuditDeps, ReadScope } from './deps.ts';
import type { Express } from 'express';
import {
  createExportHandler,
  exportContentType,
  exportFilename,
  ExportRefusal,
  streamExport,
  type ExportFormat,
  type ExportLinks,
} from '../kit/export-link.ts';
import { eventCells, eventJson, EXPORT_COLUMNS } from './export.ts';
import { RECORD_COLUMNS, type AuditEventRecord } from './record.ts';

export interface AuditEventFilter {
  entityType?: string | null;
  entityId?: string | null;
  actorId?: string | null;
  /** The event type. */
  action?: string | null;
  service?: string | null;
  /** occurredAt >= from */
  from?: Date | null;
  /** occurredAt < to */
  to?: Date | null;
  /** Case-insensitive substring of type, entity id, changes or payload. */
  text?: string | null;
}

export interface AuditEventPage {
  edges: { cursor: string; node: AuditEventRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export type StatsGroupBy = 'ACTION' | 'ACTOR' | 'DAY' | 'SERVICE';

export const MAX_PAGE_SIZE = 100;
const MAX_FILTER_LENGTH = 200;
const EXPORT_BATCH = 2000;

/** GET on exportAuditEvents' links (through the router's /exports/audit proxy). */
export const AUDIT_EXPORT_PATH = '/exports/audit/events';

/** What an audit export link is computed from (signed, so trusted as it comes back). */
interface AuditLinkParams {
  kind: 'audit';
  userId: string;
  scope: ReadScope;
  /** Dates as ISO strings (JSON), ranges resolved when the link was made. */
  filter: AuditEventFilter;
  /** The chain head when the link was made, decimal: the file is the log as of then. */
  upTo: string;
  format: ExportFormat;
  filename: string;
}

/** What exportAuditEvents returns. */
export interface AuditExportLink {
  url: string;
  expiresAt: Date;
  filename: string;
  format: ExportFormat;
  contentType: string;
  count: number;
}

const revive = (filter: AuditEventFilter): AuditEventFilter => ({
  ...filter,
  from: filter.from ? new Date(filter.from) : null,
  to: filter.to ? new Date(filter.to) : null,
});

/** A page size within bounds, or BAD_USER_INPUT. */
export function assertPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, { field: 'first', rule: 'PAGE_SIZE' });
  }
  return first;
}

/** Cursors are the event's sequence, in decimal. */
export function decodeCursor(after: string | null | undefined): bigint | null {
  if (after == null) return null;
  if (!/^\d{1,18}$/.test(after))
    throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
  return BigInt(after);
}

/** A connection from rows fetched with one extra (which only says whether there is a next page). */
export function toPage(rows: AuditEventRecord[], first: number, totalCount: number): AuditEventPage {
  const edges = rows.slice(0, first).map((node) => ({ cursor: String(node.sequence), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `WHERE ...` for a filter within a caller's scope (`ownerId` set: only that owner's events). */
export function whereSql(filter: AuditEventFilter, scope: ReadScope, extra: Prisma.Sql[] = []): Prisma.Sql {
  const conditions: Prisma.Sql[] = [...extra];
  const equals: [keyof AuditEventFilter, string][] = [
    ['entityType', 'entity_type'],
    ['entityId', 'entity_id'],
    ['actorId', 'actor_id'],
    ['action', 'type'],
    ['service', 'service'],
  ];
  for (const [field, column] of equals) {
    const value = filter[field];
    if (value == null) continue;
    if (typeof value !== 'string' || value.length > MAX_FILTER_LENGTH) {
      throw badUserInput(`${field} is too long`, { field, rule: 'FILTER_LENGTH' });
    }
    conditions.push(Prisma.sql`${Prisma.raw(column)} = ${value}`);
  }
  if (filter.from) conditions.push(Prisma.sql`occurred_at >= ${filter.from}`);
  if (filter.to) conditions.push(Prisma.sql`occurred_at < ${filter.to}`);
  const text = filter.text?.trim();
  if (text) {
    if (text.length > MAX_FILTER_LENGTH) {
      throw badUserInput('text is too long', { field: 'text', rule: 'FILTER_LENGTH' });
    }
    const pattern = `%${escapeLike(text)}%`;
    conditions.push(Prisma.sql`(type ILIKE ${pattern} OR entity_id ILIKE ${pattern}
      OR changes::text ILIKE ${pattern} OR coalesce(payload::text, '') ILIKE ${pattern})`);
  }
  if (scope.ownerId !== null) conditions.push(Prisma.sql`owner_id = ${scope.ownerId}`);
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

const STATS_KEYS: Record<StatsGroupBy, Prisma.Sql> = {
  ACTION: Prisma.sql`type`,
  ACTOR: Prisma.sql`actor_id`,
  DAY: Prisma.sql`to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  SERVICE: Prisma.sql`service`,
};

export function createEventsService(
  deps: AuditDeps,
  options: { exportMaxRows: number; exportLinks: ExportLinks },
) {
  const { prisma } = deps;

  /** The matching events up to `upTo`, oldest first, read in batches as the file is written. */
  async function* exportRows(filter: AuditEventFilter, scope: ReadScope, upTo: bigint) {
    const head = Prisma.sql`sequence <= ${upTo}`;
    for (let after = 0n; ;) {
      const batch = await prisma.$queryRaw<AuditEventRecord[]>`
        SELECT ${RECORD_COLUMNS} FROM audit_event
        ${whereSql(filter, scope, [head, Prisma.sql`sequence > ${after}`])}
        ORDER BY sequence LIMIT ${EXPORT_BATCH}`;
      yield* batch;
      if (batch.length < EXPORT_BATCH) return;
      after = BigInt(batch.at(-1)!.sequence);
    }
  }

  async function count(where: Prisma.Sql): Promise<number> {
    const [row] = await prisma.$queryRaw<
      { count: bigint }[]
    >`SELECT count(*) AS count FROM audit_event ${where}`;
    return Number(row?.count ?? 0);
  }

  return {
    async list(
      filter: AuditEventFilter,
      scope: ReadScope,
      first: number,
      after: string | null | undefined,
    ): Promise<AuditEventPage> {
      assertPageSize(first);
      const cursor = decodeCursor(after);
      const page = whereSql(filter, scope, cursor === null ? [] : [Prisma.sql`sequence < ${cursor}`]);
      const [rows, totalCount] = await Promise.all([
        prisma.$queryRaw<AuditEventRecord[]>`
          SELECT ${RECORD_COLUMNS} FROM audit_event ${page} ORDER BY sequence DESC LIMIT ${first + 1}`,
        count(whereSql(filter, scope)),
      ]);
      return toPage(rows, first, totalCount);
    },

    /** Counts over occurredAt in [from, to); DAY ascending, the others by count descending. */
    async stats(
      range: { from?: Date | null; to?: Date | null },
      groupBy: StatsGroupBy,
    ): Promise<{ key: string | null; count: number }[]> {
      const key = STATS_KEYS[groupBy];
      const order = groupBy === 'DAY' ? Prisma.sql`1` : Prisma.sql`2 DESC, 1`;
      const rows = await prisma.$queryRaw<{ key: string | null; count: bigint }[]>`
        SELECT ${key} AS key, count(*) AS count FROM audit_event
        ${whereSql({ from: range.from, to: range.to }, { ownerId: null })}
        GROUP BY 1 ORDER BY ${order}`;
      return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
    },

    /**
     * A link to the matching events' file, oldest first, as of the chain head now (events appended later are
     * left out); BAD_USER_INPUT when more than exportMaxRows match.
     */
    async linkExport(
      filter: AuditEventFilter,
      format: ExportFormat,
      scope: ReadScope,
      userId: string,
    ): Promise<AuditExportLink> {
      const head = await prisma.auditChainHead.findUnique({ where: { id: 1 } });
      const upTo = head?.sequence ?? 0n;
      const total = await count(whereSql(filter, scope, [Prisma.sql`sequence <= ${upTo}`]));
      if (total > options.exportMaxRows) {
        throw badUserInput(
          `${total} events match; an export holds at most ${options.exportMaxRows}: narrow the filter`,
          { field: 'filter', rule: 'EXPORT_TOO_LARGE', count: total, max: options.exportMaxRows },
        );
      }
      const params: AuditLinkParams = {
        kind: 'audit',
        userId,
        scope,
        filter,
        upTo: String(upTo),
        format,
        filename: exportFilename('audit-events', format, deps.now()),
      };
      return {
        ...options.exportLinks.issue(AUDIT_EXPORT_PATH, params),
        filename: params.filename,
        format,
        contentType: exportContentType(format),
        count: total,
      };
    },

    /** GET on the links: the file, streamed in batches. The count was checked when the link was made. */
    mountExport(app: Express) {
      app.get(
        AUDIT_EXPORT_PATH,
        createExportHandler(options.exportLinks, deps.log, async (raw, res) => {
          const params = raw as AuditLinkParams;
          if (params.kind !== 'audit' || !/^\d{1,19}$/.test(params.upTo)) {
            throw new ExportRefusal(403, 'LINK_INVALID', 'not an audit export link');
          }
          await streamExport(res, {
            filename: params.filename,
            format: params.format,
            columns: EXPORT_COLUMNS,
            cells: eventCells,
            json: eventJson,
            rows: exportRows(revive(params.filter), params.scope, BigInt(params.upTo)),
          });
        }),
      );
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
