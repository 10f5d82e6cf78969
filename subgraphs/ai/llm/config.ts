// The LLM's settings, spread into the ai subgraph's config schema: `z.object({ ...llmVariables, ... })`, then
// llmFromConfig(config, log) (null: the LLM is off; aiStatus shows it unconfigured).
// OLLAMA_HOST is shared with retrieval's embeddings (the same definition in retrievalVariables).
import { z } from 'zod';
import { ConfigError, env } from '../../kit/config.ts';
import type { Logger } from '../../kit/logger.ts';
import { createLlm, type LlmService } from './llm.ts';

export const llmVariables = {
  /** Ollama, e.g. http://127.0.0.1:11434. Unset: the LLM is off. */
  OLLAMA_HOST: env.httpUrl().optional(),
  /** A chat model Ollama has pulled, e.g. llama3.1:8b. Unset: the LLM is off (OLLAMA_HOST may serve embeddings). */
  OLLAMA_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/, {
      message: 'must be an Ollama model name such as llama3.1:8b or qwen2.5:7b-instruct',
    })
    .optional(),
  /** Budget of each chat request, ms; default 120000 (a long sample list on a CPU takes minutes). */
  OLLAMA_TIMEOUT_MS: env.positiveInt(120_000),
};

export interface LlmSettings {
  OLLAMA_HOST?: string;
  OLLAMA_MODEL?: string;
  OLLAMA_TIMEOUT_MS: number;
}

export function llmFromConfig(settings: LlmSettings, log: Logger): LlmService | null {
  if (settings.OLLAMA_MODEL && !settings.OLLAMA_HOST)
    throw new ConfigError([
      'OLLAMA_MODEL: set, but OLLAMA_HOST is not: set OLLAMA_HOST to the Ollama server, or unset OLLAMA_MODEL to turn the LLM off',
    ]);
  return createLlm({
    host: settings.OLLAMA_HOST,
    model: settings.OLLAMA_MODEL,
    timeoutMs: settings.OLLAMA_TIMEOUT_MS,
    log,
  });
}
