// The files subgraph's settings: the signing secret is required and long, everything else has a default.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../kit/config.ts';
import { loadFilesConfig } from './config.ts';

const base = { FILES_DATABASE_URL: 'postgresql://localhost/files', FILES_SIGNING_SECRET: 'x'.repeat(32) };

describe('loadFilesConfig', () => {
  it('has a default for everything but the database and the signing secret', () => {
    expect(loadFilesConfig(base)).toMatchObject({
      port: 4004,
      filesDir: resolve('.data/files'),
      publicUrl: 'http://localhost:4000',
      urlTtlSeconds: 300,
      maxFileBytes: 262_144_000,
      maxFiles: 10,
      samplesGraphqlUrl: 'http://127.0.0.1:4002/graphql',
      submissionGraphqlUrl: 'http://127.0.0.1:4003/graphql',
      outboxRelay: undefined,
    });
  });

  it('names a missing or short signing secret', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadFilesConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ FILES_DATABASE_URL: base.FILES_DATABASE_URL })).toEqual([
      'FILES_SIGNING_SECRET: required but not set',
    ]);
    expect(problems({ ...base, FILES_SIGNING_SECRET: 'short' })).toEqual([
      'FILES_SIGNING_SECRET: must be at least 32 characters',
    ]);
  });
});
