// Why a retrieval call failed, by code. Unavailable is the service's trouble (a 503-style SERVICE_UNAVAILABLE for a
// resolver, a retry for the command receiver); input errors are the caller's mistake (BAD_USER_INPUT).

export type RetrievalUnavailableCode = 'VECTOR_STORE_UNAVAILABLE' | 'EMBEDDER_UNAVAILABLE';

/** Chroma (or the embedder) did not answer, answered an error, or took longer than the time budget. */
export class RetrievalUnavailableError extends Error {
  constructor(
    readonly code: RetrievalUnavailableCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetrievalUnavailableError';
  }
}

export type RetrievalInputCode = 'TEXT_TOO_LONG' | 'FIRST_OUT_OF_RANGE' | 'INVALID_VALUES';

/** A query or indexed value outside the bounds of ./limits.ts: the caller's mistake. */
export class RetrievalInputError extends Error {
  constructor(
    readonly code: RetrievalInputCode,
    message: string,
  ) {
    super(message);
    this.name = 'RetrievalInputError';
  }
}
