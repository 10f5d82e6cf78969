// The LLM's variables: each bad value named in the startup message; off unless both host and model are set.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../kit/config.ts';
import { createLogger } from '../../kit/logger.ts';
import { llmFromConfig, llmVariables } from './config.ts';

const schema = z.object(llmVariables);
const log = createLogger({ level: 'silent' });

function problems(env: Record<string, string>): string[] {
  try {
    llmFromConfig(loadConfig(schema, env), log)?.close();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('llmVariables', () => {
  it('leaves the LLM off by default, and with a host but no model (embeddings only)', () => {
    expect(loadConfig(schema, {})).toEqual({ OLLAMA_TIMEOUT_MS: 120_000 });
    expect(llmFromConfig(loadConfig(schema, {}), log)).toBeNull();
    expect(llmFromConfig(loadConfig(schema, { OLLAMA_HOST: 'http://127.0.0.1:11434' }), log)).toBeNull();
  });

  it('builds the LLM from host, model and timeout', () => {
    const llm = llmFromConfig(
      loadConfig(schema, {
        OLLAMA_HOST: 'http://127.0.0.1:11434',
        OLLAMA_MODEL: 'llama3.1:8b',
        OLLAMA_TIMEOUT_MS: '5000',
      }),
      log,
    );
    expect(llm?.model).toBe('llama3.1:8b');
    expect(llm?.promptVersion).toMatch(/^draft-v\d+$/);
  });

  it('names every bad variable', () => {
    expect(
      problems({ OLLAMA_HOST: 'ftp://ollama', OLLAMA_MODEL: 'bad model name', OLLAMA_TIMEOUT_MS: '-5' }),
    ).toEqual([
      'OLLAMA_HOST: must be an http(s) URL',
      expect.stringMatching(/^OLLAMA_MODEL: must be an Ollama model name/),
      expect.stringMatching(/^OLLAMA_TIMEOUT_MS: /),
    ]);
    expect(problems({ OLLAMA_MODEL: 'llama3.1:8b' })).toEqual([
      expect.stringMatching(/^OLLAMA_MODEL: set, but OLLAMA_HOST is not/),
    ]);
  });
});
