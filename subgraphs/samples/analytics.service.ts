// Sample analytics over a date range [from, to). Every figure is one SQL aggregate (percentile_cont, avg,
// count ... FILTER) run in PostgreSQL, so the cost does not grow with the rows loaded into Node; each is computed
// only when asked for. Times are UTC throughout: every truncation to a week or month says AT TIME ZONE 'UTC' so
// the answer does not depend on the session's time zone.
import { Prisma, type FlowCellFormat } from '../../generated/prisma/samples/client.ts';
import { badUserInput } from '../kit/errors.ts';
import type { SamplesDeps } from './deps.ts';
import { STAGE_NOMINAL_HOURS, type Stage } from './stages.ts';
import { CLOSED_STATUSES, roundHours } from './turnaround.ts';

/** What every analytics figure is computed over; `ownerId` set: only that owner's samples (a SUBMITTER). */
export interface AnalyticsRange {
  from: Date;
  to: Date;
  scope: { ownerId: string | null };
}

export interface DurationStats {
  count: number;
  meanHours: number | null;
  p50Hours: number | null;
  p90Hours: number | null;
}

export type TurnaroundGroupBy = 'PRIORITY' | 'KIT' | 'MONTH';

export const MEASURES = [
  'VOLUME_UL',
  'QUBIT_NG_PER_UL',
  'NANODROP_NG_PER_UL',
  'CONCENTRATION_NG_PER_UL',
  'TOTAL_NG',
  'A260_280',
  'A260_230',
] as const;
export type Measure = (typeof MEASURES)[number];

export interface MeasurementDistribution {
  measure: Measure;
  count: number;
  min: number | null;
  p10: number | null;
  p50: number | null;
  p90: number | null;
  max: number | null;
  mean: number | null;
}

/** Longest range one request may aggregate over, in calendar years. */
export const MAX_RANGE_YEARS = 5;

/** The range of Query.sampleAnalytics, or BAD_USER_INPUT naming `to` when it is empty, reversed or too long. */
export function parseAnalyticsRange(from: Date, to: Date, ownerId: string | null): AnalyticsRange {
  if (!(from.getTime() < to.getTime())) {
    throw badUserInput('to must be after from', { field: 'to', rule: 'RANGE_ORDER' });
  }
  const limit = new Date(from);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_RANGE_YEARS);
  if (to.getTime() > limit.getTime()) {
    throw badUserInput(`to must be at most ${MAX_RANGE_YEARS} years after from`, {
      field: 'to',
      rule: 'RANGE_TOO_LONG',
    });
  }
  return { from, to, scope: { ownerId } };
}

// An ISO string, not a Date: the driver adapter sends a Date as a zoneless wall-clock time, which PostgreSQL
// would read in the session's time zone.
const timestamp = (date: Date) => Prisma.sql`${date.toISOString()}::timestamptz`;

/** `column` in [from, to). */
function inRange(column: Prisma.Sql, range: AnalyticsRange): Prisma.Sql {
  return Prisma.sql`${column} >= ${timestamp(range.from)} AND ${column} < ${timestamp(range.to)}`;
}

/** `AND <samples column> = owner` for a SUBMITTER; nothing for anyone else. */
function ownedBy(ownerColumn: Prisma.Sql, range: AnalyticsRange): Prisma.Sql {
  const { ownerId } = range.scope;
  return ownerId === null ? Prisma.empty : Prisma.sql`AND ${ownerColumn} = ${ownerId}::uuid`;
}

/** count, mean, p50 and p90 of `hours` (a float8 expression); mean and percentiles are null over no rows. */
function durationColumns(hours: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`count(${hours})::int AS count, avg(${hours}) AS "meanHours",
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours}) AS "p50Hours",
    percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hours}) AS "p90Hours"`;
}

/** Stats as the API shows them: hours to 0.1 h (turnaround.ts's roundHours). */
const rounded = (stats: DurationStats): DurationStats => ({
  count: stats.count,
  meanHours: roundHours(stats.meanHours),
  p50Hours: roundHours(stats.p50Hours),
  p90Hours: roundHours(stats.p90Hours),
});

const TURNAROUND_HOURS = Prisma.sql`(extract(epoch FROM s.completed_at - s.received_at) / 3600)::float8`;

/** The key of each grouping, and the order of its groups (PRIORITY in queue order, the others by key). */
const TURNAROUND_KEYS: Record<TurnaroundGroupBy, { key: Prisma.Sql; order: Prisma.Sql }> = {
  PRIORITY: { key: Prisma.sql`s.priority`, order: Prisma.sql`s.priority` },
  KIT: {
    key: Prisma.sql`coalesce(s.library_kit, 'UNKNOWN')`,
    order: Prisma.sql`coalesce(s.library_kit, 'UNKNOWN') COLLATE "C"`,
  },
  MONTH: {
    key: Prisma.sql`to_char(s.completed_at AT TIME ZONE 'UTC', 'YYYY-MM')`,
    order: Prisma.sql`to_char(s.completed_at AT TIME ZONE 'UTC', 'YYYY-MM')`,
  },
};

/** Statuses in which a sample no longer takes the lab's time. */
const CLOSED = Prisma.sql`(${Prisma.join([...CLOSED_STATUSES])})`;

/** Each Measure as a column expression of `sample s`; CONCENTRATION and TOTAL_NG as measurements.ts derives them. */
const MEASURE_VALUES: Record<Measure, Prisma.Sql> = {
  VOLUME_UL: Prisma.sql`s.volume_ul`,
  QUBIT_NG_PER_UL: Prisma.sql`s.qubit_ng_per_ul`,
  NANODROP_NG_PER_UL: Prisma.sql`s.nanodrop_ng_per_ul`,
  CONCENTRATION_NG_PER_UL: Prisma.sql`coalesce(s.qubit_ng_per_ul, s.nanodrop_ng_per_ul)`,
  TOTAL_NG: Prisma.sql`coalesce(s.qubit_ng_per_ul, s.nanodrop_ng_per_ul) * s.volume_ul`,
  A260_280: Prisma.sql`s.a260_280`,
  A260_230: Prisma.sql`s.a260_230`,
};

const emptyDistribution = (measure: Measure): MeasurementDistribution => ({
  measure,
  count: 0,
  min: null,
  p10: null,
  p50: null,
  p90: null,
  max: null,
  mean: null,
});

export function createAnalyticsService(deps: SamplesDeps) {
  const { prisma } = deps;
  // stageTimes and bottleneckStage read the same aggregate: one statement per request (the range object is the
  // request's, so the cache goes with it).
  const stageTimesByRange = new WeakMap<AnalyticsRange, Promise<{ stage: Stage; stats: DurationStats }[]>>();

  async function queryStageTimes(range: AnalyticsRange) {
    const hours = Prisma.sql`(h.time_in_stage_ms / 3600000)::float8`;
    return prisma.$queryRaw<({ stage: Stage } & DurationStats)[]>`
      SELECT h.from_stage::text AS stage, ${durationColumns(hours)}
      FROM sample_history h
      WHERE h.from_stage IS NOT NULL AND h.time_in_stage_ms IS NOT NULL AND ${inRange(Prisma.sql`h.at`, range)}
        ${ownedBy(Prisma.sql`(SELECT owner_id FROM sample WHERE id = h.sample_id)`, range)}
      GROUP BY h.from_stage ORDER BY h.from_stage`;
  }

  async function rawStageTimes(range: AnalyticsRange) {
    let result = stageTimesByRange.get(range);
    if (!result) {
      // Unrounded: bottleneckStage compares them; stageTimes rounds what it returns.
      result = queryStageTimes(range).then((rows) => rows.map(({ stage, ...stats }) => ({ stage, stats })));
      stageTimesByRange.set(range, result);
    }
    return result;
  }

  return {
    /** Received -> completed, in hours, of the samples completed in the range, per group (groups sorted). */
    async turnaround(range: AnalyticsRange, groupBy: TurnaroundGroupBy) {
      const { key, order } = TURNAROUND_KEYS[groupBy];
      const rows = await prisma.$queryRaw<({ key: string } & DurationStats)[]>`
        SELECT ${key}::text AS key, ${durationColumns(TURNAROUND_HOURS)}
        FROM sample s
        WHERE ${inRange(Prisma.sql`s.completed_at`, range)} AND s.received_at IS NOT NULL
          ${ownedBy(Prisma.sql`s.owner_id`, range)}
        GROUP BY ${key} ORDER BY ${order}`;
      return rows.map(({ key, ...stats }) => ({ key, stats: rounded(stats) }));
    },

    async turnaroundOverall(range: AnalyticsRange): Promise<DurationStats> {
      const [row] = await prisma.$queryRaw<DurationStats[]>`
        SELECT ${durationColumns(TURNAROUND_HOURS)}
        FROM sample s
        WHERE ${inRange(Prisma.sql`s.completed_at`, range)} AND s.received_at IS NOT NULL
          ${ownedBy(Prisma.sql`s.owner_id`, range)}`;
      return rounded(row!);
    },

    /** Hours spent in each stage, over the moves that left (or restarted) it in the range; workflow order. */
    async stageTimes(range: AnalyticsRange) {
      return (await rawStageTimes(range)).map(({ stage, stats }) => ({ stage, stats: rounded(stats) }));
    },

    /** The stage whose median time is the largest multiple of its nominal hours; null with no data. */
    async bottleneckStage(range: AnalyticsRange): Promise<Stage | null> {
      let worst: { stage: Stage; ratio: number } | null = null;
      for (const { stage, stats } of await rawStageTimes(range)) {
        const ratio = (stats.p50Hours ?? 0) / STAGE_NOMINAL_HOURS[stage];
        // Strictly greater: on a tie the earlier stage in the workflow is named.
        if (!worst || ratio > worst.ratio) worst = { stage, ratio };
      }
      return worst?.stage ?? null;
    },

    /** Receptions and completions per ISO week (Monday 00:00 UTC), every week of the range, zero-filled. */
    async weeklyThroughput(range: AnalyticsRange) {
      const week = (column: Prisma.Sql) => Prisma.sql`date_trunc('week', ${column} AT TIME ZONE 'UTC')`;
      const perWeek = (column: Prisma.Sql) => Prisma.sql`
        SELECT ${week(column)} AS week, count(*)::int AS n FROM sample s
        WHERE ${inRange(column, range)} ${ownedBy(Prisma.sql`s.owner_id`, range)} GROUP BY 1`;
      // The last week is the one holding the last instant before `to` (timestamptz counts in microseconds).
      const lastInstant = Prisma.sql`(${timestamp(range.to)} - interval '1 microsecond')`;
      return prisma.$queryRaw<{ weekStart: Date; received: number; completed: number }[]>`
        WITH weeks AS (
          SELECT generate_series(${week(timestamp(range.from))}, ${week(lastInstant)}, interval '1 week') AS week
        ),
        received AS (${perWeek(Prisma.sql`s.received_at`)}),
        completed AS (${perWeek(Prisma.sql`s.completed_at`)})
        -- A UTC wall-clock timestamp, read as UTC: a timestamptz would come back in the session's time zone.
        SELECT weeks.week AS "weekStart",
          coalesce(received.n, 0) AS received, coalesce(completed.n, 0) AS completed
        FROM weeks
        LEFT JOIN received ON received.week = weeks.week
        LEFT JOIN completed ON completed.week = weeks.week
        ORDER BY weeks.week`;
    },

    /** QC records made in the range, per QC stage in workflow order. */
    async qcPassRates(range: AnalyticsRange) {
      const rows = await prisma.$queryRaw<
        { stage: Stage; recorded: number; passed: number; conditional: number; failed: number }[]
      >`
        SELECT h.from_stage::text AS stage, count(*)::int AS recorded,
          count(*) FILTER (WHERE h.qc_result = 'PASSED')::int AS passed,
          count(*) FILTER (WHERE h.qc_result = 'CONDITIONAL')::int AS conditional,
          count(*) FILTER (WHERE h.qc_result = 'FAILED')::int AS failed
        FROM sample_history h
        WHERE h.move = 'recordQc' AND h.from_stage IS NOT NULL AND ${inRange(Prisma.sql`h.at`, range)}
          ${ownedBy(Prisma.sql`(SELECT owner_id FROM sample WHERE id = h.sample_id)`, range)}
        GROUP BY h.from_stage ORDER BY h.from_stage`;
      return rows.map((row) => ({ ...row, passRate: (row.passed + row.conditional) / row.recorded }));
    },

    /** Distribution of each measure over the non-control samples created in the range; every measure, in order. */
    async measurements(range: AnalyticsRange): Promise<MeasurementDistribution[]> {
      const values = MEASURES.map((m) => Prisma.sql`(${m}::text, ${MEASURE_VALUES[m]})`);
      const rows = await prisma.$queryRaw<MeasurementDistribution[]>`
        SELECT m.measure, count(m.value)::int AS count, min(m.value) AS min,
          percentile_cont(0.1) WITHIN GROUP (ORDER BY m.value) AS p10,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY m.value) AS p50,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY m.value) AS p90,
          max(m.value) AS max, avg(m.value) AS mean
        FROM sample s
        CROSS JOIN LATERAL (VALUES ${Prisma.join(values)}) AS m(measure, value)
        WHERE NOT s.is_control AND ${inRange(Prisma.sql`s.created_at`, range)}
          ${ownedBy(Prisma.sql`s.owner_id`, range)}
        GROUP BY m.measure`;
      const byMeasure = new Map(rows.map((row) => [row.measure, row]));
      return MEASURES.map((measure) => byMeasure.get(measure) ?? emptyDistribution(measure));
    },

    /**
     * Runs started in the range (created, when never started) and the samples loaded on them, per format. A
     * SUBMITTER counts only runs carrying one of their samples, and only their samples on them.
     */
    async flowCellsByFormat(range: AnalyticsRange) {
      const { ownerId } = range.scope;
      const loaded =
        ownerId === null
          ? Prisma.sql`LEFT JOIN run_sample rs ON rs.run_id = r.id`
          : Prisma.sql`JOIN run_sample rs ON rs.run_id = r.id
              JOIN sample s ON s.id = rs.sample_id AND s.owner_id = ${ownerId}::uuid`;
      return prisma.$queryRaw<{ format: FlowCellFormat; runs: number; samples: number }[]>`
        SELECT r.format::text AS format, count(DISTINCT r.id)::int AS runs, count(rs.sample_id)::int AS samples
        FROM run r ${loaded}
        WHERE ${inRange(Prisma.sql`coalesce(r.started_at, r.created_at)`, range)}
        GROUP BY r.format ORDER BY r.format`;
    },

    /** Samples created in the range per lab (null: UNKNOWN), busiest first, and how many of them are open. */
    async loadByLab(range: AnalyticsRange) {
      return prisma.$queryRaw<{ lab: string; samples: number; open: number }[]>`
        SELECT coalesce(s.lab, 'UNKNOWN') AS lab, count(*)::int AS samples,
          count(*) FILTER (WHERE s.status::text NOT IN ${CLOSED})::int AS open
        FROM sample s
        WHERE ${inRange(Prisma.sql`s.created_at`, range)} ${ownedBy(Prisma.sql`s.owner_id`, range)}
        GROUP BY 1 ORDER BY 2 DESC, coalesce(s.lab, 'UNKNOWN') COLLATE "C"`;
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
