// Thin: Query.sampleAnalytics only checks the range and who is asking; each SampleAnalytics field then runs its
// own aggregate, so a client asking for weeklyThroughput alone pays for that one statement.
import type { Resolvers } from '../../generated/graphql/samples.ts';
import { resolveDateRange, type DateRangeInput } from '../kit/date-range.ts';
import { badUserInput } from '../kit/errors.ts';
import { parseAnalyticsRange } from './analytics.service.ts';
import { requireCaller, type Context } from './context.ts';

export const analyticsResolvers: Resolvers<Context> = {
  Query: {
    sampleAnalytics: (_p, args, ctx) => {
      const caller = requireCaller(ctx);
      const now = ctx.services.now();
      // DateBound and Duration arrive parsed by their scalars (codegen types them as any).
      const range = resolveDateRange(args as DateRangeInput, now);
      if (!range.from) {
        throw badUserInput('give from (and to, default now) or last', {
          field: 'from',
          rule: 'RANGE_REQUIRED',
        });
      }
      return parseAnalyticsRange(range.from, range.to ?? now, caller.ownerId);
    },
  },
  SampleAnalytics: {
    turnaround: (parent, { groupBy }, ctx) => ctx.services.analytics.turnaround(parent, groupBy),
    turnaroundOverall: (parent, _a, ctx) => ctx.services.analytics.turnaroundOverall(parent),
    stageTimes: (parent, _a, ctx) => ctx.services.analytics.stageTimes(parent),
    bottleneckStage: (parent, _a, ctx) => ctx.services.analytics.bottleneckStage(parent),
    weeklyThroughput: (parent, _a, ctx) => ctx.services.analytics.weeklyThroughput(parent),
    qcPassRates: (parent, _a, ctx) => ctx.services.analytics.qcPassRates(parent),
    measurements: (parent, _a, ctx) => ctx.services.analytics.measurements(parent),
    flowCellsByFormat: (parent, _a, ctx) => ctx.services.analytics.flowCellsByFormat(parent),
    loadByLab: (parent, _a, ctx) => ctx.services.analytics.loadByLab(parent),
    exportTable: (parent, { table, format, groupBy }, ctx) =>
      ctx.services.exports.linkAnalyticsTable(
        requireCaller(ctx),
        parent,
        table,
        groupBy ?? 'PRIORITY',
        format,
      ),
  },
};
