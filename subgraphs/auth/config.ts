// The auth subgraph's configuration, from the environment (subgraphs/auth/index.ts) or built by the embedded
// stack (scripts/start.ts) with loadAuthConfig({ ...process.env, AUTH_DATABASE_URL: url }).
import { z } from 'zod';
import { env, loadConfig } from '../kit/config.ts';
import { INGEST_PATH, MAX_BATCH_EVENTS } from '../kit/outbox-wire.ts';
import { MIN_SERVICE_SECRET_LENGTH } from '../kit/service-auth.ts';

const schema = z
  .object({
    /** PostgreSQL URL of the auth database. Required. */
    AUTH_DATABASE_URL: env.databaseUrl(),
    /** Port of the auth subgraph; default 4001. */
    AUTH_PORT: env.port(4001),
    /** Host to listen on; default 127.0.0.1. */
    AUTH_HOST: z.string().default('127.0.0.1'),
    /** `iss` of issued tokens; default urn:nanopore:auth. */
    JWT_ISSUER: z.string().default('urn:nanopore:auth'),
    /** `aud` of issued tokens; default urn:nanopore:supergraph. */
    JWT_AUDIENCE: z.string().default('urn:nanopore:supergraph'),
    /** Access-token lifetime; default 900 (15 minutes). */
    ACCESS_TOKEN_TTL_SECONDS: env.positiveInt(900),
    /** Refresh-token lifetime (per rotation); default 2592000 (30 days). */
    REFRESH_TOKEN_TTL_SECONDS: env.positiveInt(30 * 24 * 3600),
    /** Email of the admin created on first start; default admin@localhost. */
    ADMIN_EMAIL: z.email({ message: 'must be an email address' }).default('admin@localhost'),
    /** Password of that admin; when unset a strong one is generated and printed once to stdout. */
    ADMIN_PASSWORD: z.string().min(12, { message: 'must be at least 12 characters' }).max(256).optional(),
    /** Failed logins for one email, within the window, that lock it; default 5. */
    LOGIN_MAX_FAILURES: env.positiveInt(5),
    /** The window in which failures count; default 900 (15 minutes). */
    LOGIN_LOCK_WINDOW_SECONDS: env.positiveInt(900),
    /** How long a lock lasts; default 900 (15 minutes). */
    LOGIN_LOCK_DURATION_SECONDS: env.positiveInt(900),
    /** Failed logins from one client address, within LOGIN_IP_WINDOW_SECONDS, before throttling; default 30. */
    LOGIN_IP_MAX_ATTEMPTS: env.positiveInt(30),
    /** Default 900 (15 minutes). */
    LOGIN_IP_WINDOW_SECONDS: env.positiveInt(900),
    /** Take the client address from X-Forwarded-For (one trusted proxy hop); default false. */
    TRUST_PROXY: env.flag(false),
    LOG_LEVEL: env.logLevel(),
    /**
     * Shared with the audit subgraph: signs the outbox relay's deliveries (kit/service-auth.ts). At least 32
     * characters; no default. With AUDIT_INGEST_URL it turns audit delivery on.
     */
    OUTBOX_RELAY_SECRET: z
      .string()
      .min(MIN_SERVICE_SECRET_LENGTH, { message: `must be at least ${MIN_SERVICE_SECRET_LENGTH} characters` })
      .optional(),
    /**
     * Where the outbox relay delivers events: the audit subgraph's ingestion URL, or just its origin (the path
     * /internal/audit/events is then added). Default none: delivery off, events accumulate in the outbox.
     */
    AUDIT_INGEST_URL: env.httpUrl().optional(),
    /** Events per delivery; default 100, at most 500 (the receiver's limit). Larger batches catch up faster. */
    OUTBOX_RELAY_BATCH_SIZE: env.positiveInt(100).pipe(z.number().max(MAX_BATCH_EVENTS)),
  })
  .superRefine((v, ctx) => {
    // A receiver without a credential is a half-done setup: say so rather than silently not delivering. (The
    // secret alone is fine: it may be set for every process while this one runs without an audit subgraph.)
    if (v.AUDIT_INGEST_URL && !v.OUTBOX_RELAY_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['OUTBOX_RELAY_SECRET'],
        message: 'required when AUDIT_INGEST_URL is set',
      });
    }
  })
  .transform((v) => ({
    databaseUrl: v.AUTH_DATABASE_URL,
    port: v.AUTH_PORT,
    host: v.AUTH_HOST,
    jwtIssuer: v.JWT_ISSUER,
    jwtAudience: v.JWT_AUDIENCE,
    accessTokenTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS,
    adminEmail: v.ADMIN_EMAIL,
    adminPassword: v.ADMIN_PASSWORD,
    loginMaxFailures: v.LOGIN_MAX_FAILURES,
    loginLockWindowSeconds: v.LOGIN_LOCK_WINDOW_SECONDS,
    loginLockDurationSeconds: v.LOGIN_LOCK_DURATION_SECONDS,
    loginIpMaxAttempts: v.LOGIN_IP_MAX_ATTEMPTS,
    loginIpWindowSeconds: v.LOGIN_IP_WINDOW_SECONDS,
    trustProxy: v.TRUST_PROXY,
    logLevel: v.LOG_LEVEL,
    /** Outbox delivery to the audit subgraph; undefined when off (events accumulate in the outbox). */
    outboxRelay:
      v.OUTBOX_RELAY_SECRET && v.AUDIT_INGEST_URL
        ? {
            secret: v.OUTBOX_RELAY_SECRET,
            ingestUrl: ingestUrl(v.AUDIT_INGEST_URL),
            batchSize: v.OUTBOX_RELAY_BATCH_SIZE,
          }
        : undefined,
  }));

function ingestUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/') u.pathname = INGEST_PATH;
  return u.toString();
}

export type AuthConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(schema, source);
}
