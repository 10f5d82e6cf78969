// The audit subgraph's configuration, from the environment (subgraphs/audit/index.ts, purge.ts) or built by the
// embedded stack with loadAuditConfig({ ...process.env, AUDIT_DATABASE_URL: url }).
import { exportLinkVariables, toExportLinkConfig } from '../kit/export-link.ts';
import { z } from 'zod';
import { deriveWebhookSecretKey } from './webhook-secret.ts';
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
import { parseAllowedHosts } from './webhook-address.ts';

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

/** Webhooks (subgraphs/audit/webhook*.ts). */
const webhookVariables = {
  /**
   * Host names and IP addresses or CIDR ranges a webhook may reach although private, loopback or link-local,
   * comma-separated (e.g. "hooks.internal,10.1.0.0/16"); default none.
   */
  AUDIT_WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseAllowedHosts(text);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed.value;
    }),
  /** Let webhooks reach any private, loopback or link-local address (development only); default false. */
  AUDIT_WEBHOOK_ALLOW_PRIVATE: env.flag(false),
  /** Accept http:// webhook URLs (not only https://); default false. */
  AUDIT_WEBHOOK_ALLOW_HTTP: env.flag(false),
  /**
   * Encrypts the subscriptions' signing secrets at rest (32 bytes, base64 or hex). Default: derived from
   * AUDIT_SIGNING_KEY (HKDF); set it before rotating AUDIT_SIGNING_KEY, or the stored secrets no longer open.
   */
  AUDIT_WEBHOOK_SECRET_KEY: secretKeyVariable().optional(),
  /** Time for one delivery attempt, connection to response headers and the bounded body; default 10000. */
  AUDIT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Attempts before a delivery is FAILED; default 12. */
  AUDIT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  /** A delivery still undelivered this long after its event is FAILED; default 86400 (one day). */
  AUDIT_WEBHOOK_MAX_AGE_SECONDS: env.positiveInt(86_400),
  /** The wait after the first failed attempt, doubled after each (with jitter); default 10000. */
  AUDIT_WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  /** The longest wait between attempts; default 3600000 (one hour). */
  AUDIT_WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  /** A subscription is DISABLED after this many deliveries in a row ended FAILED; default 5. */
  AUDIT_WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Or after failing this long without one success; default 259200 (three days). */
  AUDIT_WEBHOOK_DISABLE_AFTER_SECONDS: env.positiveInt(259_200),
  /** Subscriptions one user may hold; default 25. */
  AUDIT_WEBHOOK_MAX_PER_OWNER: z.coerce.number().int().min(1).max(1000).default(25),
  /** How often the dispatcher looks for due deliveries when idle; default 1000. */
  AUDIT_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Deliveries in flight at once in this process; 0: this process sends none; default 4. */
  AUDIT_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(4),
};

function toWebhookConfig(v: z.output<z.ZodObject<typeof webhookVariables>> & { AUDIT_SIGNING_KEY: Buffer }) {
  return {
    addresses: {
      allowedHosts: v.AUDIT_WEBHOOK_ALLOWED_HOSTS,
      allowPrivate: v.AUDIT_WEBHOOK_ALLOW_PRIVATE,
      allowHttp: v.AUDIT_WEBHOOK_ALLOW_HTTP,
    },
    /** The AES-256-GCM key of the stored secrets. */
    secretKey: v.AUDIT_WEBHOOK_SECRET_KEY ?? deriveWebhookSecretKey(v.AUDIT_SIGNING_KEY),
    timeoutMs: v.AUDIT_WEBHOOK_TIMEOUT_MS,
    maxAttempts: v.AUDIT_WEBHOOK_MAX_ATTEMPTS,
    maxAgeSeconds: v.AUDIT_WEBHOOK_MAX_AGE_SECONDS,
    backoffBaseMs: v.AUDIT_WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: v.AUDIT_WEBHOOK_BACKOFF_MAX_MS,
    disableAfterFailures: v.AUDIT_WEBHOOK_DISABLE_AFTER_FAILURES,
    disableAfterSeconds: v.AUDIT_WEBHOOK_DISABLE_AFTER_SECONDS,
    maxPerOwner: v.AUDIT_WEBHOOK_MAX_PER_OWNER,
    pollMs: v.AUDIT_WEBHOOK_POLL_MS,
    concurrency: v.AUDIT_WEBHOOK_CONCURRENCY,
  };
}

export type WebhookConfig = ReturnType<typeof toWebhookConfig>;

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
    /**
     * Verify the whole chain every this many seconds (and at start), exported as audit_chain_* metrics; 0: at
     * start only; default 3600.
     */
    AUDIT_VERIFY_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(604_800).default(3600),
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
    ...webhookVariables,
  })
  .transform((v) => ({
    databaseUrl: v.AUDIT_DATABASE_URL,
    port: v.AUDIT_PORT,
    host: v.AUDIT_HOST,
    relaySecret: v.OUTBOX_RELAY_SECRET,
    checkpoints: { ...checkpointSettings(v), intervalSeconds: v.AUDIT_CHECKPOINT_INTERVAL_SECONDS },
    verifyIntervalSeconds: v.AUDIT_VERIFY_INTERVAL_SECONDS,
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
    webhooks: toWebhookConfig(v),
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
