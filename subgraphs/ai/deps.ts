// What the ai subgraph's resolvers and endpoints share: built once per subgraph in server.ts.
import type { PrismaClient } from '../../generated/prisma/ai/client.ts';
import type { Logger } from '../kit/logger.ts';
import type { AiConfig } from './config.ts';
import type { JobQueue } from './jobs/types.ts';
import type { Llm } from './llm/types.ts';
import type { Retrieval } from './retrieval/types.ts';

export const SERVICE_NAME = 'ai';

/** What aiStatus says of OCR (it runs in-process: always available). */
export interface OcrInfo {
  languages: string[];
  version: string;
}

export interface AiDeps {
  prisma: PrismaClient;
  config: AiConfig;
  now: () => Date;
  log: Logger;
  queue: JobQueue;
  /** null: retrieval off (CHROMA_URL unset): similarSubmissions and suggestVocabulary answer RETRIEVAL_OFF. */
  retrieval: Retrieval | null;
  /** null: the LLM is off (OLLAMA_HOST unset). */
  llm: Llm | null;
  ocr: OcrInfo;
}

/** Who is asking, and the request id copied onto every outbox event. */
export interface Caller {
  userId: string;
  roles: string[];
  requestId: string | null;
  /** Set for a caller who sees only their own jobs (a SUBMITTER); null: sees every job. */
  ownerId: string | null;
  /** STAFF or ADMIN: may cancel and retry any job. */
  manages: boolean;
}

/**
 * A Submission or File as this subgraph knows it: a reference. Codegen's mappers use it (codegen.ts).
 * @public
 */
export interface EntityRef {
  id: string;
}
