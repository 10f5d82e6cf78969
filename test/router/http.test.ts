import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeSupergraphSdl,
  signToken,
  startJwks,
  startRouter,
  type TestKeys,
  type TestRouter,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let router: TestRouter;
const allowedOrigin = 'https://lims.example.org';

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  router = await startRouter({
    supergraph: { sdl },
    jwt: { jwksUrl: keys.jwksUrl },
    cors: { origins: [allowedOrigin] },
  });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close()]);
});

describe('CSRF prevention', () => {
  it('blocks a GET without a preflight-forcing header', async () => {
    const res = await fetch(`${router.url}?query=${encodeURIComponent('{ hello }')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('CSRF');
  });

  it('blocks a multipart POST without a preflight-forcing header', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ hello }' }));
    form.set('map', '{}');
    const res = await fetch(router.url, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('CSRF');
  });

  it('serves GET with query parameters when a preflight header is present', async () => {
    const res = await fetch(`${router.url}?query=${encodeURIComponent('{ hello }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await res.json()).toEqual({ data: { hello: 'world' } });
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const res = await fetch(router.url, {
      method: 'OPTIONS',
      headers: {
        origin: allowedOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('gives other origins no CORS headers', async () => {
    const res = await fetch(router.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const post = await router.post({ query: '{ hello }' }, { origin: 'https://evil.example' });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await router.post({ query: '{ hello }' }, { origin: allowedOrigin });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
  });
});

describe('GraphiQL', () => {
  it('serves a page without any external URL, whose assets are local', async () => {
    const res = await fetch(router.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9]/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBe(8);
    for (const asset of assets) {
      expect(asset.startsWith('/graphiql/')).toBe(true);
      const served = await fetch(`${router.origin}${asset}`);
      expect(served.status).toBe(200);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-type')).toMatch(/javascript|css/);
      const text = await served.text();
      expect(text.length).toBeGreaterThan(10);
      if (asset.endsWith('init.js')) expect(text).toContain('shouldPersistHeaders: false');
    }
  });
});

describe('GraphiQL under a Content-Security-Policy', () => {
  const page = () => fetch(router.url, { headers: { accept: 'text/html' } });

  it('allows scripts from its own origin only, and no framing', async () => {
    const res = await page();
    const csp = Object.fromEntries(
      (res.headers.get('content-security-policy') ?? '').split(/;\s*/).map((d) => {
        const [name, ...values] = d.split(' ');
        return [name, values.join(' ')];
      }),
    );
    expect(csp).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'connect-src': "'self'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
    });
    expect(csp['style-src']).toMatch(/^'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it("has nothing inline that script-src 'self' would block, and bundles that need no eval", async () => {
    const html = await (await page()).text();
    // Every script has a src, and there is no inline handler or inline <style> element of our own.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(5);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/graphiql\//);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=|<style|javascript:/i);
    for (const script of [
      'graphiql.min.js',
      'plugin-explorer.umd.js',
      'react.production.min.js',
      'react-dom.production.min.js',
      'init.js',
    ]) {
      const code = await (await fetch(`${router.origin}/graphiql/${script}`)).text();
      expect(code, script).not.toMatch(/\beval\(|new Function\(/);
    }
  });
});

describe('health, readiness and metrics', () => {
  it('is live and ready once the supergraph is loaded', async () => {
    expect((await fetch(`${router.origin}/health`)).status).toBe(200);
    const ready = await fetch(`${router.origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('exposes the named series', async () => {
    await router.post({ query: 'query Hello { hello }' });
    await router.post({ query: '{ nope }' });
    const text = await (await fetch(`${router.origin}/metrics`)).text();
    expect(text).toContain('router_requests_total{operation="Hello",outcome="success"}');
    expect(text).toMatch(
      /router_request_duration_seconds_bucket\{le="[^"]+",operation="Hello",outcome="success"\}/,
    );
    expect(text).toMatch(/router_subgraph_fetch_duration_seconds_bucket\{le="[^"]+",subgraph="users"\}/);
    expect(text).toContain('router_errors_total{code="GRAPHQL_VALIDATION_FAILED"}');
  });

  it('writes one access-log line per request, with user id and without token or variables', async () => {
    const token = await signToken(keys, { sub: 'user-42' });
    const res = await router.post(
      { query: 'query Echo($text: String) { echo(text: $text) }', variables: { text: 'password=hunter2' } },
      { authorization: `Bearer ${token}` },
    );
    const requestId = res.headers.get('x-request-id');
    await new Promise((done) => setTimeout(done, 20));
    const lines = router.logs.filter((l) => l.requestId === requestId);
    const access = lines.filter((l) => l.stage === 'accessLog');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      operationName: 'Echo',
      outcome: 'success',
      userId: 'user-42',
      status: 200,
    });
    expect(typeof access[0]?.durationMs).toBe('number');
    const all = JSON.stringify(router.logs);
    expect(all).not.toContain(token);
    expect(all).not.toContain('hunter2');
  });
});
