import { describe, expect, it } from 'vitest';
import { loadRouterConfig } from '../../router/config.ts';

describe('router config: API keys', () => {
  it('has defaults, reads each variable and names a bad one', () => {
    const defaults = loadRouterConfig({});
    expect('config' in defaults && defaults.config.options.apiKeys).toEqual({
      secret: undefined,
      rateLimitPerMinute: 600,
      maxFailures: 20,
      failureWindowSeconds: 300,
    });
    const secret = 'x'.repeat(32);
    const set = loadRouterConfig({
      API_KEY_EXCHANGE_SECRET: secret,
      ROUTER_API_KEY_RATE_LIMIT: '120',
      ROUTER_API_KEY_MAX_FAILURES: '5',
      ROUTER_API_KEY_FAILURE_WINDOW_SECONDS: '60',
    });
    expect('config' in set && set.config.options.apiKeys).toEqual({
      secret,
      rateLimitPerMinute: 120,
      maxFailures: 5,
      failureWindowSeconds: 60,
    });
    const bad = loadRouterConfig({
      API_KEY_EXCHANGE_SECRET: 'short',
      ROUTER_API_KEY_RATE_LIMIT: '0',
      ROUTER_API_KEY_MAX_FAILURES: 'many',
    });
    const errors = 'errors' in bad ? bad.errors.join('\n') : '';
    expect(errors).toContain('API_KEY_EXCHANGE_SECRET: must be at least 32 characters');
    expect(errors).toContain('ROUTER_API_KEY_RATE_LIMIT');
    expect(errors).toContain('ROUTER_API_KEY_MAX_FAILURES');
  });
});
