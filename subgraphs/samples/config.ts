// The samples subgraph's configuration, from the environment (subgraphs/samples/index.ts) or built by the
// embedded stack with loadSamplesConfig({ ...process.env, SAMPLES_DATABASE_URL: url }).
import { z } from 'zod';
import {
  env,
  loadConfig,
  toJwtVerifierOptions,
  tokenVerificationVariables,
  operationLimitVariables,
  toSubgraphLimits,
} from '../kit/config.ts';
import {
  checkOutboxRelayVariables,
  outboxRelayVariables,
  toOutboxRelayConfig,
} from '../kit/outbox-relay-setup.ts';
import { exportLinkVariables, toExportLinkConfig } from '../kit/export-link.ts';

const schema = z
  .object({
    /** PostgreSQL URL of the samples database. Required. */
    SAMPLES_DATABASE_URL: env.databaseUrl(),
    /** Port of the samples subgraph; default 4002. */
    SAMPLES_PORT: env.port(4002),
    /** Host to listen on; default 127.0.0.1. */
    SAMPLES_HOST: env.host().default('127.0.0.1'),
    ...tokenVerificationVariables,
    /** Most rows one export file (exportSamples, an analytics table) may hold; default 50000. */
    SAMPLES_EXPORT_MAX_ROWS: env.positiveInt(50_000),
    ...exportLinkVariables,
    ...operationLimitVariables,
    LOG_LEVEL: env.logLevel(),
    ...outboxRelayVariables,
  })
  .superRefine(checkOutboxRelayVariables)
  .transform((v) => ({
    databaseUrl: v.SAMPLES_DATABASE_URL,
    port: v.SAMPLES_PORT,
    host: v.SAMPLES_HOST,
    /** How access tokens are verified: the JWKS, issuer and audience. */
    jwt: toJwtVerifierOptions(v),
    exportMaxRows: v.SAMPLES_EXPORT_MAX_ROWS,
    /** How export links are signed, where they point and how long they work (kit/export-link.ts). */
    exportLinks: toExportLinkConfig(v),
    /** Depth, alias, selection and cost limits of operations on this port. */
    limits: toSubgraphLimits(v),
    logLevel: v.LOG_LEVEL,
    outboxRelay: toOutboxRelayConfig(v),
    /** Verifies the submission subgraph's signed sample commands (submission-intake.ts); intake is off without it. */
    relaySecret: v.OUTBOX_RELAY_SECRET,
  }));

export type SamplesConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadSamplesConfig(source: Record<string, string | undefined> = process.env): SamplesConfig {
  return loadConfig(schema, source);
}
