// The audit subgraph's configuration, from the environment (subgraphs/audit/index.ts, purge.ts) or built by the
// embedded stack with loadAuditConfig({ ...process.env, AUDIT_DATABASE_URL: url }).
import { z } from 'zod';
import { env, loadConfig, toJwtVerifierOptions, tokenVerificationVariables } from '../kit/config.ts';
import { MIN_SERVICE_SECRET_LENGTH } from '../kit/service-auth.ts';

const ENTITY_TYPE = /^[A-Za-z][\w.-]{0,99}$/;

/** "LoginAttempt=365,User=2555" -> { LoginAttempt: 365, User: 2555 }. */
const retentionOverrides = z
  .string()
  .transform((text, ctx) => {
    const overrides: Record<string, number> = {};
    for (const part of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const match = /^([^=\s]+)\s*=\s*(\d{1,6})$/.exec(part);
      if (!match || !ENTITY_TYPE.test(match[1]!) || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not EntityType=<days, at least 1>` });
        return z.NEVER;
      }
      overrides[match[1]!] = Number(match[2]);
    }
    return overrides;
  })
  .default({});

/** What the retention purge needs (subgraphs/audit/purge.ts runs with only these). */
const retentionFields = {
  /** PostgreSQL URL of the audit database. Required. */
  AUDIT_DATABASE_URL: env.databaseUrl(),
  /** How long events are kept, in days, counted from their receipt; default 2555 (7 years). */
  AUDIT_RETENTION_DAYS: env.positiveInt(2555),
  /** Per entity type, e.g. "LoginAttempt=365,User=2555"; default none. */
  AUDIT_RETENTION_OVERRIDES: retentionOverrides,
  LOG_LEVEL: env.logLevel(),
};

const retentionSchema = z.object(retentionFields).transform((v) => ({
  databaseUrl: v.AUDIT_DATABASE_URL,
  retentionDays: v.AUDIT_RETENTION_DAYS,
  retentionOverrides: v.AUDIT_RETENTION_OVERRIDES,
  logLevel: v.LOG_LEVEL,
}));

const schema = z
  .object({
    ...retentionFields,
    /** Port of the audit subgraph; default 4005. */
    AUDIT_PORT: env.port(4005),
    /** Host to listen on; default 127.0.0.1. */
    AUDIT_HOST: env.host().default('127.0.0.1'),
    /** Shared secret of the outbox relays' signed requests (HMAC-SHA256). Required, at least 32 characters. */
    OUTBOX_RELAY_SECRET: z.string().min(MIN_SERVICE_SECRET_LENGTH, {
      message: `must be at least ${MIN_SERVICE_SECRET_LENGTH} characters`,
    }),
    ...tokenVerificationVariables,
    /** Most rows one export may hold; default 100000. */
    AUDIT_EXPORT_MAX_ROWS: env.positiveInt(100_000),
    /** Take the client address from X-Forwarded-For (one trusted proxy hop); default false. */
    TRUST_PROXY: env.flag(false),
  })
  .transform((v) => ({
    databaseUrl: v.AUDIT_DATABASE_URL,
    port: v.AUDIT_PORT,
    host: v.AUDIT_HOST,
    relaySecret: v.OUTBOX_RELAY_SECRET,
    /** How access tokens are verified: the JWKS, issuer and audience. */
    jwt: toJwtVerifierOptions(v),
    retentionDays: v.AUDIT_RETENTION_DAYS,
    retentionOverrides: v.AUDIT_RETENTION_OVERRIDES,
    exportMaxRows: v.AUDIT_EXPORT_MAX_ROWS,
    trustProxy: v.TRUST_PROXY,
    logLevel: v.LOG_LEVEL,
  }));

export type AuditConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadAuditConfig(source: Record<string, string | undefined> = process.env): AuditConfig {
  return loadConfig(schema, source);
}

export type RetentionConfig = z.output<typeof retentionSchema>;

/** The purge's subset (no relay secret, no JWKS): for subgraphs/audit/purge.ts. */
export function loadRetentionConfig(
  source: Record<string, string | undefined> = process.env,
): RetentionConfig {
  return loadConfig(retentionSchema, source);
}
