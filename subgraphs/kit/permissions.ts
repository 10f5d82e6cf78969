// graphql-shield, deny by default. Rules return a GraphQLError with a proper code (never a bare `false`, which
// shield would turn into INTERNAL_SERVER_ERROR), and federation's own fields are allowed here, once.
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { and } from 'graphql-shield';
import { ERRORS } from './errors.ts';
import type { Identity } from '../../common/identity.ts';

export { allow, and, deny, or, rule } from 'graphql-shield';

/** A shield rule or logic rule (graphql-shield exports no name for it). */
export type ShieldRule = Parameters<typeof and>[number];
type FieldRules = Record<string, ShieldRule>;
/** type name -> a rule for the whole type, or field name -> rule. */
export type PermissionMap = Record<string, ShieldRule | FieldRules>;

interface WithIdentity {
  identity: Identity | null;
}

/** The error a denial produces: UNAUTHENTICATED for anonymous callers, FORBIDDEN for signed-in ones. */
export function denial(ctx: WithIdentity, message = 'not allowed'): Error {
  return ctx.identity
    ? ERRORS.FORBIDDEN.err(message)
    : ERRORS.UNAUTHENTICATED.err('sign in first', { reason: 'NO_TOKEN' });
}

/** Any verified caller. */
export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })(
  (_parent, _args, ctx: WithIdentity) => (ctx.identity ? true : denial(ctx)),
);

/** A caller holding at least one of the roles. */
export function hasAnyRole(...roles: string[]): ShieldRule {
  return rule(`hasAnyRole:${roles.join(',')}`, { cache: 'contextual' })((_p, _a, ctx: WithIdentity) =>
    ctx.identity?.roles.some((r) => roles.includes(r))
      ? true
      : denial(ctx, `requires role ${roles.join(' or ')}`),
  );
}

/** A caller whose token carries the scope. */
export function hasScope(scope: string): ShieldRule {
  return rule(`hasScope:${scope}`, { cache: 'contextual' })((_p, _a, ctx: WithIdentity) =>
    ctx.identity?.scopes.includes(scope) ? true : denial(ctx, `requires scope ${scope}`),
  );
}

/**
 * Federation's entry points. `_service` (the SDL) is public: the router and composition read it without a token.
 * `_entities` resolves references with the caller's own token (the router forwards it) and needs a signed-in
 * caller: every root field that leads to an entity does, so an anonymous plan never needs it. Beyond that, each
 * __resolveReference applies the visibility of the root field that reads its type (null when hidden), and the
 * entity's fields keep their own rules.
 */
function federationRules(schema: GraphQLSchema): PermissionMap {
  const query = schema.getQueryType()?.getFields() ?? {};
  const fields: FieldRules = {};
  if ('_service' in query) fields._service = allow;
  // _entities exists only when the schema has entities.
  if ('_entities' in query) fields._entities = isAuthenticated;
  return { Query: fields, ...(schema.getType('_Service') ? { _Service: allow } : {}) };
}

function merge(domain: PermissionMap, federation: PermissionMap): PermissionMap {
  const merged: PermissionMap = { ...domain };
  for (const [type, rules] of Object.entries(federation)) {
    const own = merged[type];
    if (own === undefined) merged[type] = rules;
    else if (!('resolve' in own) && !('resolve' in rules)) {
      merged[type] = { ...(rules as FieldRules), ...(own as FieldRules) };
    }
  }
  return merged;
}

/** Applies the rule map to the schema: fallback deny, external (coded) errors pass through unchanged. */
export function applyPermissions(schema: GraphQLSchema, permissions: PermissionMap): GraphQLSchema {
  const middleware = shield(merge(permissions, federationRules(schema)), {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: async (_thrown, _parent, _args, ctx) => denial(ctx as unknown as WithIdentity),
  });
  return applyMiddleware(schema, middleware);
}
