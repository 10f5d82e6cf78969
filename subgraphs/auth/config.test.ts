import { describe, expect, it } from 'vitest';
import { ConfigError } from '../kit/config.ts';
import { loadAuthConfig } from './config.ts';

const KEK = Buffer.alloc(32, 7);

describe('loadAuthConfig', () => {
  it('applies the documented defaults', () => {
    expect(
      loadAuthConfig({
        AUTH_DATABASE_URL: 'postgresql://u@h/auth',
        AUTH_KEY_ENCRYPTION_KEY: KEK.toString('hex'),
      }),
    ).toEqual({
      databaseUrl: 'postgresql://u@h/auth',
      keyEncryptionKey: KEK,
      port: 4001,
      host: '127.0.0.1',
      jwtIssuer: 'urn:nanopore:auth',
      jwtAudience: 'urn:nanopore:supergraph',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2_592_000,
      adminEmail: 'admin@localhost',
      adminPassword: undefined,
      loginMaxFailures: 5,
      loginLockWindowSeconds: 900,
      loginLockDurationSeconds: 900,
      loginIpMaxAttempts: 30,
      loginIpWindowSeconds: 900,
      clientAddressSecret: undefined,
      apiKeyExchangeSecret: undefined,
      apiKeyMaxTtlDays: 365,
      revocationPollMs: 1000,
      revocationMaxStaleMs: 15_000,
      limits: {
        maxDepth: 15,
        maxAliases: 30,
        maxRootFields: 20,
        maxSelections: 5000,
        maxCost: 50_000,
        defaultListSize: 10,
        maxListSize: 1000,
      },
      logLevel: 'info',
    });
  });

  it('reads the API-key settings, naming a short secret or an expiry out of range', () => {
    const url = { AUTH_DATABASE_URL: 'postgresql://u@h/auth', AUTH_KEY_ENCRYPTION_KEY: KEK.toString('hex') };
    const secret = 'k'.repeat(32);
    expect(
      loadAuthConfig({ ...url, API_KEY_EXCHANGE_SECRET: secret, API_KEY_MAX_TTL_DAYS: '30' }),
    ).toMatchObject({ apiKeyExchangeSecret: secret, apiKeyMaxTtlDays: 30 });
    expect(() => loadAuthConfig({ ...url, API_KEY_EXCHANGE_SECRET: 'short' })).toThrow(
      /API_KEY_EXCHANGE_SECRET/,
    );
    expect(() => loadAuthConfig({ ...url, API_KEY_MAX_TTL_DAYS: '0' })).toThrow(/API_KEY_MAX_TTL_DAYS/);
  });

  it('reads the operation limits every subgraph shares, naming a bad one', () => {
    const url = { AUTH_DATABASE_URL: 'postgresql://u@h/auth', AUTH_KEY_ENCRYPTION_KEY: KEK.toString('hex') };
    expect(
      loadAuthConfig({ ...url, SUBGRAPH_MAX_SELECTIONS: '100', SUBGRAPH_MAX_COST: '50' }).limits,
    ).toMatchObject({
      maxSelections: 100,
      maxCost: 50,
    });
    expect(() => loadAuthConfig({ ...url, SUBGRAPH_MAX_DEPTH: '0' })).toThrow(/SUBGRAPH_MAX_DEPTH/);
  });

  it('names every bad or missing variable', () => {
    try {
      loadAuthConfig({ ACCESS_TOKEN_TTL_SECONDS: '0', AUTH_PORT: 'x', LOGIN_MAX_FAILURES: 'five' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
      expect(names).toEqual([
        'ACCESS_TOKEN_TTL_SECONDS',
        'AUTH_DATABASE_URL',
        'AUTH_KEY_ENCRYPTION_KEY',
        'AUTH_PORT',
        'LOGIN_MAX_FAILURES',
      ]);
    }
  });

  it('takes the key-encryption key as base64 or hex, and refuses anything but 32 bytes', () => {
    const base = { AUTH_DATABASE_URL: 'postgresql://u@h/auth' };
    for (const text of [KEK.toString('base64'), KEK.toString('base64url'), KEK.toString('hex')]) {
      expect(loadAuthConfig({ ...base, AUTH_KEY_ENCRYPTION_KEY: text }).keyEncryptionKey).toEqual(KEK);
    }
    for (const text of [
      Buffer.alloc(16).toString('base64'),
      'correct horse battery staple',
      'ab'.repeat(31),
    ]) {
      expect(() => loadAuthConfig({ ...base, AUTH_KEY_ENCRYPTION_KEY: text })).toThrow(
        /AUTH_KEY_ENCRYPTION_KEY: must be 32 random bytes as base64 or hex/,
      );
    }
  });

  it('turns outbox delivery on with both variables, and refuses a short secret or a URL without one', () => {
    const base = {
      AUTH_DATABASE_URL: 'postgresql://u@h/auth',
      AUTH_KEY_ENCRYPTION_KEY: KEK.toString('base64'),
    };
    const secret = 's'.repeat(32);
    expect(loadAuthConfig(base).outboxRelay).toBeUndefined();
    expect(loadAuthConfig({ ...base, OUTBOX_RELAY_SECRET: secret }).outboxRelay).toBeUndefined();
    expect(
      loadAuthConfig({ ...base, OUTBOX_RELAY_SECRET: secret, AUDIT_INGEST_URL: 'http://audit:4005' })
        .outboxRelay,
    ).toEqual({ secret, ingestUrl: 'http://audit:4005/internal/audit/events', batchSize: 100 });
    const problems = (env: Record<string, string>) => {
      try {
        loadAuthConfig({ ...base, ...env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ OUTBOX_RELAY_SECRET: 'too-short', AUDIT_INGEST_URL: 'http://audit:4005' })).toEqual([
      'OUTBOX_RELAY_SECRET: must be at least 32 characters',
    ]);
    expect(problems({ AUDIT_INGEST_URL: 'http://audit:4005' })).toEqual([
      'OUTBOX_RELAY_SECRET: required when AUDIT_INGEST_URL is set',
    ]);
    expect(problems({ OUTBOX_RELAY_SECRET: secret, AUDIT_INGEST_URL: 'ftp://audit' })).toEqual([
      'AUDIT_INGEST_URL: must be an http(s) URL',
    ]);
  });
});
