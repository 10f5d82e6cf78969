// Thin: parse arguments, call the service, shape the output. Read-only: the schema has no mutations.
import type { AuditEventFilter as FilterInput, Resolvers } from '../../generated/graphql/audit.ts';
import { resolveDateRange, type DateRangeInput } from '../kit/date-range.ts';
import { requireIdentity } from '../kit/identity.ts';
import { DateBoundScalar, DateTimeScalar, DurationScalar } from '../kit/scalars.ts';
import { readScope, type Context } from './context.ts';
import type { AuditEventFilter } from './events.service.ts';
import { JSONScalar } from './scalars.ts';
import { toConnection } from './shape.ts';

/** The filter with its range resolved at `now` (DateBound and Duration arrive parsed by their scalars). */
function toFilter(input: FilterInput | null | undefined, now: Date): AuditEventFilter {
  const { last: _last, ...rest } = input ?? {};
  return { ...rest, ...resolveDateRange((input ?? {}) as DateRangeInput, now, 'filter') };
}

export const auditResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  DateBound: DateBoundScalar,
  Duration: DurationScalar,
  JSON: JSONScalar,
  Query: {
    auditEvents: async (_p, { filter, first, after }, ctx) =>
      toConnection(
        await ctx.services.events.list(
          toFilter(filter, ctx.services.now()),
          readScope(ctx),
          first ?? 50,
          after,
        ),
      ),
    auditStats: (_p, { from, to, last, groupBy }, ctx) =>
      ctx.services.events.stats(
        resolveDateRange({ from, to, last } as DateRangeInput, ctx.services.now()),
        groupBy,
      ),
    verifyAuditChain: async (_p, { from, to }, ctx) => {
      const [chain, delivery] = await Promise.all([
        ctx.services.chain.verify({ from, to }),
        ctx.services.delivery.list(),
      ]);
      return { ...chain, complete: delivery.every((s) => s.ok), delivery };
    },
    auditDeliveryStatus: (_p, _args, ctx) => ctx.services.delivery.list(),
    exportAuditEvents: (_p, { filter, format }, ctx) =>
      ctx.services.events.linkExport(
        toFilter(filter, ctx.services.now()),
        format,
        readScope(ctx),
        requireIdentity(ctx).userId,
      ),
  },
};
