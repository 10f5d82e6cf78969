// The ai subgraph's internal endpoints for the submission subgraph (kit/extraction-wire.ts is the contract):
// - POST EXTRACTION_COMMANDS_PATH: signed command batches (kit/signed-batch.ts), from the service 'submission'
//   only. EXTRACTION_REQUESTED queues a job (idempotent per document); EXTRACTION_FILE_STORED links its jobs to
//   the original in the files subgraph (File.extraction); SUBMISSION_ACCEPTED adds the submission to
//   the retrieval corpus. Retrieval off: rejected for good (RETRIEVAL_OFF, counted); the vector store down: the
//   batch answers 503 so the relay keeps the command and retries it.
// - GET RESULT_PATH: a SUCCEEDED job's result (kit/signed-get.ts), for the service 'submission' only.
import type { Express } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { ZodType } from 'zod';
import type { PrismaClient } from '../../generated/prisma/ai/client.ts';
import {
  checkCommand,
  EXTRACTION_COMMANDS_PATH,
  EXTRACTION_FILE_STORED,
  EXTRACTION_REQUESTED,
  extractionFileStoredSchema,
  extractionRequestedSchema,
  RESULT_PATH,
  SUBMISSION_ACCEPTED,
  SUBMISSION_SERVICE,
  submissionAcceptedSchema,
  type ExtractionFileStored,
  type ExtractionRequested,
  type SubmissionAccepted,
} from '../kit/extraction-wire.ts';
import type { Logger } from '../kit/logger.ts';
import type { IngestResult, WireEvent } from '../kit/outbox-wire.ts';
import { mountSignedBatchEndpoint } from '../kit/signed-batch.ts';
import { mountSignedGet } from '../kit/signed-get.ts';
import { isUuid } from '../kit/uuid.ts';
import type { JobQueue } from './jobs/types.ts';
import { RetrievalInputError } from './retrieval/errors.ts';
import type { Retrieval } from './retrieval/types.ts';

type Command = ExtractionRequested | ExtractionFileStored | SubmissionAccepted;

const COMMAND_SCHEMAS = {
  [EXTRACTION_REQUESTED]: extractionRequestedSchema,
  [EXTRACTION_FILE_STORED]: extractionFileStoredSchema,
  [SUBMISSION_ACCEPTED]: submissionAcceptedSchema,
} as Record<string, ZodType<Command>>;

export interface CommandIntakeOptions {
  /** OUTBOX_RELAY_SECRET; without it both endpoints answer 503 (commands wait in the submission subgraph). */
  secret: string | undefined;
  queue: JobQueue;
  retrieval: Retrieval | null;
  prisma: PrismaClient;
  registry: Registry;
  log: Logger;
}

/** A command that cannot be applied now but may be later: the whole batch answers 503 and is retried. */
class RetryLater extends Error {}

export function mountCommandIntake(app: Express, options: CommandIntakeOptions): void {
  const { queue, retrieval, log } = options;
  const rejected = new Counter({
    name: 'ai_commands_rejected_total',
    help: 'Commands from the submission subgraph refused for good, by type and code (RETRIEVAL_OFF: CHROMA_URL unset)',
    labelNames: ['type', 'code'] as const,
    registers: [options.registry],
  });

  const reject = (event: WireEvent, code: string, message: string): IngestResult => {
    rejected.inc({ type: event.type, code });
    return { id: event.id, status: 'rejected', code, message };
  };

  async function apply(event: WireEvent, payload: Command): Promise<IngestResult> {
    const system = { userId: null, roles: [], requestId: event.requestId };
    if (event.type === EXTRACTION_REQUESTED) {
      const { created } = await queue.enqueue(payload as ExtractionRequested, system);
      return { id: event.id, status: created ? 'stored' : 'duplicate' };
    }
    if (event.type === EXTRACTION_FILE_STORED) {
      const { submissionId, fileId } = payload as ExtractionFileStored;
      const linked = await queue.linkFile(submissionId, fileId, system);
      return { id: event.id, status: linked > 0 ? 'stored' : 'duplicate' };
    }
    if (!retrieval)
      return reject(event, 'RETRIEVAL_OFF', 'retrieval is not configured (CHROMA_URL is not set)');
    try {
      await retrieval.indexAccepted(payload as SubmissionAccepted);
      return { id: event.id, status: 'stored' };
    } catch (error) {
      if (error instanceof RetrievalInputError) return reject(event, error.code, error.message);
      // VECTOR_STORE_UNAVAILABLE, EMBEDDER_UNAVAILABLE or anything unexpected: keep it at the sender.
      throw new RetryLater(`retrieval failed: ${(error as Error).message}`, { cause: error });
    }
  }

  mountSignedBatchEndpoint(app, EXTRACTION_COMMANDS_PATH, {
    secret: options.secret,
    senders: [SUBMISSION_SERVICE],
    log,
    what: 'extraction commands',
    async handle(events, _sender, requestLog) {
      const results: IngestResult[] = [];
      // In order, one at a time: few commands arrive, and a failure part-way leaves the earlier ones applied
      // (the retried batch finds them as duplicates: enqueue and indexAccepted are idempotent).
      for (const raw of events) {
        const checked = checkCommand<Command>(raw, COMMAND_SCHEMAS);
        if (!checked.ok) {
          const { code = 'INVALID', message = '' } = checked.result;
          const type = (raw as { type?: unknown })?.type;
          // Label values stay bounded: an unknown type is counted as 'other'.
          rejected.inc({ type: typeof type === 'string' && type in COMMAND_SCHEMAS ? type : 'other', code });
          results.push({ ...checked.result, code, message });
          continue;
        }
        try {
          results.push(await apply(checked.event, checked.payload));
        } catch (error) {
          requestLog.warn(
            { err: error, eventId: checked.event.id },
            'extraction command not applied; the sender retries',
          );
          throw error;
        }
      }
      return results;
    },
  });

  mountSignedGet(app, RESULT_PATH, {
    secret: options.secret,
    senders: [SUBMISSION_SERVICE],
    log,
    async handle(req, res) {
      const jobId = String(req.params.jobId ?? '');
      const job = isUuid(jobId)
        ? await options.prisma.extractionJob.findUnique({
            where: { id: jobId.toLowerCase() },
            select: { status: true, result: true },
          })
        : null;
      if (!job || job.status !== 'SUCCEEDED' || job.result === null) {
        res
          .status(404)
          .json({ error: { code: 'NOT_FOUND', message: 'no succeeded extraction with this id' } });
        return;
      }
      res.json(job.result);
    },
  });
}
