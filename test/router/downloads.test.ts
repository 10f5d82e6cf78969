import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeSupergraphSdl,
  federation,
  startRouter,
  startSubgraph,
  type TestRouter,
  type TestSubgraph,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

const content = 'hello, nanopore: a small report\n'.repeat(100);
const filesTypeDefs = `${federation}\ntype Query { file(id: ID!): String }`;

let dir: string;
let files: TestSubgraph;
let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let router: TestRouter;
/** Headers of every request the files origin served under /files. */
const seen: Array<Record<string, string | string[] | undefined>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'router-downloads-'));
  writeFileSync(join(dir, 'report.txt'), content);
  files = await startSubgraph(
    'files',
    filesTypeDefs,
    { Query: { file: () => null } },
    {
      routes(app) {
        app.get('/files/:id/content', (req, res) => {
          seen.push(req.headers);
          if (req.query.signature !== 'good') return void res.status(403).json({ error: 'bad signature' });
          res.setHeader('x-content-type-options', 'nosniff');
          res.setHeader('content-security-policy', "default-src 'none'; sandbox");
          res.setHeader('x-internal', 'must not leak');
          res.setHeader('set-cookie', 'session=origin');
          res.attachment('report "final".txt');
          res.sendFile(join(dir, 'report.txt'), {
            cacheControl: false,
            headers: { 'cache-control': 'private, max-age=60' },
          });
        });
      },
    },
  );
  graphs = await startTestGraphs();
  router = await startRouter({ supergraph: { sdl: composeSupergraphSdl([graphs.users, files]) } });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([files?.close(), graphs?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(router.origin);
    request({ hostname, port, path, method: 'GET' })
      .on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject)
      .end();
  });
}

const url = (path = '/files/f1/content?expires=9999999999&signature=good') => `${router.origin}${path}`;

describe('file downloads through the router', () => {
  it('passes status, content headers and body through, and only the listed request headers in', async () => {
    const res = await fetch(url(), {
      headers: {
        authorization: 'Bearer secret',
        cookie: 'a=b',
        'x-request-id': 'dl-1',
        'user-agent': 'test',
      },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(content);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(content.length),
      'accept-ranges': 'bytes',
      'content-disposition': expect.stringContaining('attachment; filename='),
      etag: expect.any(String),
      'last-modified': expect.any(String),
      'cache-control': 'private, max-age=60',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'x-request-id': 'dl-1',
    });
    expect(res.headers.get('x-internal')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    const forwarded = seen.at(-1)!;
    expect(forwarded['x-request-id']).toBe('dl-1');
    for (const header of ['authorization', 'cookie', 'user-agent']) expect(forwarded[header]).toBeUndefined();
    expect(forwarded['accept-encoding']).toBeUndefined();
    expect(router.logs.find((l) => l.stage === 'fileDownloads')).toMatchObject({
      path: '/files/f1/content',
      status: 200,
    });
    expect(JSON.stringify(router.logs)).not.toContain('signature=good');
  });

  it('passes Range (206) and conditional requests (304) through', async () => {
    const range = await fetch(url(), { headers: { range: 'bytes=0-4' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 0-4/${content.length}`);
    expect(await range.text()).toBe('hello');

    const etag = (await fetch(url())).headers.get('etag')!;
    const cached = await fetch(url(), { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await fetch(url(), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(content.length));
    expect(await res.text()).toBe('');
  });

  it('passes the subgraph refusal of a bad signature through', async () => {
    const res = await fetch(url('/files/f1/content?expires=1&signature=forged'));
    expect(res.status).toBe(403);
  });

  it('never leaves /files on the subgraph, however the path is spelled', async () => {
    const before = seen.length;
    const paths = [
      '/files/../graphql?query=%7B__typename%7D',
      '/files/%2e%2e/health',
      '/files/x/%2E%2E/%2e%2e/health',
      '/files/..%2f..%2fhealth',
    ];
    for (const path of paths) expect([400, 404]).toContain(await rawGet(path));
    expect(seen.length).toBe(before);
  });

  it('answers 502 when the files subgraph cannot be reached, 404 without one', async () => {
    const doomed = await startSubgraph('files', filesTypeDefs, { Query: { file: () => null } });
    const down = await startRouter({ supergraph: { sdl: composeSupergraphSdl([graphs.users, doomed]) } });
    await doomed.close();
    const none = await startRouter({ supergraph: { sdl: composeSupergraphSdl([graphs.users]) } });
    try {
      const unreachable = await fetch(`${down.origin}/files/f1/content`);
      expect(unreachable.status).toBe(502);
      expect(await unreachable.json()).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: 'BAD_GATEWAY' } }],
      });
      const missing = await fetch(`${none.origin}/files/f1/content`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: 'NOT_FOUND' } }],
      });
    } finally {
      await Promise.all([down.close(), none.close()]);
    }
  });

  it('follows a subgraphUrls override of the files subgraph', async () => {
    const placeholder = await startSubgraph('files', filesTypeDefs, { Query: { file: () => null } });
    const sdl = composeSupergraphSdl([graphs.users, placeholder]);
    await placeholder.close();
    const overridden = await startRouter({ supergraph: { sdl }, subgraphUrls: { files: files.url } });
    try {
      const res = await fetch(`${overridden.origin}/files/f1/content?signature=good`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(content);
    } finally {
      await overridden.close();
    }
  });
});
