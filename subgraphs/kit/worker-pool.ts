// Runs jobs that parse uploaded bytes in worker threads, never on the main thread: the main thread passes the bytes
// and receives the result, and keeps answering while a job runs. A worker has a heap limit (resourceLimits) and
// each job a wall-clock limit (the worker is terminated when it runs out).
//
// Workers are started ahead (loading a parser takes longer than most jobs) and run one job at a time. A worker that
// ran out of a limit, crashed, or said it is not reusable (it left work running, or ran out of its own budget) is
// terminated and replaced, as is one that has run `maxJobsPerWorker` jobs: no job shares a worker with what a
// hostile one left behind. The caller gets the worker's result or a typed failure, never an exception.
//
// The worker script is a TypeScript module exporting `runJob(job): Promise<WorkerResult>`; worker-boot.mjs loads it.
// Callers name the .ts source; run from the build (dist/, where this module is .js) the .js beside it is loaded.
import { Worker } from 'node:worker_threads';

/** What a worker script's `runJob` resolves to. */
export interface WorkerResult<Result> {
  result: Result;
  /** The worker may run another job: nothing of this one is still running and it stayed within its budget. */
  reusable: boolean;
}

/** The caller's codes for the three ways a worker fails a job. */
export interface WorkerFailureCodes<Code extends string> {
  /** The job ran out of its wall-clock limit. */
  timeout: Code;
  /** The worker ran out of heap. */
  memory: Code;
  /** The worker threw or exited. */
  crashed: Code;
}

export interface WorkerPoolOptions<Code extends string> {
  /** The worker's TypeScript module (exports runJob). */
  script: URL;
  failureCodes: WorkerFailureCodes<Code>;
  /** Jobs run at the same time (one worker each). */
  size: number;
  /** Wall-clock limit per job, ms, from when its worker takes it. */
  timeoutMs: number;
  /** Heap limit of each worker, MB. */
  memoryLimitMb: number;
  /** Jobs a worker runs before it is replaced. Default 25. */
  maxJobsPerWorker?: number;
  /** Environment variables added to the worker's. */
  env?: Record<string, string>;
}

export type WorkerOutcome<Result, Code extends string> =
  | { ok: true; result: Result }
  | { ok: false; failure: { code: Code; detail: Record<string, string | number> } };

/** A job carries the bytes it parses; they are copied to the worker, the caller keeps its own. */
export interface WorkerJob {
  bytes: Uint8Array;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/** Compiled by `npm run build`, every module is .js, and so is the worker script beside its caller. */
const compiled = import.meta.url.endsWith('.js');

/** The worker script to load: the caller's `.ts` URL, or in the build the `.js` compiled from it. */
function workerScriptUrl(script: URL): string {
  return compiled ? script.href.replace(/\.ts$/, '.js') : script.href;
}

type WorkerMessage<Result> = { type: 'ready' } | ({ type: 'result' } & WorkerResult<Result>);

/** One worker and the job it is running, if any. */
class PooledWorker<Result, Code extends string> {
  private readonly worker: Worker;
  private current: ((outcome: WorkerOutcome<Result, Code>) => void) | null = null;
  /** Resolves when the worker script is loaded: a job's time starts then, not while the worker loads. */
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private ended = false;
  jobs = 0;
  /** The last job left nothing behind and stayed within its budget. */
  reusable = true;

  constructor(private readonly options: WorkerPoolOptions<Code>) {
    const { script, failureCodes: codes, memoryLimitMb } = options;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.worker = new Worker(BOOT, {
      workerData: { script: workerScriptUrl(script) },
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb },
      env: { ...process.env, ...options.env },
    });
    this.worker.on('message', (message: WorkerMessage<Result>) => {
      if (message.type === 'ready') this.markReady();
      if (message.type !== 'result') return;
      this.reusable = message.reusable;
      this.settle({ ok: true, result: message.result });
    });
    this.worker.on('error', (error: Error & { code?: string }) =>
      this.settle(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { ok: false, failure: { code: codes.memory, detail: { limit: 'memory', memoryLimitMb } } }
          : { ok: false, failure: { code: codes.crashed, detail: { reason: error.message } } },
      ),
    );
    this.worker.on('exit', (exitCode) => {
      this.settle({ ok: false, failure: { code: codes.crashed, detail: { exitCode } } });
      this.end();
    });
    // An idle worker does not keep the process alive; a job being run does (its timer). After the listeners:
    // adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  run(job: WorkerJob, timeoutMs: number): Promise<WorkerOutcome<Result, Code>> {
    this.jobs += 1;
    const code = this.options.failureCodes.timeout;
    return new Promise((resolve) => {
      const timeout = () =>
        this.settle({ ok: false, failure: { code, detail: { limit: 'time', timeoutMs } } });
      // Loading gets the same time again (a worker that never loads must not hold the job forever).
      let timer = setTimeout(timeout, timeoutMs);
      void this.ready.then(() => {
        clearTimeout(timer);
        if (this.current) timer = setTimeout(timeout, timeoutMs);
      });
      this.current = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      // A copy, transferred rather than cloned: the caller keeps its bytes.
      const bytes = new Uint8Array(job.bytes);
      this.worker.postMessage({ ...job, bytes }, [bytes.buffer]);
    });
  }

  private settle(outcome: WorkerOutcome<Result, Code>): void {
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

export class WorkerPool<Job extends WorkerJob, Result, Code extends string> {
  private readonly idle: PooledWorker<Result, Code>[] = [];
  private readonly waiting: Array<(worker: PooledWorker<Result, Code>) => void> = [];
  private closed = false;
  private readonly maxJobsPerWorker: number;
  /** Workers started, replacements included: for tests. */
  started = 0;

  constructor(private readonly options: WorkerPoolOptions<Code>) {
    this.maxJobsPerWorker = options.maxJobsPerWorker ?? 25;
    for (let i = 0; i < options.size; i += 1) this.idle.push(this.start());
  }

  /** Runs one job in a worker; waits for a free worker first. */
  async run(job: Job, timeoutMs = this.options.timeoutMs): Promise<WorkerOutcome<Result, Code>> {
    const worker = await this.take();
    const outcome = await worker.run(job, timeoutMs);
    if (!outcome.ok || !worker.reusable || worker.jobs >= this.maxJobsPerWorker) worker.end();
    this.give(worker.alive ? worker : null);
    return outcome;
  }

  /** Terminates every worker; running a job after this fails. */
  close(): void {
    this.closed = true;
    for (const worker of this.idle.splice(0)) worker.end();
  }

  private start(): PooledWorker<Result, Code> {
    this.started += 1;
    return new PooledWorker(this.options);
  }

  private take(): Promise<PooledWorker<Result, Code>> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    const worker = this.idle.pop();
    // A worker that died while idle is replaced here rather than handed a job it would never answer.
    if (worker) return Promise.resolve(worker.alive ? worker : this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Back to the pool after a job: the same worker, or a new one in place of one that was ended. */
  private give(worker: PooledWorker<Result, Code> | null): void {
    if (this.closed) {
      worker?.end();
      return;
    }
    const next = worker ?? this.start();
    const waiter = this.waiting.shift();
    if (waiter) waiter(next);
    // A worker just used is loaded; a new one may still be loading: the next job goes to the loaded one.
    else if (worker) this.idle.push(next);
    else this.idle.unshift(next);
  }
}
