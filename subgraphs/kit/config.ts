// One typed config per process, parsed from the environment once at the edge (STYLE.md §2). A bad or missing
// value stops startup with one message naming every offending variable.
import { isIP } from 'node:net';
import { z } from 'zod';

/** Thrown by loadConfig; `problems` lists one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

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

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)*$/i;

/** Variable builders with the parsing every process needs. */
export const env = {
  /** A listen address: an IPv4/IPv6 address or a host name (nothing else reaches listen()). */
  host: () =>
    z.string().refine((v) => isIP(v) !== 0 || HOST_NAME.test(v), {
      message: 'must be an IP address (such as 127.0.0.1, 0.0.0.0 or ::) or a host name',
    }),
  /** A TCP port; 0 lets the OS choose. */
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** A positive whole number (seconds, counts ...). */
  positiveInt: (fallback?: number) =>
    fallback === undefined
      ? z.coerce.number().int().positive()
      : z.coerce.number().int().positive().default(fallback),
  /** A postgres:// or postgresql:// URL. */
  databaseUrl: () =>
    z.string().refine((v) => /^postgres(ql)?:\/\/./.test(v), { message: 'must be a postgresql:// URL' }),
  /** Any absolute http(s) URL. */
  httpUrl: () => z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  /** true/false, 1/0, yes/no, on/off. */
  flag: (fallback = false) => z.stringbool().default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/**
 * How a subgraph other than auth verifies access tokens: spread into its config schema,
 * `z.object({ ...tokenVerificationVariables, ... })`, and turned into the kit server's `auth` option with
 * toJwtVerifierOptions.
 */
export const tokenVerificationVariables = {
  /** Expected `iss` of access tokens; default urn:nanopore:auth. */
  JWT_ISSUER: z.string().default('urn:nanopore:auth'),
  /** Expected `aud` of access tokens; default urn:nanopore:supergraph. */
  JWT_AUDIENCE: z.string().default('urn:nanopore:supergraph'),
  /** The auth subgraph's JWKS; default http://127.0.0.1:4001/.well-known/jwks.json. */
  JWKS_URL: env.httpUrl().default('http://127.0.0.1:4001/.well-known/jwks.json'),
};

export function toJwtVerifierOptions(v: { JWT_ISSUER: string; JWT_AUDIENCE: string; JWKS_URL: string }) {
  return { jwksUrl: v.JWKS_URL, issuer: v.JWT_ISSUER, audience: v.JWT_AUDIENCE };
}
