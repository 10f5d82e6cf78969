import { createHash } from 'node:crypto';
import { execute, print } from 'graphql';
import type { GraphQLError } from 'graphql';
import { createDocumentCache } from '../documentCache.ts';
import { routerError } from '../errors.ts';
import { filterOperation } from './filterOperation.ts';
import { defaultPolicies, type Policy } from '../policies.ts';
import type { Identity } from '../../common/identity.ts';
import type { RouterStage } from '../stage.ts';
import type { AccessRequirement } from '../supergraphMetadata.ts';

export interface AuthorizationOptions {
  /**
   * `filter` removes unauthorized fields (null + one error per path), `reject` refuses the whole operation,
   * `dry_run` only logs what would be removed. @default 'filter'
   */
  mode?: 'filter' | 'reject' | 'dry_run';
  /** Policies @policy may name. @default defaultPolicies (admin, staff, submitter) */
  policies?: Readonly<Record<string, Policy>>;
}

/** One caller's view of an operation, with what the gateway needs to plan it. */
interface Filtering {
  filtered: ReturnType<typeof filterOperation>;
  source: string;
  queryHash: string;
}

export function isAllowed(
  requirements: AccessRequirement[],
  identity: Identity | undefined,
  policies: Readonly<Record<string, Policy>>,
): boolean {
  return requirements.every((requirement) => {
    if (!identity) return false;
    if (requirement.kind === 'authenticated') return true;
    if (requirement.kind === 'scopes')
      return requirement.anyOf.some((all) => all.every((s) => identity.scopes.includes(s)));
    return requirement.anyOf.some((all) =>
      all.every((name) => Object.hasOwn(policies, name) && policies[name]!(identity)),
    );
  });
}

/**
 * Enforces @authenticated, @requiresScopes and @policy with Apollo Router's semantics by wrapping the gateway's
 * executor: the plan is built for the filtered operation, and the result is re-shaped to the original one.
 */
export function useAuthorization(options: AuthorizationOptions = {}): RouterStage {
  const mode = options.mode ?? 'filter';
  const policies = options.policies ?? defaultPolicies;
  let access: ReadonlyMap<string, AccessRequirement[]> = new Map();
  // Policies may read any claim of the identity, so the whole identity (less its token and session) is the key.
  const filterings = createDocumentCache<Filtering>();
  return {
    name: 'authorization',
    onSupergraph(metadata) {
      access = metadata.access;
      filterings.clear();
    },
    wrapExecutor: (next) => async (requestContext) => {
      const { schema, document, operation, context } = requestContext;
      if (!operation || access.size === 0) return next(requestContext);
      const { identity } = context;
      const caller = identity && [identity.userId, identity.roles, identity.scopes];
      const { filtered, source, queryHash } = filterings.get(
        document,
        JSON.stringify([operation.name?.value ?? null, caller ?? null]),
        () => {
          const filtered = filterOperation({
            schema,
            document,
            operation,
            access,
            isAllowed: (requirements) => isAllowed(requirements, identity, policies),
          });
          if (!filtered.changed) return { filtered, source: '', queryHash: requestContext.queryHash };
          const source = filtered.document ? print(filtered.document) : '';
          // The plan cache is keyed by queryHash: a filtered operation must not reuse the full operation's plan.
          const queryHash = createHash('sha256')
            .update(requestContext.queryHash)
            .update(source)
            .digest('hex');
          return { filtered, source, queryHash };
        },
      );
      if (!filtered.changed) return next(requestContext);
      const paths = filtered.unauthorizedPaths;
      if (mode === 'dry_run') {
        context.log.info({ stage: 'authorization', paths }, 'dry run: fields would be removed');
        return next(requestContext);
      }
      const errors = (httpStatus: number | null): GraphQLError[] =>
        paths.map((path) =>
          routerError('UNAUTHORIZED_FIELD_OR_TYPE', 'Unauthorized field or type', { path, httpStatus }),
        );
      if (mode === 'reject') return { errors: errors(403) };

      const result = filtered.document
        ? await next({ ...requestContext, document: filtered.document, source, queryHash })
        : { data: {} };
      if (result.data === null || result.data === undefined) {
        return { ...result, errors: [...errors(null), ...(result.errors ?? [])] };
      }
      // Re-execute the original operation over the gateway's data: removed fields become null, and graphql-js
      // propagates nulls of non-null fields to the nearest nullable parent exactly as a server would.
      const shaped = await execute({
        schema,
        document,
        operationName: requestContext.request.operationName,
        variableValues: requestContext.request.variables,
        rootValue: result.data,
        fieldResolver: (source: Record<string, unknown>, _args, _context, info) =>
          info.fieldNodes.every((node) => filtered.removedFields.has(node)) ? null : source[info.path.key],
        typeResolver: (value: { __typename?: string }) => value.__typename,
      });
      return { ...result, data: shaped.data ?? null, errors: [...errors(null), ...(result.errors ?? [])] };
    },
  };
}
