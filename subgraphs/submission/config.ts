// The submission subgraph's configuration, from the environment (subgraphs/submission/index.ts) or built by the
// embedded stack with loadSubmissionConfig({ ...process.env, SUBMISSION_DATABASE_URL: url }).
import { z } from 'zod';
import { env, loadConfig, toJwtVerifierOptions, tokenVerificationVariables } from '../kit/config.ts';
import {
  checkOutboxRelayVariables,
  outboxRelayVariables,
  toOutboxRelayConfig,
} from '../kit/outbox-relay-setup.ts';

/** Where accepted submissions' sample commands go (the samples subgraph's intake), path included. */
export const SAMPLE_COMMANDS_PATH = '/internal/samples/commands';

const schema = z
  .object({
    /** PostgreSQL URL of the submission database. Required. */
    SUBMISSION_DATABASE_URL: env.databaseUrl(),
    /** Port of the submission subgraph; default 4003. */
    SUBMISSION_PORT: env.port(4003),
    /** Host to listen on; default 127.0.0.1. */
    SUBMISSION_HOST: env.host().default('127.0.0.1'),
    /** Largest file importSubmission reads (into memory: the readers need the whole document); default 20 MiB. */
    SUBMISSION_MAX_IMPORT_BYTES: env.positiveInt(20 * 1024 * 1024),
    /** Longest a quote PDF may take to read, in ms; default 30000. */
    SUBMISSION_PARSE_TIMEOUT_MS: env.positiveInt(30_000),
    /** The files subgraph, where the original file is stored; default http://127.0.0.1:4004/graphql. */
    FILES_GRAPHQL_URL: env.httpUrl().default('http://127.0.0.1:4004/graphql'),
    /** How long storing the original file may take, in ms; default 30000 (then FILE_NOT_STORED). */
    FILES_TIMEOUT_MS: env.positiveInt(30_000),
    /**
     * The samples subgraph's intake, to which the sample commands of accepted submissions are delivered (signed
     * with OUTBOX_RELAY_SECRET; without the secret they wait in sample_command); default
     * http://127.0.0.1:4002/internal/samples/commands. An origin alone gets the path added.
     */
    SAMPLES_COMMANDS_URL: env.httpUrl().default(`http://127.0.0.1:4002${SAMPLE_COMMANDS_PATH}`),
    ...tokenVerificationVariables,
    /** Take the client address from X-Forwarded-For (one trusted proxy hop); default false. */
    TRUST_PROXY: env.flag(false),
    LOG_LEVEL: env.logLevel(),
    ...outboxRelayVariables,
  })
  .superRefine(checkOutboxRelayVariables)
  .transform((v) => {
    const commandsUrl = new URL(v.SAMPLES_COMMANDS_URL);
    if (commandsUrl.pathname === '/') commandsUrl.pathname = SAMPLE_COMMANDS_PATH;
    return {
      databaseUrl: v.SUBMISSION_DATABASE_URL,
      port: v.SUBMISSION_PORT,
      host: v.SUBMISSION_HOST,
      maxImportBytes: v.SUBMISSION_MAX_IMPORT_BYTES,
      parseTimeoutMs: v.SUBMISSION_PARSE_TIMEOUT_MS,
      filesGraphqlUrl: v.FILES_GRAPHQL_URL,
      filesTimeoutMs: v.FILES_TIMEOUT_MS,
      /** How access tokens are verified: the JWKS, issuer and audience. */
      jwt: toJwtVerifierOptions(v),
      trustProxy: v.TRUST_PROXY,
      logLevel: v.LOG_LEVEL,
      /** Audit delivery of the outbox; undefined when off. */
      outboxRelay: toOutboxRelayConfig(v),
      /** Delivery of sample commands to the samples subgraph; undefined (commands wait) without the secret. */
      sampleCommands: v.OUTBOX_RELAY_SECRET
        ? {
            secret: v.OUTBOX_RELAY_SECRET,
            ingestUrl: commandsUrl.toString(),
            batchSize: v.OUTBOX_RELAY_BATCH_SIZE,
          }
        : undefined,
    };
  });

export type SubmissionConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadSubmissionConfig(
  source: Record<string, string | undefined> = process.env,
): SubmissionConfig {
  return loadConfig(schema, source);
}
