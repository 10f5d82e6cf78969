// The audit trail on other subgraphs' entities: `<Entity>.auditTrail(first, after)`, the entity's events, newest
// first, batched across entities by a loader. To show the trail on another entity: add its type name here and
// `type <Entity> @key(fields: "id") { id: ID! auditTrail(...): AuditEventConnection! @authenticated }` to
// schema/audit.graphql (events must carry that entityType).
import type { AuditEventConnection } from '../../generated/graphql/audit.ts';
import { readScope, type Context } from './context.ts';
import { assertPageSize, decodeCursor } from './events.service.ts';
import { toConnection } from './shape.ts';

export const TRAIL_ENTITY_TYPES = ['User', 'Sample'] as const;

interface TrailArgs {
  first?: number | null;
  after?: string | null;
}

function trailResolver(entityType: string) {
  return async (parent: { id: string }, args: TrailArgs, ctx: Context): Promise<AuditEventConnection> =>
    toConnection(
      await ctx.loaders.trail.load({
        entityType,
        entityId: parent.id,
        first: assertPageSize(args.first ?? 20),
        before: decodeCursor(args.after),
        scope: readScope(ctx),
      }),
    );
}

/** `{ User: { __resolveReference, auditTrail }, ... }`: this subgraph knows nothing of an entity but its id. */
export const trailResolvers = Object.fromEntries(
  TRAIL_ENTITY_TYPES.map((type) => [
    type,
    {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      auditTrail: trailResolver(type),
    },
  ]),
);
