// The submission subgraph's settings: only the database is required; sample commands are delivered once the
// relay secret is set, to the samples subgraph's intake (an origin alone gets the path).
import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../kit/config.ts';
import { loadSubmissionConfig } from './config.ts';

const base = { SUBMISSION_DATABASE_URL: 'postgresql://localhost/submission' };
const SECRET = 'a relay secret of at least 32 characters!';

function problems(env: Record<string, string>): string[] {
  try {
    loadSubmissionConfig(env);
  } catch (error) {
    return (error as ConfigError).problems;
  }
  return [];
}

describe('loadSubmissionConfig', () => {
  it('has a default for everything but the database', () => {
    expect(loadSubmissionConfig(base)).toMatchObject({
      port: 4003,
      host: '127.0.0.1',
      maxImportBytes: 20 * 1024 * 1024,
      parseTimeoutMs: 30_000,
      filesGraphqlUrl: 'http://127.0.0.1:4004/graphql',
      filesTimeoutMs: 30_000,
      outboxRelay: undefined,
      sampleCommands: undefined,
    });
    expect(problems({})).toEqual(['SUBMISSION_DATABASE_URL: required but not set']);
  });

  it('delivers sample commands with the relay secret, to the intake path of an origin', () => {
    expect(loadSubmissionConfig({ ...base, OUTBOX_RELAY_SECRET: SECRET }).sampleCommands).toEqual({
      secret: SECRET,
      ingestUrl: 'http://127.0.0.1:4002/internal/samples/commands',
      batchSize: 100,
    });
    const origin = loadSubmissionConfig({
      ...base,
      OUTBOX_RELAY_SECRET: SECRET,
      SAMPLES_COMMANDS_URL: 'http://samples:4002',
    });
    expect(origin.sampleCommands?.ingestUrl).toBe('http://samples:4002/internal/samples/commands');
  });

  it('reads documents through the ai subgraph only with AI_INTERNAL_URL and the relay secret', () => {
    expect(loadSubmissionConfig(base).extraction).toBeUndefined();
    expect(
      loadSubmissionConfig({ ...base, OUTBOX_RELAY_SECRET: SECRET, AI_INTERNAL_URL: 'http://ai:4006' })
        .extraction,
    ).toEqual({
      aiOrigin: 'http://ai:4006',
      commandsUrl: 'http://ai:4006/internal/ai/commands',
      secret: SECRET,
      batchSize: 100,
      resultTimeoutMs: 30_000,
      resultMaxBytes: 16 * 1024 * 1024,
    });
    expect(problems({ ...base, AI_INTERNAL_URL: 'http://ai:4006' })).toEqual([
      'OUTBOX_RELAY_SECRET: required when AI_INTERNAL_URL is set (it signs the requests to and from the ai subgraph)',
    ]);
    expect(problems({ ...base, OUTBOX_RELAY_SECRET: SECRET, AI_INTERNAL_URL: 'http://ai:4006/x' })).toEqual([
      "AI_INTERNAL_URL: must be an origin only (e.g. http://127.0.0.1:4006): the paths are the contract's",
    ]);
    expect(problems({ ...base, OUTBOX_RELAY_SECRET: SECRET, AI_INTERNAL_URL: 'ai' })).toEqual([
      'AI_INTERNAL_URL: must be an http(s) URL',
    ]);
  });

  it('names bad values', () => {
    expect(problems({ ...base, SUBMISSION_MAX_IMPORT_BYTES: '0', FILES_GRAPHQL_URL: 'files' })).toEqual([
      'SUBMISSION_MAX_IMPORT_BYTES: Too small: expected number to be >0',
      'FILES_GRAPHQL_URL: must be an http(s) URL',
    ]);
  });
});
