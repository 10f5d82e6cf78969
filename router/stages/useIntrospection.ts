import { introspectionPlugin, type IntrospectionMode } from '../../common/introspection.ts';
import type { RouterContext, RouterStage } from '../stage.ts';

export interface IntrospectionOptions {
  /** Who may introspect and see "Did you mean" suggestions (off, authenticated, on). @default 'authenticated' */
  mode?: IntrospectionMode;
}

/**
 * Introspection and schema suggestions for callers the mode allows; the rule itself is the kit's, shared with
 * the subgraphs. The caller is authenticated once the JWT stage has verified a token (a bad token is a 401
 * before this runs).
 */
export function useIntrospection(options: IntrospectionOptions = {}): RouterStage {
  return {
    name: 'introspection',
    plugin: introspectionPlugin<RouterContext>({
      mode: options.mode ?? 'authenticated',
      isAuthenticated: (context) => context.identity !== undefined,
    }),
  };
}
