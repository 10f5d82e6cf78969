// What the ai subgraph's LLM side offers the job runner and aiStatus. Implemented over Ollama in ./llm.ts; off
// (null) when OLLAMA_HOST is unset.
import type { ExtractionResult } from '../../kit/extraction-wire.ts';

export interface LlmStatus {
  configured: boolean;
  reachable: boolean;
  model: string | null;
}

export interface DocumentInput {
  bytes: Uint8Array;
  mediaType: string;
  signal: AbortSignal;
}

export interface Llm {
  /** The model name, e.g. `llama3.1:8b`, recorded on every job it ran. */
  readonly model: string;
  /** The prompt's version, recorded on every job: a changed prompt is a new version. */
  readonly promptVersion: string;
  /**
   * A free-form document (PDF text layer or plain text) into a submission draft (kind DRAFT). Throws an
   * LlmError (code LLM_INVALID_OUTPUT, LLM_TIMEOUT, LLM_UNAVAILABLE, NO_TEXT) when it cannot.
   */
  draftFromDocument(input: DocumentInput): Promise<Extract<ExtractionResult, { kind: 'DRAFT' }>>;
  status(): Promise<LlmStatus>;
}
