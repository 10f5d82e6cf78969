// What the ai subgraph's retrieval offers the rest of it (the GraphQL resolvers, the command receiver, aiStatus).
// Implemented over Chroma in ./retrieval.ts; embeddings from Ollama when configured, else a built-in local one.
// Every method but status() and close() throws RetrievalUnavailableError (./errors.ts: VECTOR_STORE_UNAVAILABLE,
// EMBEDDER_UNAVAILABLE) when it cannot answer, and RetrievalInputError for input past ./limits.ts.
import type { SubmissionAccepted } from '../../kit/extraction-wire.ts';

/** The vocabulary fields a value can be normalised against. */
export type VocabularyField = 'LIBRARY_KIT' | 'SAMPLE_TYPE' | 'SAMPLE_BUFFER' | 'ORGANISM' | 'FLOW_CELL';

export interface Suggestion {
  /** The vocabulary's spelling. */
  value: string;
  field: VocabularyField;
  /** 0..1, higher is closer. */
  score: number;
}

export interface SimilarSubmission {
  submissionId: string;
  ownerId: string;
  score: number;
  /** The verified values it was indexed with. */
  values: SubmissionAccepted;
}

export interface RetrievalStatus {
  /** e.g. `local-hashed-ngrams-v1` or `ollama:nomic-embed-text`. */
  embeddingProvider: string;
  embeddingDimensions: number;
  vectorStoreReachable: boolean;
  /** Documents per collection; empty when unreachable. */
  collections: { name: string; count: number }[];
}

export interface Retrieval {
  /** Adds (or replaces) an accepted submission and its values in the vocabulary. Idempotent per submission. */
  indexAccepted(values: SubmissionAccepted): Promise<void>;
  /** Nearest vocabulary entries of `field` to `text`, best first. */
  suggest(field: VocabularyField, text: string, first: number): Promise<Suggestion[]>;
  /**
   * Accepted submissions nearest to `text`, best first. `ownerId` set: only that submitter's (a SUBMITTER sees
   * similar submissions of their own).
   */
  similar(query: {
    text: string;
    first: number;
    ownerId?: string;
    excludeSubmissionId?: string;
  }): Promise<SimilarSubmission[]>;
  /** The indexed values of one submission, or null (to search by submissionId). */
  indexed(submissionId: string): Promise<SubmissionAccepted | null>;
  status(): Promise<RetrievalStatus>;
  close(): Promise<void>;
}
