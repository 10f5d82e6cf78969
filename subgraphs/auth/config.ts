// The auth subgraph's configuration, from the environment (subgraphs/auth/index.ts) or built by the embedded
// stack (scripts/start.ts) with loadAuthConfig({ ...process.env, AUTH_DATABASE_URL: url }).
import { z } from 'zod';
import { clientAddressSecretVariable } from '../../common/client-address.ts';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '../../common/identity.ts';
import { sessionCheckVariables } from '../../common/session-revocations.ts';
import { env, loadConfig, operationLimitVariables, toSubgraphLimits } from '../kit/config.ts';
import {
  checkOutboxRelayVariables,
  outboxRelayVariables,
  toOutboxRelayConfig,
} from '../kit/outbox-relay-setup.ts';
import { secretKeyVariable } from '../kit/secret-key.ts';
import { MIN_SERVICE_SECRET_LENGTH } from '../kit/service-auth.ts';

const schema = z
  .object({
    /** PostgreSQL URL of the auth database. Required. */
    AUTH_DATABASE_URL: env.databaseUrl(),
    /**
     * Key-encryption key of the token signing keys: 32 random bytes, base64 or hex. Required (npm start generates
     * one under DATA_DIR); the database holds the signing keys only encrypted under it.
     */
    AUTH_KEY_ENCRYPTION_KEY: secretKeyVariable(),
    /** Port of the auth subgraph; default 4001. */
    AUTH_PORT: env.port(4001),
    /** Host to listen on; default 127.0.0.1. */
    AUTH_HOST: env.host().default('127.0.0.1'),
    /** `iss` of issued tokens; default urn:nanopore:auth. */
    JWT_ISSUER: z.string().default(DEFAULT_JWT_ISSUER),
    /** `aud` of issued tokens; default urn:nanopore:supergraph. */
    JWT_AUDIENCE: z.string().default(DEFAULT_JWT_AUDIENCE),
    /** Access-token lifetime; default 900 (15 minutes). */
    ACCESS_TOKEN_TTL_SECONDS: env.positiveInt(900),
    /** Refresh-token lifetime (per rotation); default 2592000 (30 days). */
    REFRESH_TOKEN_TTL_SECONDS: env.positiveInt(30 * 24 * 3600),
    /** Email of the admin created on first start; default admin@localhost. */
    ADMIN_EMAIL: z.email({ message: 'must be an email address' }).default('admin@localhost'),
    /** Password of that admin; when unset a strong one is generated and printed once to stderr. */
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
    /**
     * Shared with the router, which signs each request's client address with it (common/client-address.ts); login
     * throttling and lockout key on that address. Unset: every address is the socket peer (the router's).
     */
    CLIENT_ADDRESS_SECRET: clientAddressSecretVariable,
    /**
     * Shared with the router, which signs its API-key exchanges with it (POST /internal/api-keys/exchange). At
     * least 32 characters. Unset: API keys can be created and listed, but no key is exchanged (503).
     */
    API_KEY_EXCHANGE_SECRET: z
      .string()
      .min(MIN_SERVICE_SECRET_LENGTH, { message: `must be at least ${MIN_SERVICE_SECRET_LENGTH} characters` })
      .optional(),
    /** The furthest expiry createApiKey accepts, in days ahead; default 365 (1 to 3650). */
    API_KEY_MAX_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    /** How often this subgraph re-reads its own revocation feed; as for the other subgraphs. */
    REVOCATION_POLL_MS: sessionCheckVariables().REVOCATION_POLL_MS,
    REVOCATION_MAX_STALE_MS: sessionCheckVariables().REVOCATION_MAX_STALE_MS,
    ...operationLimitVariables,
    LOG_LEVEL: env.logLevel(),
    ...outboxRelayVariables,
  })
  .superRefine(checkOutboxRelayVariables)
  .transform((v) => ({
    databaseUrl: v.AUTH_DATABASE_URL,
    keyEncryptionKey: v.AUTH_KEY_ENCRYPTION_KEY,
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
    clientAddressSecret: v.CLIENT_ADDRESS_SECRET,
    apiKeyExchangeSecret: v.API_KEY_EXCHANGE_SECRET,
    apiKeyMaxTtlDays: v.API_KEY_MAX_TTL_DAYS,
    revocationPollMs: v.REVOCATION_POLL_MS,
    revocationMaxStaleMs: v.REVOCATION_MAX_STALE_MS,
    /** Depth, alias, selection and cost limits of operations on this port. */
    limits: toSubgraphLimits(v),
    logLevel: v.LOG_LEVEL,
    outboxRelay: toOutboxRelayConfig(v),
  }));

export type AuthConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(schema, source);
}
