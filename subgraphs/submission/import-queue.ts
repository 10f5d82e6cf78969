// Bounds the documents being read: at most `workers` at a time (the document worker pool), at most `maxQueued`
// more waiting for a worker, and at most `perCaller` read or waiting for any one caller. Beyond that an import is
// refused at once with TOO_MANY_REQUESTS and a retry hint, instead of queueing without end: one caller uploading
// in a loop cannot starve the others, and a burst cannot pile up bytes in memory.
import { ERRORS } from '../kit/errors.ts';
import { DocumentWorkerPool, type WorkerOutcome } from './document-worker/pool.ts';
import type { DocumentJob } from './document-worker/worker.ts';

export interface ImportQueueOptions {
  /** Documents read at the same time (workers). */
  workers: number;
  /** Imports that may wait for a worker. */
  maxQueued: number;
  /** Imports one caller may have being read or waiting. */
  perCaller: number;
  /** Wall-clock limit per document, ms. */
  timeoutMs: number;
  /** Heap limit per worker, MB. */
  memoryLimitMb: number;
}

export class ImportQueue {
  private readonly pool: DocumentWorkerPool;
  private readonly byCaller = new Map<string, number>();
  private admitted = 0;
  /** Moving average of how long a document takes to read, for the retry hint. */
  private averageMs = 1_000;

  constructor(private readonly options: ImportQueueOptions) {
    this.pool = new DocumentWorkerPool({
      size: options.workers,
      timeoutMs: options.timeoutMs,
      memoryLimitMb: options.memoryLimitMb,
    });
  }

  /** Imports being read or waiting: for metrics and tests. */
  get size(): number {
    return this.admitted;
  }

  /** Reads a document for `callerId` in a worker, or throws TOO_MANY_REQUESTS when the limits are reached. */
  async read(callerId: string, job: DocumentJob): Promise<WorkerOutcome> {
    const mine = this.byCaller.get(callerId) ?? 0;
    if (mine >= this.options.perCaller)
      throw this.tooMany(
        `you already have ${mine} import(s) being read; wait for them to finish`,
        'PER_CALLER_IMPORTS',
      );
    if (this.admitted >= this.options.workers + this.options.maxQueued)
      throw this.tooMany(
        'the server is reading as many imports as it can; retry shortly',
        'IMPORT_QUEUE_FULL',
      );
    this.admitted += 1;
    this.byCaller.set(callerId, mine + 1);
    const started = performance.now();
    try {
      return await this.pool.run(job);
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      this.admitted -= 1;
      const left = (this.byCaller.get(callerId) ?? 1) - 1;
      if (left > 0) this.byCaller.set(callerId, left);
      else this.byCaller.delete(callerId);
    }
  }

  close(): void {
    this.pool.close();
  }

  private tooMany(message: string, rule: string) {
    // The queue ahead drains at `workers` documents per average read.
    const waitMs = (this.averageMs * (this.admitted + 1)) / this.options.workers;
    return ERRORS.TOO_MANY_REQUESTS.err(message, {
      field: 'file',
      rule,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    });
  }
}
