// Who may read the schema: introspection (`__schema`, `__type`) and the "Did you mean ...?" suggestions of
// validation errors both describe it. One rule for the router and every subgraph's own port: an anonymous
// caller learns neither by default, so probing a deployment for its field names needs a signed-in account.
// `__typename` stays allowed: clients and health probes need it and it reveals nothing beyond the query.
import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';

/** off: nobody; authenticated: callers with a verified token; on: everyone. */
export const INTROSPECTION_MODES = ['off', 'authenticated', 'on'] as const;
export type IntrospectionMode = (typeof INTROSPECTION_MODES)[number];

export function introspectionAllowed(mode: IntrospectionMode, authenticated: boolean): boolean {
  return mode === 'on' || (mode === 'authenticated' && authenticated);
}

const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);

/**
 * Whether the document selects `__schema` or `__type` (or one of `alsoFields`) anywhere, fragments included;
 * one pass over it.
 */
export function usesIntrospection(
  document: DocumentNode,
  alsoFields: ReadonlySet<string> = new Set(),
): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (INTROSPECTION_FIELDS.has(node.name.value) || alsoFields.has(node.name.value)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

const SUGGESTION = 'Did you mean ';

/**
 * Drops graphql-js's trailing suggestion (" Did you mean "x" or "y"?"), which names fields, arguments, types and
 * enum values of the schema. A search from the end, not a regular expression: messages quote client input.
 */
export function stripSuggestions(message: string): string {
  if (!message.endsWith('?')) return message;
  const at = message.lastIndexOf(SUGGESTION);
  return at < 0 ? message : message.slice(0, at).trimEnd();
}

export function introspectionDisabledError(mode: IntrospectionMode): GraphQLError {
  return new GraphQLError(
    mode === 'off'
      ? 'Introspection is disabled'
      : 'Introspection is not allowed for anonymous callers: send a bearer token',
    // The code Apollo Server uses for introspection it refuses (the plugin sets the HTTP status).
    { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
  );
}

/**
 * Apollo Server plugin applying the rule. `isAuthenticated` reads the operation's context (computed before the
 * document is parsed, so it is known for every error). Operations naming `__schema`/`__type` are refused after
 * validation; suggestions are removed from every error of the response, whatever stage produced it.
 */
export function introspectionPlugin<TContext extends object>(options: {
  mode: IntrospectionMode;
  isAuthenticated(context: TContext): boolean;
  /** More fields that describe the schema, e.g. a subgraph's `_service` (its whole SDL). */
  alsoFields?: readonly string[];
}): ApolloServerPlugin<TContext> {
  const alsoFields = new Set(options.alsoFields);
  // Apollo Server hands repeated operations the same parsed document: walk each one once.
  const introspecting = new WeakMap<DocumentNode, boolean>();
  const introspects = (document: DocumentNode) => {
    let found = introspecting.get(document);
    if (found === undefined) introspecting.set(document, (found = usesIntrospection(document, alsoFields)));
    return found;
  };
  return {
    async requestDidStart({ contextValue }) {
      if (introspectionAllowed(options.mode, options.isAuthenticated(contextValue))) return;
      let refused = false;
      return {
        async didResolveOperation({ document }) {
          if (!introspects(document)) return;
          refused = true;
          throw introspectionDisabledError(options.mode);
        },
        async willSendResponse({ response }) {
          // A validation failure's status (without it, an error thrown here would be a 500).
          if (refused) response.http.status = 400;
          if (response.body.kind !== 'single') return;
          const { errors } = response.body.singleResult;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((error) => ({
            ...error,
            message: stripSuggestions(error.message),
          }));
        },
      };
    },
  };
}
