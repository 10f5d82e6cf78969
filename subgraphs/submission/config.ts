// The submission subgraph's configuration, from the environment (subgraphs/submission/index.ts) or built by the
// embedded stack with loadSubmissionConfig({ ...process.env, SUBMISSION_DATABASE_URL: url }).
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
import { SAMPLE_COMMANDS_PATH } from '../kit/sample-command-wire.ts';
import { EXTRACTION_COMMANDS_PATH } from '../kit/extraction-wire.ts';

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
    /** Longest an uploaded document (quote PDF or sheet) may take to read, in ms; default 30000. */
    SUBMISSION_PARSE_TIMEOUT_MS: env.positiveInt(30_000),
    /** Documents read at the same time, one worker thread each; default 1 (2 cores: one stays for requests). */
    SUBMISSION_PARSE_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
    /** Imports that may wait for a worker; more is TOO_MANY_REQUESTS; default 4. */
    SUBMISSION_PARSE_QUEUE: z.coerce.number().int().min(0).max(1000).default(4),
    /** Imports one caller may have being read or waiting; more is TOO_MANY_REQUESTS; default 2. */
    SUBMISSION_PARSE_PER_CALLER: z.coerce.number().int().min(1).max(100).default(2),
    /** Heap limit of each document worker, MB; default 256. */
    SUBMISSION_PARSE_MEMORY_MB: z.coerce.number().int().min(64).max(4096).default(256),
    /** Bytes all of a PDF's stream filters may produce together (a deflate bomb stops here); default 64 MiB. */
    SUBMISSION_PARSE_MAX_DECODED_BYTES: env.positiveInt(64 * 1024 * 1024),
    /** Content-stream work per PDF (operators + content bytes / 64, forms counted each time drawn); default 2M (the real quote needs 51,000). */
    SUBMISSION_PARSE_MAX_OPERATIONS: env.positiveInt(2_000_000),
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
    /**
     * The ai subgraph's origin (e.g. http://127.0.0.1:4006), for documents the quote reader cannot read (a scan,
     * an image, a document that is no quote): they are kept EXTRACTING and the ai subgraph is asked to read them
     * (commands to AI_INTERNAL_URL + /internal/ai/commands, signed with OUTBOX_RELAY_SECRET, which it needs).
     * Default none: such uploads are refused with their reader's code, as before.
     */
    AI_INTERNAL_URL: env.httpUrl().optional(),
    /** How long fetching an extraction's result from the ai subgraph may take, in ms; default 30000. */
    AI_RESULT_TIMEOUT_MS: env.positiveInt(30_000),
    /**
     * Largest extraction result (JSON) taken from the ai subgraph; default 16 MiB (a 5-page quote's page model is
     * 1.4 MB). It is read in a document worker, within SUBMISSION_PARSE_MEMORY_MB.
     */
    AI_RESULT_MAX_BYTES: env.positiveInt(16 * 1024 * 1024),
    ...tokenVerificationVariables,
    ...operationLimitVariables,
    LOG_LEVEL: env.logLevel(),
    ...outboxRelayVariables,
  })
  .superRefine((v, ctx) => {
    checkOutboxRelayVariables(v, ctx);
    if (v.AI_INTERNAL_URL && !v.OUTBOX_RELAY_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['OUTBOX_RELAY_SECRET'],
        message: 'required when AI_INTERNAL_URL is set (it signs the requests to and from the ai subgraph)',
      });
    // (An unparsable URL is reported by its own check; superRefine still runs.)
    if (v.AI_INTERNAL_URL && URL.canParse(v.AI_INTERNAL_URL) && new URL(v.AI_INTERNAL_URL).pathname !== '/')
      ctx.addIssue({
        code: 'custom',
        path: ['AI_INTERNAL_URL'],
        message: "must be an origin only (e.g. http://127.0.0.1:4006): the paths are the contract's",
      });
  })
  .transform((v) => {
    const commandsUrl = new URL(v.SAMPLES_COMMANDS_URL);
    if (commandsUrl.pathname === '/') commandsUrl.pathname = SAMPLE_COMMANDS_PATH;
    return {
      databaseUrl: v.SUBMISSION_DATABASE_URL,
      port: v.SUBMISSION_PORT,
      host: v.SUBMISSION_HOST,
      maxImportBytes: v.SUBMISSION_MAX_IMPORT_BYTES,
      parseTimeoutMs: v.SUBMISSION_PARSE_TIMEOUT_MS,
      /** How uploaded documents are read: workers, queue, per-caller bound and the budget of one document. */
      parse: {
        workers: v.SUBMISSION_PARSE_WORKERS,
        maxQueued: v.SUBMISSION_PARSE_QUEUE,
        perCaller: v.SUBMISSION_PARSE_PER_CALLER,
        timeoutMs: v.SUBMISSION_PARSE_TIMEOUT_MS,
        memoryLimitMb: v.SUBMISSION_PARSE_MEMORY_MB,
        maxDecodedBytes: v.SUBMISSION_PARSE_MAX_DECODED_BYTES,
        maxOperations: v.SUBMISSION_PARSE_MAX_OPERATIONS,
      },
      filesGraphqlUrl: v.FILES_GRAPHQL_URL,
      filesTimeoutMs: v.FILES_TIMEOUT_MS,
      /** How access tokens are verified: the JWKS, issuer and audience. */
      jwt: toJwtVerifierOptions(v),
      /** Depth, alias, selection and cost limits of operations on this port. */
      limits: toSubgraphLimits(v),
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
      /** Extraction by the ai subgraph (kit/extraction-wire.ts); undefined without AI_INTERNAL_URL. */
      extraction:
        v.AI_INTERNAL_URL && v.OUTBOX_RELAY_SECRET
          ? {
              aiOrigin: new URL(v.AI_INTERNAL_URL).origin,
              commandsUrl: new URL(EXTRACTION_COMMANDS_PATH, v.AI_INTERNAL_URL).toString(),
              secret: v.OUTBOX_RELAY_SECRET,
              batchSize: v.OUTBOX_RELAY_BATCH_SIZE,
              resultTimeoutMs: v.AI_RESULT_TIMEOUT_MS,
              resultMaxBytes: v.AI_RESULT_MAX_BYTES,
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
