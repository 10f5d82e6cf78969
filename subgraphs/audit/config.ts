// The audit subgraph's configuration, from the environment (subgraphs/audit/index.ts, purge.ts) or built by the
// embedded stack with loadAuditConfig({ ...process.env, AUDIT_DATABASE_URL: url }).
import { exportLinkVariables, toExportLinkConfig } from '../kit/export-link.ts';
import { z } from 'zod';
import {
  env,
  loadConfig,
  toJwtVerifierOptions,
  tokenVerificationVariables,
  operationLimitVariables,
  toSubgraphLimits,
} from '../kit/config.ts';
import { decodeSecretKey, secretKeyVariable } from '../kit/secret-key.ts';
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

/** "key1,key2": raw Ed25519 public keys (32 bytes, base64 or hex each). */
const publicKeyList = z
  .string()
  .transform((text, ctx) => {
    const keys: Buffer[] = [];
    for (const part of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const key = decodeSecretKey(part);
      if (!key) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a 32-byte public key (base64 or hex)` });
        return z.NEVER;
      }
      keys.push(key);
    }
    return keys;
  })
  .default([]);

/** What the retention purge needs (subgraphs/audit/purge.ts runs with only these). */
const retentionFields = {
  /** PostgreSQL URL of the audit database. Required. */
  AUDIT_DATABASE_URL: env.databaseUrl(),
  /**
   * Ed25519 key (32-byte seed, base64 or hex) that signs chain checkpoints; never stored in the database.
   * Required (npm start generates one under DATA_DIR).
   */
  AUDIT_SIGNING_KEY: secretKeyVariable(),
  /** Public keys of earlier AUDIT_SIGNING_KEYs, comma-separated: their checkpoints still verify. */
  AUDIT_CHECKPOINT_PUBLIC_KEYS: publicKeyList,
  /** A checkpoint is signed in the append transaction at least every this many events; default 1000. */
  AUDIT_CHECKPOINT_EVERY: env.positiveInt(1000),
  /** How long events are kept, in days, counted from their receipt; default 2555 (7 years). */
  AUDIT_RETENTION_DAYS: env.positiveInt(2555),
  /** Per entity type, e.g. "LoginAttempt=365,User=2555"; default none. */
  AUDIT_RETENTION_OVERRIDES: retentionOverrides,
  LOG_LEVEL: env.logLevel(),
};

const checkpointSettings = (v: {
  AUDIT_SIGNING_KEY: Buffer;
  AUDIT_CHECKPOINT_PUBLIC_KEYS: Buffer[];
  AUDIT_CHECKPOINT_EVERY: number;
}) => ({
  signingKey: v.AUDIT_SIGNING_KEY,
  previousPublicKeys: v.AUDIT_CHECKPOINT_PUBLIC_KEYS,
  every: v.AUDIT_CHECKPOINT_EVERY,
});

const retentionSchema = z.object(retentionFields).transform((v) => ({
  databaseUrl: v.AUDIT_DATABASE_URL,
  checkpoints: checkpointSettings(v),
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
    /** Also sign the chain head every this many seconds when it moved; default 60. */
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: env.positiveInt(60),
    /** Most rows one export may hold; default 100000. */
    AUDIT_EXPORT_MAX_ROWS: env.positiveInt(100_000),
    ...exportLinkVariables,
    /** The services whose relays must report (one that never did shows as stale); comma-separated. */
    AUDIT_EXPECTED_SERVICES: z
      .string()
      .default('auth,samples,submission,files,ai')
      .transform((text) => [
        ...new Set(
          text
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'service names are lower-case words'))),
    /** A service whose relay has not reported for this long shows as stale; default 120 (relays report every 15). */
    AUDIT_DELIVERY_STALE_SECONDS: env.positiveInt(120),
    /** A service whose oldest pending event is older than this is not ok; default 300. */
    AUDIT_DELIVERY_MAX_PENDING_AGE_SECONDS: env.positiveInt(300),
    ...operationLimitVariables,
  })
  .transform((v) => ({
    databaseUrl: v.AUDIT_DATABASE_URL,
    port: v.AUDIT_PORT,
    host: v.AUDIT_HOST,
    relaySecret: v.OUTBOX_RELAY_SECRET,
    checkpoints: { ...checkpointSettings(v), intervalSeconds: v.AUDIT_CHECKPOINT_INTERVAL_SECONDS },
    /** How access tokens are verified: the JWKS, issuer and audience. */
    jwt: toJwtVerifierOptions(v),
    retentionDays: v.AUDIT_RETENTION_DAYS,
    retentionOverrides: v.AUDIT_RETENTION_OVERRIDES,
    exportMaxRows: v.AUDIT_EXPORT_MAX_ROWS,
    /** How export links are signed, where they point and how long they work (kit/export-link.ts). */
    exportLinks: toExportLinkConfig(v),
    /** Depth, alias, selection and cost limits of operations on this port. */
    limits: toSubgraphLimits(v),
    logLevel: v.LOG_LEVEL,
    delivery: {
      expectedServices: v.AUDIT_EXPECTED_SERVICES,
      staleAfterSeconds: v.AUDIT_DELIVERY_STALE_SECONDS,
      maxPendingAgeSeconds: v.AUDIT_DELIVERY_MAX_PENDING_AGE_SECONDS,
    },
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
