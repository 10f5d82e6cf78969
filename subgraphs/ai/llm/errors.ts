// Why the LLM could not draft a document, by code. An LlmError is a JobError, so the job runner stores its code
// and retries it when `retryable` (the server was down or slow), and fails the job at once otherwise.
import { JobError } from '../jobs/errors.ts';

export type LlmErrorCode =
  /** The model's answer was not the draft's JSON, twice (once with the validation error sent back). */
  | 'LLM_INVALID_OUTPUT'
  /** The model did not answer within OLLAMA_TIMEOUT_MS. Retryable. */
  | 'LLM_TIMEOUT'
  /** Ollama refused the connection or answered 5xx. Retryable. */
  | 'LLM_UNAVAILABLE'
  /** The document has no text to read (a scan without a text layer, an empty file). */
  | 'NO_TEXT'
  /** The document is not a PDF or UTF-8 text, is too large, or its PDF cannot be opened. */
  | 'UNREADABLE_DOCUMENT'
  /** Reading the document's text ran out of its time or memory limit. */
  | 'TEXT_TIMEOUT';

const RETRYABLE: ReadonlySet<LlmErrorCode> = new Set(['LLM_TIMEOUT', 'LLM_UNAVAILABLE']);

export class LlmError extends JobError {
  constructor(
    override readonly code: LlmErrorCode,
    message: string,
  ) {
    super(code, message, RETRYABLE.has(code));
    this.name = 'LlmError';
  }
}
