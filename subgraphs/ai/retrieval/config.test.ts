// The retrieval's variables: each bad value named in the startup message.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../kit/config.ts';
import { retrievalVariables } from './config.ts';

const schema = z.object(retrievalVariables);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('retrievalVariables', () => {
  it('leaves retrieval off and the local embedding on by default', () => {
    expect(loadConfig(schema, {})).toEqual({ RETRIEVAL_TIMEOUT_MS: 10_000 });
  });

  it('names every bad variable', () => {
    expect(
      problems({
        CHROMA_URL: 'chroma:8000',
        OLLAMA_HOST: 'ftp://ollama',
        OLLAMA_EMBED_MODEL: 'bad model name',
        RETRIEVAL_TIMEOUT_MS: '-5',
      }),
    ).toEqual([
      'CHROMA_URL: must be an http(s) URL',
      'OLLAMA_HOST: must be an http(s) URL',
      expect.stringMatching(/^OLLAMA_EMBED_MODEL: must be an Ollama model name/),
      expect.stringMatching(/^RETRIEVAL_TIMEOUT_MS: /),
    ]);
    expect(problems({ CHROMA_URL: 'http://127.0.0.1:8000/api/v2' })).toEqual([
      expect.stringMatching(/^CHROMA_URL: must be the server origin/),
    ]);
  });

  it('takes an origin and a model name', () => {
    expect(
      loadConfig(schema, {
        CHROMA_URL: 'http://127.0.0.1:8000',
        OLLAMA_HOST: 'http://127.0.0.1:11434',
        OLLAMA_EMBED_MODEL: 'nomic-embed-text:latest',
      }),
    ).toMatchObject({ CHROMA_URL: 'http://127.0.0.1:8000', OLLAMA_EMBED_MODEL: 'nomic-embed-text:latest' });
  });
});
