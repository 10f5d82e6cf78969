// Exports as files: exportSamples and SampleAnalytics.exportTable check the request and sign a link
// (kit/export-link.ts) holding what the file is computed from, the caller's row rule included; GET on the link
// (mounted here, proxied by the router) computes the file then and streams it. See kit/export-link.ts for why
// nothing is stored.
//
//   /exports/samples/rows       the samples of a filter, in an order (export.ts's columns)
//   /exports/samples/analytics  one SampleAnalytics table over a range (analytics-export.ts)
//
// Bounded: at most config.exportMaxRows rows, checked when the link is made (BAD_USER_INPUT EXPORT_TOO_LARGE)
// and again when it is fetched (413 EXPORT_TOO_LARGE: more rows matched since), never a silently cut file. The
// samples are read as ids first (the set and order fixed at the start, a few MB at most), then in batches.
import type { Express } from 'express';
import type { AnalyticsTable, TurnaroundGroupBy } from '../../generated/graphql/samples.ts';
import type { Prisma } from '../../generated/prisma/samples/client.ts';
import { badUserInput } from '../kit/errors.ts';
import {
  createExportHandler,
  exportContentType,
  exportFilename,
  ExportRefusal,
  streamExport,
  type ExportFormat,
} from '../kit/export-link.ts';
import { ANALYTICS_TABLES } from './analytics-export.ts';
import type { AnalyticsRange, AnalyticsService } from './analytics.service.ts';
import type { Caller, SamplesDeps } from './deps.ts';
import { EXPORT_COLUMNS, toExportRecord } from './export.ts';
import {
  toSampleOrderBy,
  toSampleWhere,
  type DateRange,
  type SampleFilter,
  type SampleOrder,
} from './sample-filter.ts';

export const SAMPLES_EXPORT_PATH = '/exports/samples/rows';
export const ANALYTICS_EXPORT_PATH = '/exports/samples/analytics';

/** Samples read per statement while streaming. */
const BATCH = 500;

/** What a samples link is computed from (signed, so trusted as it comes back). */
interface SamplesLinkParams {
  kind: 'samples';
  /** Who asked (for the logs), and the row rule: null sees every sample, else only this owner's. */
  userId: string;
  ownerId: string | null;
  /** Dates as ISO strings (JSON); ranges already resolved, so `last: P30D` means the 30 days before the link. */
  filter: SampleFilter | null;
  orderBy: SampleOrder | null;
  format: ExportFormat;
  filename: string;
}

interface AnalyticsLinkParams {
  kind: 'analytics';
  userId: string;
  ownerId: string | null;
  from: string;
  to: string;
  table: AnalyticsTable;
  groupBy: TurnaroundGroupBy;
  format: ExportFormat;
  filename: string;
}

/** What the GraphQL fields return. */
export interface ExportLinkResult {
  url: string;
  expiresAt: Date;
  filename: string;
  format: ExportFormat;
  contentType: string;
}

const RANGE_FIELDS = ['created', 'due', 'received', 'completed'] as const;

/** A filter as it came back from the link's JSON: its range bounds are Dates again. */
function reviveFilter(filter: SampleFilter | null): SampleFilter | null {
  if (!filter) return null;
  const revived: SampleFilter = { ...filter };
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  for (const field of RANGE_FIELDS) {
    const range = filter[field] as { from?: unknown; to?: unknown } | null | undefined;
    if (range) revived[field] = { from: date(range.from), to: date(range.to) } satisfies DateRange;
  }
  return revived;
}

function tooLarge(count: string, max: number): ExportRefusal {
  return new ExportRefusal(
    413,
    'EXPORT_TOO_LARGE',
    `${count} rows match now; an export holds at most ${max}: ask for a narrower export`,
  );
}

export function createExportService(deps: SamplesDeps, analytics: AnalyticsService) {
  const { prisma, config, exportLinks } = deps;
  const max = config.exportMaxRows;

  const link = (path: string, params: SamplesLinkParams | AnalyticsLinkParams): ExportLinkResult => ({
    ...exportLinks.issue(path, params),
    filename: params.filename,
    format: params.format,
    contentType: exportContentType(params.format),
  });

  async function* sampleBatches(ids: string[], where: Prisma.SampleWhereInput) {
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      // The filter again: a sample that stopped matching (or changed owner) since the ids were read is left out.
      const rows = await prisma.sample.findMany({ where: { AND: [{ id: { in: batch } }, where] } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const id of batch) {
        const row = byId.get(id);
        if (row) yield toExportRecord(row);
      }
    }
  }

  return {
    /** exportSamples: a link to the matching samples' file; BAD_USER_INPUT when more than exportMaxRows match. */
    async linkSamples(
      caller: Caller,
      filter: SampleFilter | null,
      orderBy: SampleOrder | null | undefined,
      format: ExportFormat,
    ): Promise<ExportLinkResult & { count: number }> {
      const now = deps.now();
      const count = await prisma.sample.count({ where: toSampleWhere(filter, caller, now) });
      if (count > max) {
        throw badUserInput(`${count} samples match; an export holds at most ${max}: narrow the filter`, {
          field: 'filter',
          rule: 'EXPORT_TOO_LARGE',
          count,
          max,
        });
      }
      const params: SamplesLinkParams = {
        kind: 'samples',
        userId: caller.userId,
        ownerId: caller.ownerId,
        filter,
        orderBy: orderBy ?? null,
        format,
        filename: exportFilename('samples', format, now),
      };
      return { ...link(SAMPLES_EXPORT_PATH, params), count };
    },

    /** SampleAnalytics.exportTable: a link to one table over the range, with the range's row rule. */
    linkAnalyticsTable(
      caller: Caller,
      range: AnalyticsRange,
      table: AnalyticsTable,
      groupBy: TurnaroundGroupBy,
      format: ExportFormat,
    ): ExportLinkResult {
      const base = `sample-analytics-${ANALYTICS_TABLES[table].name}`;
      return link(ANALYTICS_EXPORT_PATH, {
        kind: 'analytics',
        userId: caller.userId,
        ownerId: range.scope.ownerId,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        table,
        groupBy,
        format,
        filename: exportFilename(base, format, deps.now()),
      });
    },

    /** GET on the links. */
    mount(app: Express) {
      app.get(
        SAMPLES_EXPORT_PATH,
        createExportHandler(exportLinks, deps.log, async (raw, res) => {
          const params = raw as SamplesLinkParams;
          if (params.kind !== 'samples') throw new ExportRefusal(403, 'LINK_INVALID', 'not a samples link');
          const caller: Caller = {
            userId: params.userId,
            roles: [],
            requestId: null,
            ownerId: params.ownerId,
          };
          const where = toSampleWhere(reviveFilter(params.filter), caller, deps.now());
          const ids = await prisma.sample.findMany({
            where,
            orderBy: toSampleOrderBy(params.orderBy),
            select: { id: true },
            take: max + 1,
          });
          if (ids.length > max) throw tooLarge(`more than ${max}`, max);
          await streamExport(res, {
            filename: params.filename,
            format: params.format,
            columns: EXPORT_COLUMNS,
            cells: (record) => EXPORT_COLUMNS.map((column) => record[column]),
            json: (record) => JSON.stringify(record),
            rows: sampleBatches(
              ids.map((row) => row.id),
              where,
            ),
          });
        }),
      );
      app.get(
        ANALYTICS_EXPORT_PATH,
        createExportHandler(exportLinks, deps.log, async (raw, res) => {
          const params = raw as AnalyticsLinkParams;
          const table = params.kind === 'analytics' ? ANALYTICS_TABLES[params.table] : undefined;
          if (!table) throw new ExportRefusal(403, 'LINK_INVALID', 'not an analytics link');
          const range: AnalyticsRange = {
            from: new Date(params.from),
            to: new Date(params.to),
            scope: { ownerId: params.ownerId },
          };
          const rows = await table.rows(analytics, range, params.groupBy);
          if (rows.length > max) throw tooLarge(String(rows.length), max);
          await streamExport(res, {
            filename: params.filename,
            format: params.format,
            columns: table.columns,
            cells: (record) => table.columns.map((column) => record[column]),
            json: (record) => JSON.stringify(record),
            rows: (async function* () {
              yield* rows;
            })(),
          });
        }),
      );
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
