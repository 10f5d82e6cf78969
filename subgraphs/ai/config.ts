// The ai subgraph's configuration, from the environment (subgraphs/ai/index.ts) or built by the embedded stack
// with loadAiConfig({ ...process.env, AI_DATABASE_URL: url }).
import { z } from 'zod';
import {
  env,
  loadConfig,
  toJwtVerifierOptions,
  tokenVerificationVariables,
  operationLimitVariables,
  toSubgraphLimits,
} from '../kit/config.ts';
import { EXTRACTION_RESULTS_PATH } from '../kit/extraction-wire.ts';
import {
  checkOutboxRelayVariables,
  outboxRelayVariables,
  toOutboxRelayConfig,
} from '../kit/outbox-relay-setup.ts';
import { llmVariables } from './llm/config.ts';
import { retrievalVariables } from './retrieval/config.ts';

const schema = z
  .object({
    /** PostgreSQL URL of the ai database. Required. */
    AI_DATABASE_URL: env.databaseUrl(),
    /** Port of the ai subgraph; default 4006. */
    AI_PORT: env.port(4006),
    /** Host to listen on; default 127.0.0.1. */
    AI_HOST: env.host().default('127.0.0.1'),
    /**
     * The submission subgraph's origin for internal calls: documents are fetched from it (signed GET) and
     * EXTRACTION_FINISHED notices delivered to it (with OUTBOX_RELAY_SECRET); default http://127.0.0.1:4003.
     */
    SUBMISSION_INTERNAL_URL: env.httpUrl().default('http://127.0.0.1:4003'),
    /** Largest document fetched for an extraction, in bytes; default 20 MiB (the submission import limit). */
    AI_MAX_DOCUMENT_BYTES: env.positiveInt(20 * 1024 * 1024),
    /** How long fetching one document may take, in ms; default 30000. */
    AI_DOCUMENT_TIMEOUT_MS: env.positiveInt(30_000),
    /** Extraction jobs this process runs at once; default 1 (OCR takes a core); 0: this process runs none. */
    AI_JOB_CONCURRENCY: z.coerce.number().int().min(0).max(16).default(1),
    /** How long a claimed job is held without a heartbeat, in ms; default 15000 (then another worker takes it). */
    AI_JOB_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
    /** Time a job may run over all its attempts, in ms; default 600000. */
    AI_JOB_TIMEOUT_MS: env.positiveInt(600_000),
    /** First wait before another attempt, in ms (doubling each time); default 1000. */
    AI_JOB_BACKOFF_BASE_MS: env.positiveInt(1000),
    /** Longest wait between attempts, in ms; default 60000. */
    AI_JOB_BACKOFF_MAX_MS: env.positiveInt(60_000),
    /** CHROMA_URL, OLLAMA_HOST, OLLAMA_EMBED_MODEL, RETRIEVAL_TIMEOUT_MS (./retrieval/config.ts). */
    ...retrievalVariables,
    /** OLLAMA_HOST, OLLAMA_MODEL, OLLAMA_TIMEOUT_MS (./llm/config.ts). */
    ...llmVariables,
    ...tokenVerificationVariables,
    ...operationLimitVariables,
    LOG_LEVEL: env.logLevel(),
    ...outboxRelayVariables,
  })
  .superRefine(checkOutboxRelayVariables)
  .transform((v) => {
    const submissionUrl = v.SUBMISSION_INTERNAL_URL.replace(/\/+$/, '');
    return {
      databaseUrl: v.AI_DATABASE_URL,
      port: v.AI_PORT,
      host: v.AI_HOST,
      /** The submission subgraph's origin (internal endpoints). */
      submissionUrl,
      /** What fetchDocument (document-fetch.ts) is given besides the job. */
      documents: { maxBytes: v.AI_MAX_DOCUMENT_BYTES, timeoutMs: v.AI_DOCUMENT_TIMEOUT_MS },
      /** The job runner's settings (jobs/runner.ts); concurrency 0: no runner in this process. */
      jobs: {
        concurrency: v.AI_JOB_CONCURRENCY,
        leaseMs: v.AI_JOB_LEASE_MS,
        jobTimeoutMs: v.AI_JOB_TIMEOUT_MS,
        backoff: { baseMs: v.AI_JOB_BACKOFF_BASE_MS, maxMs: v.AI_JOB_BACKOFF_MAX_MS },
      },
      /** Retrieval's settings (retrievalFromConfig); CHROMA_URL unset: retrieval off. */
      retrieval: {
        CHROMA_URL: v.CHROMA_URL,
        OLLAMA_HOST: v.OLLAMA_HOST,
        OLLAMA_EMBED_MODEL: v.OLLAMA_EMBED_MODEL,
        RETRIEVAL_TIMEOUT_MS: v.RETRIEVAL_TIMEOUT_MS,
      },
      /** The LLM's settings (llmFromConfig); OLLAMA_HOST or OLLAMA_MODEL unset: the LLM is off. */
      llm: {
        OLLAMA_HOST: v.OLLAMA_HOST,
        OLLAMA_MODEL: v.OLLAMA_MODEL,
        OLLAMA_TIMEOUT_MS: v.OLLAMA_TIMEOUT_MS,
      },
      /** OUTBOX_RELAY_SECRET: signs and verifies the internal endpoints; undefined: they answer 503. */
      serviceSecret: v.OUTBOX_RELAY_SECRET,
      /** How access tokens are verified: the JWKS, issuer and audience. */
      jwt: toJwtVerifierOptions(v),
      /** Depth, alias, selection and cost limits of operations on this port. */
      limits: toSubgraphLimits(v),
      logLevel: v.LOG_LEVEL,
      /** Audit delivery of the outbox; undefined when off. */
      outboxRelay: toOutboxRelayConfig(v),
      /** Delivery of EXTRACTION_FINISHED notices to the submission subgraph; undefined (they wait) without the secret. */
      notices: v.OUTBOX_RELAY_SECRET
        ? {
            secret: v.OUTBOX_RELAY_SECRET,
            ingestUrl: `${submissionUrl}${EXTRACTION_RESULTS_PATH}`,
            batchSize: v.OUTBOX_RELAY_BATCH_SIZE,
          }
        : undefined,
    };
  });

export type AiConfig = z.output<typeof schema>;

/** Parses and validates; throws ConfigError naming every bad or missing variable. */
export function loadAiConfig(source: Record<string, string | undefined> = process.env): AiConfig {
  return loadConfig(schema, source);
}
