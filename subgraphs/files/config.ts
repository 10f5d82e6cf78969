// The files subgraph's configuration, from the environment (subgraphs/files/index.ts) or built by the embedded
// stack with loadFilesConfig({ ...process.env, FILES_DATABASE_URL: url, FILES_SIGNING_SECRET: secret }).
import { resolve } from 'node:path';
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

/** The shortest signing secret accepted, in characters. */
export const MIN_SIGNING_SECRET_LENGTH = 32;

const schema = z
  .object({
    /** PostgreSQL URL of the files database. Required. */
    FILES_DATABASE_URL: env.databaseUrl(),
    /** Port of the files subgraph; default 4004. */
    FILES_PORT: env.port(4004),
    /** Host to listen on; default 127.0.0.1. */
    FILES_HOST: env.host().default('127.0.0.1'),
    /** Where the bytes are kept (blobs/ and tmp/ inside, on one filesystem); default .data/files. */
    FILES_DIR: z.string().default('.data/files'),
    /**
     * HMAC key of download URLs. At least 32 characters; no default (`npm start` generates one per run, so URLs
     * die with the process, which is fine: they live minutes).
     */
    FILES_SIGNING_SECRET: z.string().min(MIN_SIGNING_SECRET_LENGTH, {
      message: `must be at least ${MIN_SIGNING_SECRET_LENGTH} characters`,
    }),
    /** The origin download URLs point at: the router, which proxies /files/*; default http://localhost:4000. */
    FILES_PUBLIC_URL: env.httpUrl().default('http://localhost:4000'),
    /** How long a download URL works, in seconds; default 300. */
    FILES_URL_TTL_SECONDS: env.positiveInt(300),
    /** Largest upload in bytes, behind the router's own limit; default 262144000 (250 MiB). */
    FILES_MAX_FILE_BYTES: env.positiveInt(262_144_000),
    /** Most files one request may carry; default 10. */
    FILES_MAX_FILES: env.positiveInt(10),
    /** The samples subgraph, asked whether the caller may see a sample; default http://127.0.0.1:4002/graphql. */
    SAMPLES_GRAPHQL_URL: env.httpUrl().default('http://127.0.0.1:4002/graphql'),
    /** The submission subgraph, asked the same of submissions; default http://127.0.0.1:4003/graphql. */
    SUBMISSION_GRAPHQL_URL: env.httpUrl().default('http://127.0.0.1:4003/graphql'),
    ...tokenVerificationVariables,
    ...operationLimitVariables,
    LOG_LEVEL: env.logLevel(),
    ...outboxRelayVariables,
  })
  .superRefine(checkOutboxRelayVariables)
  .transform((v) => ({
    databaseUrl: v.FILES_DATABASE_URL,
    port: v.FILES_PORT,
    host: v.FILES_HOST,
    filesDir: resolve(v.FILES_DIR),
    signingSecret: v.FILES_SIGNING_SECRET,
    publicUrl: v.FILES_PUBLIC_URL.replace(/\/+$/, ''),
    urlTtlSeconds: v.FILES_URL_TTL_SECONDS,
    maxFileBytes: v.FILES_MAX_FILE_BYTES,
    maxFiles: v.FILES_MAX_FILES,
    samplesGraphqlUrl: v.SAMPLES_GRAPHQL_URL,
    submissionGraphqlUrl: v.SUBMISSION_GRAPHQL_URL,
    /** How access tokens are verified: the JWKS, issuer and audience. */
    jwt: toJwtVerifierOptions(v),
    /** Depth, alias, selection and cost limits of operations on this port. */
    limits: toSubgraphLimits(v),
    logLevel: v.LOG_LEVEL,
    outboxRelay: toOutboxRelayConfig(v),
  }));

export type FilesConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadFilesConfig(source: Record<string, string | undefined> = process.env): FilesConfig {
  return loadConfig(schema, source);
}
