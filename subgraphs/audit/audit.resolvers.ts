// Thin: parse arguments, call the service, shape the output. Read-only: the schema has no mutations.
import type { AuditEventFilter as FilterInput, Resolvers } from '../../generated/graphql/audit.ts';
import { DateTimeScalar } from '../kit/scalars.ts';
import { readScope, type Context } from './context.ts';
import type { AuditEventFilter } from './events.service.ts';
import { JSONScalar } from './scalars.ts';
import { toConnection } from './shape.ts';

// DateTime arguments arrive as Date (the scalar parses them); codegen types scalar inputs as strings.
const toDate = (value: unknown) => (value == null ? null : new Date(value as string | Date));

function toFilter(input: FilterInput | null | undefined): AuditEventFilter {
  return { ...input, from: toDate(input?.from), to: toDate(input?.to) };
}

export const auditResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    auditEvents: async (_p, { filter, first, after }, ctx) =>
      toConnection(await ctx.services.events.list(toFilter(filter), readScope(ctx), first ?? 50, after)),
    auditStats: (_p, { from, to, groupBy }, ctx) =>
      ctx.services.events.stats({ from: toDate(from), to: toDate(to) }, groupBy),
    verifyAuditChain: async (_p, { from, to }, ctx) => {
      const [chain, delivery] = await Promise.all([
        ctx.services.chain.verify({ from, to }),
        ctx.services.delivery.list(),
      ]);
      return { ...chain, complete: delivery.every((s) => s.ok), delivery };
    },
    auditDeliveryStatus: (_p, _args, ctx) => ctx.services.delivery.list(),
    exportAuditEvents: (_p, { filter, format }, ctx) =>
      ctx.services.events.export(toFilter(filter), format, readScope(ctx)),
  },
};
