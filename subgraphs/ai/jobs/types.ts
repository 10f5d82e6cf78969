// What the ai subgraph's extraction jobs offer the rest of it (resolvers, the command receiver, aiStatus, the
// server). Implemented over PostgreSQL (prisma/ai ExtractionJob) in ./queue.ts and ./runner.ts.
import type { ExtractionJob } from '../../../generated/prisma/ai/client.ts';
import type { ExtractionRequested, ExtractionResult } from '../../kit/extraction-wire.ts';

/** Who asked, recorded on the job's audit events. Null fields for the system (a command, the runner). */
export interface JobActor {
  userId: string | null;
  roles: string[];
  requestId: string | null;
}

export interface QueueDepth {
  queued: number;
  running: number;
  oldestQueuedAt: Date | null;
}

export interface JobQueue {
  /**
   * Queues a job for a requested extraction, with an `extraction.queued` audit event in the same transaction.
   * The same document (sha256) for the same submission is one job: `created` is false and nothing is written.
   */
  enqueue(request: ExtractionRequested, actor: JobActor): Promise<{ job: ExtractionJob; created: boolean }>;
  /**
   * QUEUED → CANCELLED at once; RUNNING → cancelRequested (the runner aborts it and ends it CANCELLED).
   * Throws a JobStateError (code JOB_NOT_CANCELLABLE) for a finished job.
   */
  cancel(jobId: string, actor: JobActor): Promise<ExtractionJob>;
  /** FAILED or CANCELLED → QUEUED with fresh attempts. Throws a JobStateError (JOB_NOT_RETRYABLE) otherwise. */
  retry(jobId: string, actor: JobActor): Promise<ExtractionJob>;
  /**
   * Records where the submission's original was stored (File.extraction) on its jobs that have no file yet, with
   * an `extraction.file_linked` event each. Returns how many jobs changed (0: a repeated command).
   */
  linkFile(submissionId: string, fileId: string, actor: JobActor): Promise<number>;
  depth(): Promise<QueueDepth>;
}

/** What an extractor is given for one attempt at one job. */
export interface ExtractionAttempt {
  job: ExtractionJob;
  /** The document's bytes, fetched from the submission subgraph. */
  document: Uint8Array;
  /** Aborted on cancel, on the job's time budget, on lost lease and on shutdown. */
  signal: AbortSignal;
  /** Progress as pages done of total; written to the job (throttled) with the heartbeat. */
  progress(pagesDone: number, pagesTotal: number): void;
}

export interface ExtractionOutput {
  result: ExtractionResult;
  /** Recorded on the job. */
  versions: { model?: string; promptVersion?: string; ocrVersion?: string };
}

/** One per ExtractionKind. Throws a JobError (./errors.ts) with a code; `retryable` decides a retry. */
export type Extractor = (attempt: ExtractionAttempt) => Promise<ExtractionOutput>;

export interface JobRunner {
  /** Starts claiming (FOR UPDATE SKIP LOCKED) up to `concurrency` jobs at a time. */
  start(): void;
  /** Stops claiming, aborts running attempts, releases their leases, waits for them. */
  stop(): Promise<void>;
}
