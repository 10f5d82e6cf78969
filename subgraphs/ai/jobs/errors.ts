// Why a job attempt or a job request failed, by code. The code is stored on the job (errorCode) and sent to the
// submission subgraph in EXTRACTION_FINISHED.

/** An attempt failed. `retryable` false ends the job FAILED at once (bad input); true retries it after backoff. */
export class JobError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

/** A cancel or retry asked of a job in a state that does not allow it: the caller's mistake (a 4xx). */
export class JobStateError extends Error {
  constructor(
    readonly code: 'JOB_NOT_CANCELLABLE' | 'JOB_NOT_RETRYABLE',
    message: string,
  ) {
    super(message);
    this.name = 'JobStateError';
  }
}
