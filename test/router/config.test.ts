import { describe, expect, it } from 'vitest';
import { loadRouterConfig } from '../../router/config.ts';

describe('router config', () => {
  it('has working defaults', () => {
    const result = loadRouterConfig({});
    expect('config' in result && result.config).toMatchObject({
      port: 4000,
      options: {
        supergraph: 'schema/supergraph.graphql',
        jwt: { jwksUrl: undefined, issuer: 'urn:nanopore:auth', audience: 'urn:nanopore:supergraph' },
        authorization: { mode: 'filter' },
        cors: { origins: [] },
        graphiql: true,
      },
    });
  });

  it('reads trusted proxies and the client-address secret, refusing a bad CIDR or a short secret', () => {
    const defaults = loadRouterConfig({});
    expect('config' in defaults && defaults.config.options.clientAddress).toEqual({
      trustedProxies: [],
      secret: undefined,
    });
    const secret = 's'.repeat(32);
    const set = loadRouterConfig({
      ROUTER_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8',
      CLIENT_ADDRESS_SECRET: secret,
    });
    expect('config' in set && set.config.options.clientAddress).toEqual({
      trustedProxies: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8'],
      secret,
    });
    const bad = loadRouterConfig({ ROUTER_TRUSTED_PROXIES: '10.0.0.0/33', CLIENT_ADDRESS_SECRET: 'short' });
    const errors = 'errors' in bad ? bad.errors.join('\n') : '';
    expect(errors).toContain('ROUTER_TRUSTED_PROXIES: "10.0.0.0/33" is not an IP address or CIDR');
    expect(errors).toContain('CLIENT_ADDRESS_SECRET: must be at least 32 characters');
  });

  it('reads upload limits and the upload timeout, with defaults that let a 200 MB file through', () => {
    const defaults = loadRouterConfig({});
    expect('config' in defaults && defaults.config.options).toMatchObject({
      uploads: { maxFileBytes: 262_144_000, maxFiles: 10 },
      subgraphTimeout: { timeoutMs: 30_000, uploadTimeoutMs: 600_000 },
    });
    const set = loadRouterConfig({
      ROUTER_MAX_FILE_BYTES: '1048576',
      ROUTER_MAX_FILES: '2',
      ROUTER_UPLOAD_TIMEOUT_MS: '5000',
    });
    expect('config' in set && set.config.options).toMatchObject({
      uploads: { maxFileBytes: 1_048_576, maxFiles: 2 },
      subgraphTimeout: { uploadTimeoutMs: 5000 },
    });
    const bad = loadRouterConfig({ ROUTER_MAX_FILES: '-1' });
    expect('errors' in bad && bad.errors.join('\n')).toContain('ROUTER_MAX_FILES');
  });

  it('lets the command line win over the environment and reads subgraph URL overrides', () => {
    const result = loadRouterConfig(
      {
        ROUTER_SUPERGRAPH: 'a.graphql',
        ROUTER_PORT: '5000',
        ROUTER_SUBGRAPH_URL_AUTH: 'http://127.0.0.1:7001/graphql',
        CORS_ORIGINS: 'https://a.example, https://b.example',
      },
      ['--supergraph', 'https://registry.example/supergraph.graphql', '--port', '6000'],
    );
    expect('config' in result && result.config).toMatchObject({
      port: 6000,
      options: {
        supergraph: 'https://registry.example/supergraph.graphql',
        subgraphUrls: { auth: 'http://127.0.0.1:7001/graphql' },
        cors: { origins: ['https://a.example', 'https://b.example'] },
      },
    });
  });

  it('reports every problem at once, naming the variables', () => {
    const result = loadRouterConfig({
      ROUTER_PORT: 'eighty',
      JWKS_URL: 'not a url',
      ROUTER_AUTHZ_MODE: 'maybe',
      ROUTER_SUBGRAPH_URL_SAMPLES: 'nope',
    });
    expect('errors' in result).toBe(true);
    const text = 'errors' in result ? result.errors.join('\n') : '';
    for (const name of ['ROUTER_PORT', 'JWKS_URL', 'ROUTER_AUTHZ_MODE', 'ROUTER_SUBGRAPH_URL_SAMPLES']) {
      expect(text).toContain(name);
    }
  });

  it('reads the listen address, the metrics listener and the introspection mode, and refuses bad ones', () => {
    const defaults = loadRouterConfig({});
    expect('config' in defaults && defaults.config.host).toBeUndefined();
    expect('config' in defaults && defaults.config.options).toMatchObject({
      introspection: { mode: 'authenticated' },
      metrics: { maxOperationNames: 100 },
    });
    expect('config' in defaults && defaults.config.options.metrics?.listener).toBeUndefined();
    const set = loadRouterConfig({
      ROUTER_HOST: '0.0.0.0',
      ROUTER_METRICS_PORT: '9464',
      ROUTER_METRICS_HOST: '10.0.0.5',
      ROUTER_METRICS_MAX_NAMES: '20',
      ROUTER_INTROSPECTION: 'off',
    });
    expect('config' in set && set.config).toMatchObject({
      host: '0.0.0.0',
      options: {
        introspection: { mode: 'off' },
        metrics: { maxOperationNames: 20, listener: { port: 9464, host: '10.0.0.5' } },
      },
    });
    const bad = loadRouterConfig({
      ROUTER_HOST: 'http://example.org',
      ROUTER_METRICS_PORT: '70000',
      ROUTER_METRICS_HOST: 'a b',
      ROUTER_INTROSPECTION: 'sometimes',
    });
    const text = 'errors' in bad ? bad.errors.join('\n') : '';
    for (const name of [
      'ROUTER_HOST',
      'ROUTER_METRICS_PORT',
      'ROUTER_METRICS_HOST',
      'ROUTER_INTROSPECTION',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('runs one process with deduplication on by default; workers need the metrics listener', () => {
    const defaults = loadRouterConfig({});
    expect('config' in defaults && defaults.config).toMatchObject({
      workers: 1,
      heapGrowthPercent: 50,
      options: { deduplication: true, cost: { maxCost: 50_000 } },
    });
    const workers = loadRouterConfig({ ROUTER_WORKERS: '2', ROUTER_DEDUPLICATION: 'false' });
    expect('errors' in workers && workers.errors.join('\n')).toContain('ROUTER_METRICS_PORT');
    const set = loadRouterConfig({
      ROUTER_WORKERS: '2',
      ROUTER_METRICS_PORT: '9464',
      ROUTER_DEDUPLICATION: 'false',
    });
    expect('config' in set && set.config).toMatchObject({ workers: 2, options: { deduplication: false } });
    expect('errors' in loadRouterConfig({ ROUTER_WORKERS: '0' })).toBe(true);
    expect(loadRouterConfig({ ROUTER_HEAP_GROWTH_PERCENT: '-1' })).toMatchObject({
      errors: [expect.stringContaining('ROUTER_HEAP_GROWTH_PERCENT')],
    });
  });
});
