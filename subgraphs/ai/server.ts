// createAiSubgraph: the ai subgraph, built from its config without listening (tests and the embedded stack call
// listen themselves). Serves /graphql (extraction jobs, aiStatus, retrieval), the internal endpoints of
// kit/extraction-wire.ts for the submission subgraph (command-intake.ts), /health, /ready and /metrics. Two
// relays run beside it: the outbox relay delivers every job change to the audit subgraph, and the notice relay
// delivers EXTRACTION_FINISHED notices to the submission subgraph. The job runner, when given, runs while the
// subgraph listens.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PrismaClient } from '../../generated/prisma/ai/client.ts';
import type { Logger } from '../kit/logger.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../kit/outbox-relay.ts';
import type { RunningServer } from '../kit/server.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import { mountCommandIntake } from './command-intake.ts';
import { registerJobMetrics } from './jobs/job-metrics.ts';
import type { AiConfig } from './config.ts';
import { createContextFactory, type AiServices, type Context } from './context.ts';
import { createExtractors } from './extractors.ts';
import { createJobRunner } from './jobs/runner.ts';
import { SERVICE_NAME, type AiDeps, type OcrInfo } from './deps.ts';
import { fetchDocument } from './document-fetch.ts';
import { createJobService } from './job.service.ts';
import { jobResolvers } from './job.resolvers.ts';
import { createJobQueue } from './jobs/queue.ts';
import type { JobRunner } from './jobs/types.ts';
import type { ExtractionJob } from '../../generated/prisma/ai/client.ts';
import { llmFromConfig } from './llm/config.ts';
import type { Llm } from './llm/types.ts';
import { permissions } from './permissions.ts';
import { retrievalFromConfig } from './retrieval/config.ts';
import type { Retrieval } from './retrieval/types.ts';
import { retrievalResolvers } from './retrieval.resolvers.ts';
import { statusResolvers } from './status.resolvers.ts';

export const AI_TYPE_DEFS = readFileSync(new URL('../../schema/ai.graphql', import.meta.url), 'utf8');

/** The table the second relay delivers (prisma/ai/schema.prisma's ExtractionNotice). */
export const EXTRACTION_NOTICE_TABLE = 'extraction_notice';

/** What a runner factory is given: the subgraph's database and the pieces a runner needs of it. */
export interface RunnerParts {
  prisma: PrismaClient;
  log: Logger;
  /** The job's document from the submission subgraph (document-fetch.ts with this config's URL, secret, cap). */
  fetchDocument(job: ExtractionJob, signal: AbortSignal): Promise<Uint8Array>;
  /** Wakes both relays: pass as the runner's onFinished. */
  notify(): void;
  llm: Llm | null;
}

export interface AiSubgraphDeps extends SubgraphOptions {
  /**
   * Similar submissions and vocabulary; null: off (RETRIEVAL_OFF, aiStatus DEGRADED). Absent: built from the
   * config (retrievalFromConfig: off when CHROMA_URL is unset). Closed on close.
   */
  retrieval?: Retrieval | null;
  /**
   * The LLM for DOCUMENT extractions; null: off (aiStatus says not configured). Absent: built from the config
   * (llmFromConfig: off without OLLAMA_HOST and OLLAMA_MODEL). Closed on close.
   */
  llm?: Llm | null;
  /**
   * The job runner, or how to build it from the subgraph's parts: started when the subgraph listens, stopped
   * first on close. Absent: the configured runner (config.jobs, extractors.ts), none when AI_JOB_CONCURRENCY is
   * 0; null: none (jobs wait QUEUED for another process).
   */
  runner?: JobRunner | ((parts: RunnerParts) => JobRunner) | null;
  /** What aiStatus reports of OCR; default tesseract.js's version and English. */
  ocr?: OcrInfo;
  /** Overrides of the notice relay's options (tests). Used only when delivery is on. */
  noticeRelay?: Partial<OutboxRelayOptions>;
}

export interface AiSubgraph extends Subgraph<PrismaClient> {
  deps: AiDeps;
  services: AiServices;
  /** Delivers EXTRACTION_FINISHED notices to the submission subgraph; undefined without OUTBOX_RELAY_SECRET. */
  noticeRelay: OutboxRelay | undefined;
  runner: JobRunner | undefined;
}

/** The OCR engine as installed (nothing is downloaded: the model ships in node_modules). */
function installedOcr(): OcrInfo {
  const require = createRequire(import.meta.url);
  const engine = (require('tesseract.js/package.json') as { version: string }).version;
  const model = (require('@tesseract.js-data/eng/package.json') as { version: string }).version;
  return { languages: ['eng'], version: `tesseract.js ${engine} eng ${model}` };
}

/** The runner the config asks for: its concurrency, lease and budget, the extractors of extractors.ts. */
function configuredRunner(config: AiConfig): ((parts: RunnerParts) => JobRunner) | null {
  if (config.jobs.concurrency === 0) return null;
  return (parts) =>
    createJobRunner({
      ...config.jobs,
      prisma: parts.prisma,
      log: parts.log,
      fetchDocument: parts.fetchDocument,
      onFinished: parts.notify,
      extractors: createExtractors(parts.llm),
    });
}

export async function createAiSubgraph(config: AiConfig, options: AiSubgraphDeps = {}): Promise<AiSubgraph> {
  let noticeRelay: OutboxRelay | undefined;
  let runner: JobRunner | undefined;

  const subgraph = await createSubgraph<
    PrismaClient,
    Context,
    { deps: AiDeps; services: AiServices },
    { noticeRelay: OutboxRelay | undefined }
  >({
    name: SERVICE_NAME,
    config,
    options,
    PrismaClient,
    build({ prisma, log, now, notifyRelay, onClose }) {
      const notify = () => {
        notifyRelay();
        noticeRelay?.notify();
      };
      const retrieval =
        options.retrieval !== undefined ? options.retrieval : retrievalFromConfig(config.retrieval, log);
      if (retrieval) onClose(() => retrieval.close());
      // Built here (from the config) only when the caller gave none; then it is this subgraph's to close.
      const ownLlm = options.llm === undefined ? llmFromConfig(config.llm, log) : null;
      if (ownLlm) onClose(() => ownLlm.close());
      const llm = options.llm !== undefined ? options.llm : ownLlm;
      const queue = createJobQueue({ prisma, notify });
      const deps: AiDeps = {
        prisma,
        config,
        now,
        log,
        queue,
        retrieval,
        llm,
        ocr: options.ocr ?? installedOcr(),
      };
      const services: AiServices = { jobs: createJobService(deps) };
      const build = options.runner === undefined ? configuredRunner(config) : options.runner;
      if (typeof build === 'function') {
        const secret = config.serviceSecret;
        runner = build({
          prisma,
          log,
          llm,
          notify,
          fetchDocument(job, signal) {
            if (!secret) throw new Error('OUTBOX_RELAY_SECRET is not set: documents cannot be fetched');
            return fetchDocument(job, {
              submissionUrl: config.submissionUrl,
              secret,
              maxBytes: config.documents.maxBytes,
              signal: AbortSignal.any([signal, AbortSignal.timeout(config.documents.timeoutMs)]),
            });
          },
        });
      } else runner = build ?? undefined;
      return {
        server: {
          typeDefs: AI_TYPE_DEFS,
          resolvers: [jobResolvers, statusResolvers, retrievalResolvers],
          permissions,
          createContext: createContextFactory(deps, services),
        },
        mount: ({ app, metrics }) => {
          mountCommandIntake(app, {
            secret: config.serviceSecret,
            queue,
            retrieval,
            prisma,
            registry: metrics.registry,
            log,
          });
          registerJobMetrics(metrics.registry, { prisma, now, log });
        },
        relays(registry) {
          if (!config.notices) {
            log.warn(
              'extraction notices: delivery is off (OUTBOX_RELAY_SECRET not set); notices wait in extraction_notice',
            );
            return { noticeRelay: undefined };
          }
          noticeRelay = createOutboxRelay({
            databaseUrl: config.databaseUrl,
            table: EXTRACTION_NOTICE_TABLE,
            service: SERVICE_NAME,
            ingestUrl: config.notices.ingestUrl,
            secret: config.notices.secret,
            batchSize: config.notices.batchSize,
            registry,
            logger: log,
            now,
            ...options.noticeRelay,
          });
          return { noticeRelay };
        },
        fields: { deps, services },
      };
    },
  });

  let started = false;
  let closing: Promise<void> | undefined;
  return {
    ...subgraph,
    runner,
    async listen(port?: number, host?: string): Promise<RunningServer> {
      const running = await subgraph.listen(port, host);
      if (!started) {
        started = true;
        runner?.start();
      }
      return running;
    },
    close() {
      // The runner first: its last writes (released leases, their events) reach the relays' tables before they stop.
      closing ??= (async () => {
        await runner?.stop();
        await subgraph.close();
      })();
      return closing;
    },
  };
}
