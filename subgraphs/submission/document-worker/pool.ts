// Every uploaded document is read in a worker thread, never on the main thread: the main thread passes the bytes
// and receives the result, and keeps answering /health while a document is read. A worker has a heap limit
// (resourceLimits) and each document a wall-clock limit (the worker is terminated when it runs out); the work a
// document may ask for (bytes decoded, operators, nesting) is the reader's own budget (quote-pdf/budget.ts).
//
// Workers are started ahead (loading the readers takes longer than reading a quote) and read one document at a
// time. A worker that ran out of a limit (time, memory, the reader's budget), crashed, or left pdf2json running
// (after TOO_MANY_PAGES) is terminated and replaced, as is one that has read `maxJobsPerWorker` documents: no
// document shares a worker with what a hostile one left behind. A plain refusal (not a quote, encrypted) keeps it. The caller gets the reader's result or a
// typed failure, never an exception.
import { Worker } from 'node:worker_threads';
import type { DocumentJob } from './worker.ts';

export interface DocumentWorkerPoolOptions {
  /** Documents read at the same time (one worker each). */
  size: number;
  /** Wall-clock limit per document, ms, from when its worker takes it. */
  timeoutMs: number;
  /** Heap limit of each worker, MB. */
  memoryLimitMb: number;
  /** Documents a worker reads before it is replaced. Default 25. */
  maxJobsPerWorker?: number;
}

export type WorkerFailureCode = 'PARSE_TIMEOUT' | 'PARSE_BUDGET_EXCEEDED' | 'PARSER_FAILED';

export type WorkerOutcome =
  | { ok: true; result: unknown }
  | { ok: false; failure: { code: WorkerFailureCode; detail: Record<string, string | number> } };

const BOOT = new URL('./boot.mjs', import.meta.url);

type WorkerMessage = { type: 'ready' } | { type: 'result'; result: unknown; reusable: boolean };

/** One worker and the document it is reading, if any. */
class DocumentWorker {
  private readonly worker: Worker;
  private current: ((outcome: WorkerOutcome) => void) | null = null;
  /** Resolves when the readers are loaded: a document's time starts then, not while the worker loads. */
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private ended = false;
  jobs = 0;
  /** The last document left nothing behind and stayed within its budget. */
  reusable = true;

  constructor(memoryLimitMb: number) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.worker = new Worker(BOOT, {
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb },
      env: { ...process.env, PDF2JSON_DISABLE_LOGS: '1' },
    });
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') this.markReady();
      if (message.type !== 'result') return;
      this.reusable = message.reusable;
      this.settle({ ok: true, result: message.result });
    });
    this.worker.on('error', (error: Error & { code?: string }) =>
      this.settle(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              ok: false,
              failure: { code: 'PARSE_BUDGET_EXCEEDED', detail: { limit: 'memory', memoryLimitMb } },
            }
          : { ok: false, failure: { code: 'PARSER_FAILED', detail: { reason: error.message } } },
      ),
    );
    this.worker.on('exit', (exitCode) => {
      this.settle({ ok: false, failure: { code: 'PARSER_FAILED', detail: { exitCode } } });
      this.end();
    });
    // An idle worker does not keep the process alive; a document being read does (its timer). After the
    // listeners: adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  read(job: DocumentJob, timeoutMs: number): Promise<WorkerOutcome> {
    this.jobs += 1;
    return new Promise((resolve) => {
      const timeout = () =>
        this.settle({ ok: false, failure: { code: 'PARSE_TIMEOUT', detail: { limit: 'time', timeoutMs } } });
      // Loading gets the same time again (a worker that never loads must not hold the document forever).
      let timer = setTimeout(timeout, timeoutMs);
      void this.ready.then(() => {
        clearTimeout(timer);
        if (this.current) timer = setTimeout(timeout, timeoutMs);
      });
      this.current = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      // A copy, transferred rather than cloned: the caller keeps its bytes (they are stored after the import).
      const bytes = new Uint8Array(job.bytes);
      this.worker.postMessage({ ...job, bytes }, [bytes.buffer]);
    });
  }

  private settle(outcome: WorkerOutcome): void {
    const current = this.current;
    this.current = null;
    if (!outcome.ok) this.end();
    current?.(outcome);
  }

  /** Terminates the worker (once). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    void this.worker.terminate();
  }

  get alive(): boolean {
    return !this.ended;
  }
}

export class DocumentWorkerPool {
  private readonly idle: DocumentWorker[] = [];
  private readonly waiting: Array<(worker: DocumentWorker) => void> = [];
  private closed = false;
  private readonly maxJobsPerWorker: number;

  constructor(private readonly options: DocumentWorkerPoolOptions) {
    this.maxJobsPerWorker = options.maxJobsPerWorker ?? 25;
    for (let i = 0; i < options.size; i += 1) this.idle.push(this.start());
  }

  /** Reads one document in a worker; waits for a free worker first. */
  async read(job: DocumentJob, timeoutMs = this.options.timeoutMs): Promise<WorkerOutcome> {
    const worker = await this.take();
    const outcome = await worker.read(job, timeoutMs);
    if (!outcome.ok || !worker.reusable || worker.jobs >= this.maxJobsPerWorker) worker.end();
    this.give(worker.alive ? worker : null);
    return outcome;
  }

  /** Terminates every worker; reading after this fails. */
  close(): void {
    this.closed = true;
    for (const worker of this.idle.splice(0)) worker.end();
  }

  private start(): DocumentWorker {
    return new DocumentWorker(this.options.memoryLimitMb);
  }

  private take(): Promise<DocumentWorker> {
    if (this.closed) return Promise.reject(new Error('the document worker pool is closed'));
    const worker = this.idle.pop();
    // A worker that died while idle is replaced here rather than handed a document it would never answer.
    if (worker) return Promise.resolve(worker.alive ? worker : this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Back to the pool after a document: the same worker, or a new one in place of one that was ended. */
  private give(worker: DocumentWorker | null): void {
    if (this.closed) {
      worker?.end();
      return;
    }
    const next = worker ?? this.start();
    const waiter = this.waiting.shift();
    if (waiter) waiter(next);
    // A worker just used is loaded; a new one may still be loading: the next document goes to the loaded one.
    else if (worker) this.idle.push(next);
    else this.idle.unshift(next);
  }
}
