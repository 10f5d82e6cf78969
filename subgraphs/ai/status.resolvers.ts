// aiStatus: what the ai subgraph can do right now. Without Ollama or Chroma it is DEGRADED, never an error:
// scanned quotes are still read (OCR runs in-process), and each dependency's check is bounded and caught.
import type { Resolvers } from '../../generated/graphql/ai.ts';
import { requireCaller, type Context } from './context.ts';
import type { AiDeps } from './deps.ts';
import type { LlmStatus } from './llm/types.ts';
import type { RetrievalStatus } from './retrieval/types.ts';

/** The longest a status check of one dependency may take before it counts as unreachable. */
const CHECK_TIMEOUT_MS = 3000;

async function bounded<T>(check: () => Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readAiStatus(deps: Pick<AiDeps, 'llm' | 'retrieval' | 'queue' | 'ocr'>) {
  const { llm, retrieval } = deps;
  const [llmStatus, retrievalStatus, queue] = await Promise.all([
    llm
      ? bounded<LlmStatus>(() => llm.status(), { configured: true, reachable: false, model: llm.model })
      : Promise.resolve<LlmStatus>({ configured: false, reachable: false, model: null }),
    retrieval
      ? bounded<RetrievalStatus | null>(() => retrieval.status(), null)
      : Promise.resolve<RetrievalStatus | null>(null),
    deps.queue.depth(),
  ]);
  const vectorStoreReachable = retrievalStatus?.vectorStoreReachable ?? false;
  return {
    status: llmStatus.reachable && vectorStoreReachable ? 'OK' : 'DEGRADED',
    ocr: deps.ocr,
    llm: llmStatus,
    embeddings: {
      provider: retrievalStatus?.embeddingProvider ?? null,
      dimensions: retrievalStatus?.embeddingDimensions ?? null,
    },
    vectorStore: {
      configured: retrieval !== null,
      reachable: vectorStoreReachable,
      collections: retrievalStatus?.collections ?? [],
    },
    queue,
  };
}

export const statusResolvers: Resolvers<Context> = {
  Query: {
    aiStatus: (_p, _a, ctx) => {
      requireCaller(ctx);
      return readAiStatus(ctx.deps);
    },
  },
};
