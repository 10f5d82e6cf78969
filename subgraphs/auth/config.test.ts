import { describe, expect, it } from 'vitest';
import { ConfigError } from '../kit/config.ts';
import { loadAuthConfig } from './config.ts';

describe('loadAuthConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadAuthConfig({ AUTH_DATABASE_URL: 'postgresql://u@h/auth' })).toEqual({
      databaseUrl: 'postgresql://u@h/auth',
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
      trustProxy: false,
      logLevel: 'info',
    });
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
        'AUTH_PORT',
        'LOGIN_MAX_FAILURES',
      ]);
    }
  });
});
