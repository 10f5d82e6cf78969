// The SampleAnalytics tables as export files (SampleAnalytics.exportTable, export.service.ts): each table's
// columns, and its rows as flat records, from the same analytics service the GraphQL fields use (so a file and
// the field agree, durations rounded alike). Dates are ISO 8601 (UTC).
import type { AnalyticsTable, TurnaroundGroupBy } from '../../generated/graphql/samples.ts';
import type { CsvValue } from '../kit/csv.ts';
import type { AnalyticsRange, AnalyticsService, DurationStats } from './analytics.service.ts';

export type AnalyticsRecord = Record<string, CsvValue>;

interface TableDefinition {
  /** The file's base name. */
  name: string;
  columns: readonly string[];
  rows(
    service: AnalyticsService,
    range: AnalyticsRange,
    groupBy: TurnaroundGroupBy,
  ): Promise<AnalyticsRecord[]>;
}

const STATS_COLUMNS = ['count', 'meanHours', 'p50Hours', 'p90Hours'] as const;
const flatStats = (stats: DurationStats) => ({ ...stats });

export const ANALYTICS_TABLES: Record<AnalyticsTable, TableDefinition> = {
  TURNAROUND: {
    name: 'turnaround',
    columns: ['key', ...STATS_COLUMNS],
    rows: async (service, range, groupBy) =>
      (await service.turnaround(range, groupBy)).map(({ key, stats }) => ({ key, ...flatStats(stats) })),
  },
  TURNAROUND_OVERALL: {
    name: 'turnaround-overall',
    columns: STATS_COLUMNS,
    rows: async (service, range) => [flatStats(await service.turnaroundOverall(range))],
  },
  STAGE_TIMES: {
    name: 'stage-times',
    columns: ['stage', ...STATS_COLUMNS],
    rows: async (service, range) =>
      (await service.stageTimes(range)).map(({ stage, stats }) => ({ stage, ...flatStats(stats) })),
  },
  WEEKLY_THROUGHPUT: {
    name: 'weekly-throughput',
    columns: ['weekStart', 'received', 'completed'],
    rows: async (service, range) =>
      (await service.weeklyThroughput(range)).map((w) => ({ ...w, weekStart: w.weekStart.toISOString() })),
  },
  QC_PASS_RATES: {
    name: 'qc-pass-rates',
    columns: ['stage', 'recorded', 'passed', 'conditional', 'failed', 'passRate'],
    rows: async (service, range) => (await service.qcPassRates(range)).map((row) => ({ ...row })),
  },
  MEASUREMENTS: {
    name: 'measurements',
    columns: ['measure', 'count', 'min', 'p10', 'p50', 'p90', 'max', 'mean'],
    rows: async (service, range) => (await service.measurements(range)).map((row) => ({ ...row })),
  },
  FLOW_CELLS_BY_FORMAT: {
    name: 'flow-cells-by-format',
    columns: ['format', 'runs', 'samples'],
    rows: async (service, range) => (await service.flowCellsByFormat(range)).map((row) => ({ ...row })),
  },
  LOAD_BY_LAB: {
    name: 'load-by-lab',
    columns: ['lab', 'samples', 'open'],
    rows: async (service, range) => (await service.loadByLab(range)).map((row) => ({ ...row })),
  },
};
