// Every uploaded document is read in a worker of this pool (kit/worker-pool.ts), never on the main thread: a heap
// limit per worker, a wall-clock limit per document. The work a document may ask for (bytes decoded, operators,
// nesting) is the reader's own budget (quote-pdf/budget.ts); a worker that ran out of it, or left pdf2json running
// (after TOO_MANY_PAGES), is replaced. A plain refusal (not a quote, encrypted) keeps it.
import { WorkerPool, type WorkerOutcome as PoolOutcome } from '../../kit/worker-pool.ts';
import type { DocumentJob, DocumentResult } from './worker.ts';

export interface DocumentWorkerPoolOptions {
  /** Documents read at the same time (one worker each). */
  size: number;
  /** Wall-clock limit per document, ms, from when its worker takes it. */
  timeoutMs: number;
  /** Heap limit of each worker, MB. */
  memoryLimitMb: number;
}

type WorkerFailureCode = 'PARSE_TIMEOUT' | 'PARSE_BUDGET_EXCEEDED' | 'PARSER_FAILED';

export type WorkerOutcome = PoolOutcome<DocumentResult['result'], WorkerFailureCode>;

export class DocumentWorkerPool extends WorkerPool<DocumentJob, DocumentResult['result'], WorkerFailureCode> {
  constructor(options: DocumentWorkerPoolOptions) {
    super({
      ...options,
      script: new URL('./worker.ts', import.meta.url),
      failureCodes: { timeout: 'PARSE_TIMEOUT', memory: 'PARSE_BUDGET_EXCEEDED', crashed: 'PARSER_FAILED' },
      env: { PDF2JSON_DISABLE_LOGS: '1' },
    });
  }
}
