// The retrieval's settings, spread into the ai subgraph's config schema:
// `z.object({ ...retrievalVariables, ... })`, then retrievalFromConfig(config, log) (null: retrieval off).
import { z } from 'zod';
import { ConfigError, env } from '../../kit/config.ts';
import type { Logger } from '../../kit/logger.ts';
import { createLocalEmbedder, createOllamaEmbedder, type Embedder } from './embeddings.ts';
import { createRetrieval } from './retrieval.ts';
import type { Retrieval } from './types.ts';

/** No path after the host (the client takes host and port only). A URL that is not http(s) is reported once. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return !/^https?:$/.test(url.protocol) || ['', '/'].includes(url.pathname);
  } catch {
    return true;
  }
}

export const retrievalVariables = {
  /** The Chroma server, e.g. http://127.0.0.1:8000. Unset: retrieval is off (`npm start` sets it). */
  CHROMA_URL: env
    .httpUrl()
    .refine(isOrigin, {
      message: 'must be the server origin, such as http://127.0.0.1:8000 (no path)',
    })
    .optional(),
  /** Ollama, e.g. http://127.0.0.1:11434; shared with the LLM. Embeddings use it when OLLAMA_EMBED_MODEL is set. */
  OLLAMA_HOST: env.httpUrl().optional(),
  /** An embedding model Ollama has pulled, e.g. nomic-embed-text. Unset: the built-in local embedding. */
  OLLAMA_EMBED_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/, {
      message: 'must be an Ollama model name such as nomic-embed-text or mxbai-embed-large:latest',
    })
    .optional(),
  /** Budget of each Chroma call and each Ollama embedding request, in ms; default 10000. */
  RETRIEVAL_TIMEOUT_MS: env.positiveInt(10_000),
};

export interface RetrievalSettings {
  CHROMA_URL?: string;
  OLLAMA_HOST?: string;
  OLLAMA_EMBED_MODEL?: string;
  RETRIEVAL_TIMEOUT_MS: number;
}

/** Ollama's embedder when OLLAMA_EMBED_MODEL is set (OLLAMA_HOST then required), else the local one. */
export function embedderFromConfig(settings: RetrievalSettings): Embedder {
  if (!settings.OLLAMA_EMBED_MODEL) return createLocalEmbedder();
  if (!settings.OLLAMA_HOST)
    throw new ConfigError([
      'OLLAMA_EMBED_MODEL: set, but OLLAMA_HOST is not: set OLLAMA_HOST to the Ollama server, or unset OLLAMA_EMBED_MODEL for the built-in embedding',
    ]);
  return createOllamaEmbedder({
    host: settings.OLLAMA_HOST,
    model: settings.OLLAMA_EMBED_MODEL,
    timeoutMs: settings.RETRIEVAL_TIMEOUT_MS,
  });
}

/** The retrieval, or null when CHROMA_URL is unset (aiStatus then says so; similarSubmissions is unavailable). */
export function retrievalFromConfig(settings: RetrievalSettings, log: Logger): Retrieval | null {
  const embedder = embedderFromConfig(settings);
  if (!settings.CHROMA_URL) return null;
  return createRetrieval({
    chromaUrl: settings.CHROMA_URL,
    embedder,
    log,
    timeoutMs: settings.RETRIEVAL_TIMEOUT_MS,
  });
}
