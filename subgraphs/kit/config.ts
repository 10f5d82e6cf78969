// One typed config per process, parsed from the environment once at the edge (docs/conventions.md, Config). A bad or missing
// value stops startup with one message naming every offending variable.
import { z } from 'zod';
import { env } from '../../common/env.ts';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '../../common/identity.ts';
import { revocationsUrlFor, sessionCheckVariables } from '../../common/session-revocations.ts';
import { defaultSubgraphLimits as limits, type SubgraphLimits } from './operation-limits.ts';

/** Thrown by loadConfig; `problems` lists one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export { env };

type Env = Record<string, string | undefined>;

/**
 * Parses `env` with a zod object schema whose keys are variable names. Empty strings count as unset, so
 * `FOO=` falls back to the default (or is reported missing). Throws ConfigError listing every problem.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    const missing = issue.code === 'invalid_type' && cleaned[String(issue.path[0])] === undefined;
    return missing ? `${name}: required but not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigError([...new Set(problems)]);
}

/**
 * How a subgraph other than auth verifies access tokens: spread into its config schema,
 * `z.object({ ...tokenVerificationVariables, ... })`, and turned into the kit server's `auth` option with
 * toJwtVerifierOptions.
 */
export const tokenVerificationVariables = {
  /** Expected `iss` of access tokens; default urn:nanopore:auth. */
  JWT_ISSUER: z.string().default(DEFAULT_JWT_ISSUER),
  /** Expected `aud` of access tokens; default urn:nanopore:supergraph. */
  JWT_AUDIENCE: z.string().default(DEFAULT_JWT_AUDIENCE),
  /** The auth subgraph's JWKS; default http://127.0.0.1:4001/.well-known/jwks.json. */
  JWKS_URL: env.httpUrl().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  ...sessionCheckVariables(),
};

export function toJwtVerifierOptions(v: {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWKS_URL: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REVOCATION_URL?: string;
  REVOCATION_POLL_MS: number;
  REVOCATION_MAX_STALE_MS: number;
}) {
  return {
    jwksUrl: v.JWKS_URL,
    issuer: v.JWT_ISSUER,
    audience: v.JWT_AUDIENCE,
    maxTokenLifetimeSeconds: v.ACCESS_TOKEN_TTL_SECONDS,
    revocations: {
      url: v.REVOCATION_URL ?? revocationsUrlFor(v.JWKS_URL),
      pollMs: v.REVOCATION_POLL_MS,
      maxStaleMs: v.REVOCATION_MAX_STALE_MS,
    },
  };
}

/**
 * The operation limits every subgraph enforces on its own port (kit/operation-limits.ts), the same for all
 * subgraphs: spread into a subgraph's config schema and turned into the kit server's `limits` with
 * toSubgraphLimits. Defaults (defaultSubgraphLimits) as the router's ROUTER_MAX_*, selections 2.5 times.
 */
export const operationLimitVariables = {
  /** Deepest field nesting; default 15. */
  SUBGRAPH_MAX_DEPTH: env.positiveInt(limits.maxDepth),
  /** Most aliased fields, fragments expanded; default 30. */
  SUBGRAPH_MAX_ALIASES: env.positiveInt(limits.maxAliases),
  /** Most root fields, fragments expanded; default 20. */
  SUBGRAPH_MAX_ROOT_FIELDS: env.positiveInt(limits.maxRootFields),
  /** Most selections once fragments are expanded; default 5000. */
  SUBGRAPH_MAX_SELECTIONS: env.positiveInt(limits.maxSelections),
  /** Highest estimated cost (@cost/@listSize); default 50000. */
  SUBGRAPH_MAX_COST: env.positiveInt(limits.maxCost),
  /** Items assumed in a list without @listSize or slicing argument; default 10. */
  SUBGRAPH_DEFAULT_LIST_SIZE: env.positiveInt(limits.defaultListSize),
  /** Largest slicing argument (`first`); default 1000. */
  SUBGRAPH_MAX_LIST_SIZE: env.positiveInt(limits.maxListSize),
};

export function toSubgraphLimits(v: { [K in keyof typeof operationLimitVariables]: number }): SubgraphLimits {
  return {
    maxDepth: v.SUBGRAPH_MAX_DEPTH,
    maxAliases: v.SUBGRAPH_MAX_ALIASES,
    maxRootFields: v.SUBGRAPH_MAX_ROOT_FIELDS,
    maxSelections: v.SUBGRAPH_MAX_SELECTIONS,
    maxCost: v.SUBGRAPH_MAX_COST,
    defaultListSize: v.SUBGRAPH_DEFAULT_LIST_SIZE,
    maxListSize: v.SUBGRAPH_MAX_LIST_SIZE,
  };
}
