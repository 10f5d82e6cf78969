import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from './config.ts';

const schema = z.object({
  DATABASE_URL: env.databaseUrl(),
  PORT: env.port(4000),
  TTL_SECONDS: env.positiveInt(900),
  TRUST_PROXY: env.flag(false),
  JWKS_URL: env.httpUrl(),
});

describe('loadConfig', () => {
  it('parses, coerces and applies defaults', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgresql://u@h/db',
      JWKS_URL: 'http://localhost:4001/.well-known/jwks.json',
      TRUST_PROXY: 'true',
      TTL_SECONDS: '',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgresql://u@h/db',
      PORT: 4000,
      TTL_SECONDS: 900,
      TRUST_PROXY: true,
      JWKS_URL: 'http://localhost:4001/.well-known/jwks.json',
    });
  });

  it('lists every bad or missing variable by name in one error', () => {
    let error: unknown;
    try {
      loadConfig(schema, {
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        TTL_SECONDS: '-1',
        TRUST_PROXY: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(problems).toEqual(['DATABASE_URL', 'JWKS_URL', 'PORT', 'TRUST_PROXY', 'TTL_SECONDS']);
    expect((error as ConfigError).message).toContain('JWKS_URL: required but not set');
  });

  it("checks a database URL's connection_limit, the pool size", () => {
    const load = (url: string) => () =>
      loadConfig(schema, { DATABASE_URL: url, JWKS_URL: 'http://localhost:4001/.well-known/jwks.json' });
    expect(load('postgresql://u@h/db?connection_limit=5')().DATABASE_URL).toContain('connection_limit=5');
    for (const bad of ['0', '2.5', 'many', '1001'])
      expect(load(`postgresql://u@h/db?connection_limit=${bad}`)).toThrow(
        /DATABASE_URL: connection_limit must be a whole number from 1 to 1000/,
      );
  });
});
