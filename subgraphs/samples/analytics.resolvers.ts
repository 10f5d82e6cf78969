// Thin: Query.sampleAnalytics only checks the range and who is asking; each SampleAnalytics field then runs its
// own aggregate, so a client asking for weeklyThroughput alone pays for that one statement.
import type { Resolvers } from '../../generated/graphql/samples.ts';
import { parseAnalyticsRange } from './analytics.service.ts';
import { requireCaller, type Context } from './context.ts';

// DateTime arguments arrive as Date (the scalar parses them); codegen types scalar inputs as strings.
const toDate = (value: unknown) => new Date(value as string | Date);

export const analyticsResolvers: Resolvers<Context> = {
  Query: {
    sampleAnalytics: (_p, { from, to }, ctx) =>
      parseAnalyticsRange(toDate(from), toDate(to), requireCaller(ctx).ownerId),
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
  },
};
