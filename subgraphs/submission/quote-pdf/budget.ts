// One budget per document, shared by every stage that reads it (object reader, stream filters, content-stream
// reader): bytes decoded, content bytes and operators executed, and nesting depth. A small file can ask for huge
// work (a deflate bomb, a form drawn 10,000 times, a contents array repeating one stream), so the work is counted
// where it happens and the document is refused when it runs out. Wall time and memory are enforced around the
// worker that runs the reader (document-worker/worker.ts): they need no cooperation from the code running.

export type BudgetLimit = 'decodedBytes' | 'operations' | 'nesting' | 'time' | 'memory';

export interface DocumentBudgetLimits {
  /** Bytes all stream filters together may produce (each stream decoded once: results are cached). */
  maxDecodedBytes: number;
  /** Content-stream work: operators executed plus content bytes lexed / 64, over all pages and forms. */
  maxOperations: number;
  /** Deepest nesting of arrays and dictionaries in any object or content stream. */
  maxNesting: number;
}

export const defaultBudgetLimits: DocumentBudgetLimits = {
  maxDecodedBytes: 64 * 1024 * 1024,
  maxOperations: 2_000_000,
  maxNesting: 64,
};

/** The document asked for more than its budget; the reader stops and the document is refused. */
export class BudgetExceededError extends Error {
  override name = 'BudgetExceededError';

  constructor(
    readonly limit: BudgetLimit,
    readonly max: number,
  ) {
    super(`the document needs more than its budget (${limit}: ${max})`);
  }
}

export class DocumentBudget {
  private decoded = 0;
  private operations = 0;

  constructor(readonly limits: DocumentBudgetLimits = defaultBudgetLimits) {}

  /** Bytes a filter may still produce: decoders stop there instead of allocating more. */
  get decodedRemaining(): number {
    return Math.max(0, this.limits.maxDecodedBytes - this.decoded);
  }

  get usage(): { decodedBytes: number; operations: number } {
    return { decodedBytes: this.decoded, operations: this.operations };
  }

  chargeDecoded(bytes: number): void {
    this.decoded += bytes;
    if (this.decoded > this.limits.maxDecodedBytes)
      throw new BudgetExceededError('decodedBytes', this.limits.maxDecodedBytes);
  }

  chargeOperations(count: number): void {
    this.operations += count;
    if (this.operations > this.limits.maxOperations)
      throw new BudgetExceededError('operations', this.limits.maxOperations);
  }

  /** Content bytes about to be lexed, counted as operations (1 per 64 bytes): re-running a stream costs again. */
  chargeContent(bytes: number): void {
    this.chargeOperations(Math.ceil(bytes / 64));
  }
}
