import { parseArgs } from 'node:util';
import { z } from 'zod';
import { clientAddressSecretVariable } from '../common/client-address.ts';
import { env } from '../common/env.ts';
import { MIN_SERVICE_SECRET_LENGTH } from '../common/service-auth.ts';
import { defaultCostLimits } from '../common/operation-cost.ts';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '../common/identity.ts';
import { sessionCheckVariables } from '../common/session-revocations.ts';
import { parseTrustedProxies } from './stages/useClientAddress.ts';
import { INTROSPECTION_MODES } from '../common/introspection.ts';
import { TRUSTED_DOCUMENTS_MODES, TRUSTED_DOCUMENTS_SCOPES } from './stages/useTrustedDocuments.ts';
import { loadTrustedDocumentManifest, type TrustedDocumentManifest } from './trustedDocuments.ts';
import type { RouterOptions } from './createRouter.ts';

/** Every environment variable the router reads (ROUTER_SUBGRAPH_URL_<NAME> aside), with its default. */
const envSchema = z.object({
  ROUTER_SUPERGRAPH: z.string().min(1).default('schema/supergraph.graphql'),
  ROUTER_PORT: env.port(4000),
  ROUTER_HOST: env.host().optional(),
  ROUTER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ROUTER_METRICS_HOST: env.host().default('127.0.0.1'),
  ROUTER_METRICS_MAX_NAMES: env.positiveInt(100),
  ROUTER_SUPERGRAPH_POLL_MS: env.positiveInt(10_000),
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: z.string().min(1).default(DEFAULT_JWT_ISSUER),
  JWT_AUDIENCE: z.string().min(1).default(DEFAULT_JWT_AUDIENCE),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url())),
  ROUTER_AUTHZ_MODE: z.enum(['filter', 'reject', 'dry_run']).default('filter'),
  ROUTER_MAX_BODY_BYTES: env.positiveInt(1_000_000),
  ROUTER_MAX_TOKENS: env.positiveInt(15_000),
  ROUTER_MAX_DEPTH: env.positiveInt(15),
  ROUTER_MAX_ALIASES: env.positiveInt(30),
  ROUTER_MAX_ROOT_FIELDS: env.positiveInt(20),
  ROUTER_MAX_SELECTIONS: env.positiveInt(2_000),
  ROUTER_MAX_COST: env.positiveInt(defaultCostLimits.maxCost),
  ROUTER_COST_MODE: z.enum(['enforce', 'measure']).default('enforce'),
  ROUTER_DEFAULT_LIST_SIZE: env.positiveInt(10),
  ROUTER_MAX_LIST_SIZE: env.positiveInt(1_000),
  ROUTER_SUBGRAPH_TIMEOUT_MS: env.positiveInt(30_000),
  ROUTER_MAX_FILE_BYTES: env.positiveInt(262_144_000),
  ROUTER_MAX_FILES: env.positiveInt(10),
  ROUTER_UPLOAD_TIMEOUT_MS: env.positiveInt(600_000),
  ROUTER_GRAPHIQL: env.flag(true),
  ROUTER_DEDUPLICATION: env.flag(true),
  ROUTER_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  ROUTER_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(400).default(50),
  ROUTER_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .superRefine((entries, ctx) => {
      try {
        parseTrustedProxies(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  CLIENT_ADDRESS_SECRET: clientAddressSecretVariable,
  API_KEY_EXCHANGE_SECRET: z
    .string()
    .min(MIN_SERVICE_SECRET_LENGTH, { message: `must be at least ${MIN_SERVICE_SECRET_LENGTH} characters` })
    .optional(),
  ROUTER_API_KEY_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  ROUTER_API_KEY_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
  ROUTER_API_KEY_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  ...sessionCheckVariables(),
  ROUTER_INTROSPECTION: z.enum(INTROSPECTION_MODES).default('authenticated'),
  ROUTER_TRUSTED_DOCUMENTS: z.enum(TRUSTED_DOCUMENTS_MODES).default('off'),
  ROUTER_TRUSTED_DOCUMENTS_MANIFEST: z.string().min(1).default('generated/client/persisted-documents.json'),
  ROUTER_TRUSTED_DOCUMENTS_SCOPE: z.enum(TRUSTED_DOCUMENTS_SCOPES).default('all'),
  LOG_LEVEL: env.logLevel(),
});

export interface RouterConfig {
  port: number;
  /** Listen address; undefined: every interface. */
  host?: string;
  logLevel: string;
  /** Router processes sharing the port (node:cluster); metrics then come from the primary's listener. */
  workers: number;
  /** How far V8 lets the heap grow past its live size before a full collection; 0: V8's own choice. */
  heapGrowthPercent: number;
  options: Omit<RouterOptions, 'logger'>;
}

const subgraphUrlPrefix = 'ROUTER_SUBGRAPH_URL_';

/**
 * Reads the router's configuration from the environment and the command line (`--supergraph`, `--port`, which
 * win over ROUTER_SUPERGRAPH / ROUTER_PORT). Reports every problem at once, naming the variable.
 */
export function loadRouterConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: string[] = [],
): { config: RouterConfig } | { errors: string[] } {
  const errors: string[] = [];
  let cli: { supergraph?: string; port?: string } = {};
  try {
    cli = parseArgs({
      args: argv,
      options: { supergraph: { type: 'string' }, port: { type: 'string' } },
    }).values;
  } catch (error) {
    errors.push(`command line: ${(error as Error).message}`);
  }
  const parsed = envSchema.safeParse({
    ...env,
    ...(cli.supergraph !== undefined ? { ROUTER_SUPERGRAPH: cli.supergraph } : {}),
    ...(cli.port !== undefined ? { ROUTER_PORT: cli.port } : {}),
  });
  if (!parsed.success) errors.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

  const subgraphUrls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(subgraphUrlPrefix) || value === undefined) continue;
    if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) errors.push(`${name}: invalid URL`);
    else subgraphUrls[name.slice(subgraphUrlPrefix.length).toLowerCase()] = value;
  }
  if (parsed.success && parsed.data.ROUTER_WORKERS > 1 && parsed.data.ROUTER_METRICS_PORT === undefined)
    errors.push(
      'ROUTER_METRICS_PORT: required when ROUTER_WORKERS > 1 (the primary serves the metrics of every worker there)',
    );
  // Read once, at start: a manifest that cannot be read or is not one stops the router.
  let manifest: TrustedDocumentManifest | undefined;
  if (parsed.success && parsed.data.ROUTER_TRUSTED_DOCUMENTS !== 'off') {
    try {
      manifest = loadTrustedDocumentManifest(parsed.data.ROUTER_TRUSTED_DOCUMENTS_MANIFEST, {
        maxTokens: parsed.data.ROUTER_MAX_TOKENS,
      });
    } catch (error) {
      errors.push(
        `ROUTER_TRUSTED_DOCUMENTS_MANIFEST: ${(error as Error).message} (needed by ROUTER_TRUSTED_DOCUMENTS=${parsed.data.ROUTER_TRUSTED_DOCUMENTS})`,
      );
    }
  }
  if (!parsed.success || errors.length > 0) return { errors };

  const e = parsed.data;
  return {
    config: {
      port: e.ROUTER_PORT,
      host: e.ROUTER_HOST,
      logLevel: e.LOG_LEVEL,
      workers: e.ROUTER_WORKERS,
      heapGrowthPercent: e.ROUTER_HEAP_GROWTH_PERCENT,
      options: {
        supergraph: e.ROUTER_SUPERGRAPH,
        supergraphPollIntervalMs: e.ROUTER_SUPERGRAPH_POLL_MS,
        subgraphUrls,
        jwt: {
          jwksUrl: e.JWKS_URL,
          issuer: e.JWT_ISSUER,
          audience: e.JWT_AUDIENCE,
          maxTokenLifetimeSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
          revocations: {
            url: e.REVOCATION_URL,
            pollMs: e.REVOCATION_POLL_MS,
            maxStaleMs: e.REVOCATION_MAX_STALE_MS,
          },
        },
        apiKeys: {
          secret: e.API_KEY_EXCHANGE_SECRET,
          rateLimitPerMinute: e.ROUTER_API_KEY_RATE_LIMIT,
          maxFailures: e.ROUTER_API_KEY_MAX_FAILURES,
          failureWindowSeconds: e.ROUTER_API_KEY_FAILURE_WINDOW_SECONDS,
        },
        authorization: { mode: e.ROUTER_AUTHZ_MODE },
        limits: {
          maxBodyBytes: e.ROUTER_MAX_BODY_BYTES,
          maxTokens: e.ROUTER_MAX_TOKENS,
          maxDepth: e.ROUTER_MAX_DEPTH,
          maxAliases: e.ROUTER_MAX_ALIASES,
          maxRootFields: e.ROUTER_MAX_ROOT_FIELDS,
          maxSelections: e.ROUTER_MAX_SELECTIONS,
        },
        cost: {
          maxCost: e.ROUTER_MAX_COST,
          mode: e.ROUTER_COST_MODE,
          defaultListSize: e.ROUTER_DEFAULT_LIST_SIZE,
          maxListSize: e.ROUTER_MAX_LIST_SIZE,
        },
        cors: { origins: e.CORS_ORIGINS },
        uploads: { maxFileBytes: e.ROUTER_MAX_FILE_BYTES, maxFiles: e.ROUTER_MAX_FILES },
        subgraphTimeout: {
          timeoutMs: e.ROUTER_SUBGRAPH_TIMEOUT_MS,
          uploadTimeoutMs: e.ROUTER_UPLOAD_TIMEOUT_MS,
        },
        graphiql: e.ROUTER_GRAPHIQL,
        deduplication: e.ROUTER_DEDUPLICATION,
        clientAddress: { trustedProxies: e.ROUTER_TRUSTED_PROXIES, secret: e.CLIENT_ADDRESS_SECRET },
        introspection: { mode: e.ROUTER_INTROSPECTION },
        trustedDocuments: {
          mode: e.ROUTER_TRUSTED_DOCUMENTS,
          scope: e.ROUTER_TRUSTED_DOCUMENTS_SCOPE,
          manifest,
        },
        metrics: {
          maxOperationNames: e.ROUTER_METRICS_MAX_NAMES,
          ...(e.ROUTER_METRICS_PORT === undefined
            ? {}
            : { listener: { port: e.ROUTER_METRICS_PORT, host: e.ROUTER_METRICS_HOST } }),
        },
      },
    },
  };
}
