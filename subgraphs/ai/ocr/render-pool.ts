// The workers that render and decode scanned documents (render-worker.ts in kit/worker-pool.ts): a heap limit per
// worker, and a wall-clock limit per document, so a hostile PDF or image cannot stall the calling thread.
import { WorkerPool } from '../../kit/worker-pool.ts';
import { DEFAULT_LIMITS } from './types.ts';
import type { RenderJob, RenderResult } from './render-worker.ts';

export type RenderFailureCode = 'RENDER_TIMEOUT' | 'RENDER_OUT_OF_MEMORY' | 'RENDER_FAILED';

export interface RenderPoolOptions {
  /** Pages rendered at the same time (one worker each). */
  size: number;
  /** Heap limit of each worker, MB. */
  memoryLimitMb: number;
}

export class RenderPool extends WorkerPool<RenderJob, RenderResult, RenderFailureCode> {
  constructor(options: RenderPoolOptions) {
    super({
      ...options,
      script: new URL('./render-worker.ts', import.meta.url),
      failureCodes: { timeout: 'RENDER_TIMEOUT', memory: 'RENDER_OUT_OF_MEMORY', crashed: 'RENDER_FAILED' },
      // Each page is given what is left of its document's time (read-scan.ts).
      timeoutMs: DEFAULT_LIMITS.renderTimeoutMs,
    });
  }
}
