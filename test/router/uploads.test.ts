import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeSupergraphSdl,
  federation,
  signToken,
  startJwks,
  startRouter,
  startSubgraph,
  type TestKeys,
  type TestRouter,
  type TestSubgraph,
} from './fixtures.ts';
import {
  bytesContent,
  generatedContent,
  sendMultipart,
  startUploadSubgraph,
  type Content,
  type MultipartRequest,
  type UploadSubgraph,
} from './uploadFixtures.ts';
import { eventually } from '../helpers/eventually.ts';

const MiB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let keys: TestKeys;
let subgraph: UploadSubgraph;
let notes: TestSubgraph;
/** Default upload limits; a 300 ms subgraph timeout that uploads must not be cut by. */
let big: TestRouter;
/** 1 MiB per file, 3 files, 4000-byte bodies, uploads time out after 1 s. */
let small: TestRouter;
let token: string;

beforeAll(async () => {
  keys = await startJwks();
  [subgraph, notes] = await Promise.all([
    startUploadSubgraph(keys.jwksUrl),
    startSubgraph('notes', `${federation}\nscalar Upload\ntype Mutation { note(file: Upload!): String }`, {
      Mutation: { note: () => 'noted' },
    }),
  ]);
  const sdl = composeSupergraphSdl([subgraph, notes]);
  const jwt = { jwksUrl: keys.jwksUrl };
  [big, small] = await Promise.all([
    startRouter({ supergraph: { sdl }, jwt, subgraphTimeout: { timeoutMs: 300 } }),
    startRouter({
      supergraph: { sdl },
      jwt,
      uploads: { maxFileBytes: MiB, maxFiles: 3 },
      limits: { maxBodyBytes: 4000 },
      subgraphTimeout: { uploadTimeoutMs: 1000 },
    }),
  ]);
  token = await signToken(keys, { sub: 'u1' });
});

afterAll(async () => {
  await Promise.all([big?.close(), small?.close()]);
  await Promise.all([subgraph?.close(), notes?.close(), keys?.close()]);
});

const headers = () => ({ authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' });

function uploadOne(
  router: TestRouter,
  content: Content,
  extra: Partial<MultipartRequest> & { filename?: string; contentType?: string } = {},
) {
  const { filename = 'gel.png', contentType = 'image/png', ...rest } = extra;
  return sendMultipart(router.url, {
    operations: {
      query: 'mutation Up($file: Upload!) { upload(file: $file) { filename mimetype size sha256 } }',
      variables: { file: null },
    },
    map: { 0: ['variables.file'] },
    files: [{ field: '0', filename, contentType, content }],
    headers: headers(),
    ...rest,
  });
}

const limitError = (limit: string, max: number, data?: null) => ({
  ...(data === null ? { data } : {}),
  errors: [{ message: expect.any(String), extensions: { code: 'UPLOAD_LIMIT_EXCEEDED', limit, max } }],
});

describe('uploads through the router', () => {
  it('forwards a file byte-exact as multipart, with the caller token, request id and preflight header', async () => {
    const content = bytesContent(Buffer.from('%PDF-1.7 quote for 96 samples\n'));
    const res = await uploadOne(big, content, {
      filename: 'Quote "Q-17" – été.pdf',
      contentType: 'application/pdf',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        upload: {
          filename: 'Quote "Q-17" – été.pdf',
          mimetype: 'application/pdf',
          size: content.size,
          sha256: content.sha256,
        },
      },
    });
    expect(subgraph.requests.at(-1)).toMatchObject({
      authorization: `Bearer ${token}`,
      'x-request-id': res.headers['x-request-id'],
      'apollo-require-preflight': 'true',
      'content-type': expect.stringMatching(/^multipart\/form-data; boundary=/),
    });
  });

  it('forwards several files, in lists and input objects, whatever order they arrive in', async () => {
    const contents = [bytesContent(Buffer.from('a')), generatedContent(100_000), generatedContent(3 * MiB)];
    const many = await sendMultipart(big.url, {
      operations: {
        query: 'mutation($files: [Upload!]!) { uploadMany(files: $files) { filename sha256 } }',
        variables: { files: [null, null, null] },
      },
      map: { 0: ['variables.files.0'], 1: ['variables.files.1'], 2: ['variables.files.2'] },
      files: contents.map((content, i) => ({ field: String(i), filename: `f${i} (copy)'s.bin`, content })),
      headers: headers(),
    });
    expect(many.body).toEqual({
      data: { uploadMany: contents.map((c, i) => ({ filename: `f${i} (copy)'s.bin`, sha256: c.sha256 })) },
    });

    const [gel, qc] = [generatedContent(10_000), generatedContent(20_000)];
    const attached = await sendMultipart(big.url, {
      operations: {
        query: 'mutation($input: [Attachment!]!) { attach(input: $input) { label sha256 } }',
        variables: {
          input: [
            { label: 'gel', file: null },
            { label: 'qc', file: null },
          ],
        },
      },
      map: { gel: ['variables.input.0.file'], qc: ['variables.input.1.file'] },
      // The client sends the second file first.
      files: [
        { field: 'qc', filename: 'qc.html', content: qc },
        { field: 'gel', filename: 'gel.tif', content: gel },
      ],
      headers: headers(),
    });
    expect(attached.body).toEqual({
      data: {
        attach: [
          { label: 'gel', sha256: gel.sha256 },
          { label: 'qc', sha256: qc.sha256 },
        ],
      },
    });
  });

  it('passes a 50 MB file byte-exact', async () => {
    const content = generatedContent(50 * MiB);
    const res = await uploadOne(big, content);
    expect(res.body.data?.upload).toMatchObject({ size: content.size, sha256: content.sha256 });
  });

  it('streams: memory held grows far less than a 120 MB file while it passes', async () => {
    const content = generatedContent(120 * MiB);
    // Garbage chunks wait for the collector in any streaming code; what matters is what stays reachable.
    const held = () => (collectGarbage(), process.memoryUsage());
    const before = held();
    const peak = { rss: before.rss, arrayBuffers: before.arrayBuffers };
    const sample = setInterval(() => {
      const now = held();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    }, 250);
    try {
      const res = await uploadOne(big, content);
      expect(res.body.data?.upload).toMatchObject({ size: content.size, sha256: content.sha256 });
    } finally {
      clearInterval(sample);
    }
    // Client, router and subgraph all live in this process: together the buffers they hold stay under a third of
    // the file. The resident set also carries what the allocator has not handed back yet (more on a loaded
    // machine): under half.
    expect(peak.arrayBuffers - before.arrayBuffers).toBeLessThan(40 * MiB);
    expect(peak.rss - before.rss).toBeLessThan(60 * MiB);
  });

  it('is not cut by the subgraph timeout while the client is still sending', async () => {
    const content = generatedContent(2 * MiB, { pauseMs: 800, pauseAt: MiB });
    const res = await uploadOne(big, content);
    expect(res.body.data?.upload).toMatchObject({ sha256: content.sha256 });
  });

  it('times an upload out after uploadTimeoutMs, and the subgraph sees the upload fail', async () => {
    const before = subgraph.files.length;
    const res = await uploadOne(small, generatedContent(600_000, { pauseMs: 2000, pauseAt: 300_000 }));
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['GATEWAY_TIMEOUT']);
    await eventually(() => subgraph.files[before]?.status === 'error');
  });

  it('refuses a file over maxFileBytes while it streams, and the subgraph never completes it', async () => {
    const before = subgraph.files.length;
    const res = await uploadOne(small, generatedContent(MiB + 300_000));
    expect(res.status).toBe(413);
    expect(res.body).toEqual(limitError('maxFileBytes', MiB, null));
    await eventually(() => subgraph.files.slice(before).every((f) => f.status === 'error'));
    expect(subgraph.files.slice(before).map((f) => f.status)).not.toContain('complete');

    const exact = generatedContent(MiB);
    const ok = await uploadOne(small, exact);
    expect(ok.body.data?.upload).toMatchObject({ size: MiB, sha256: exact.sha256 });
  });

  it('answers 413 at once when the declared length exceeds what the limits allow, without asking the subgraph', async () => {
    const calls = subgraph.requests.length;
    const started = Date.now();
    const res = await uploadOne(small, generatedContent(4 * MiB), { contentLength: 500 * MiB });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(limitError('maxRequestBytes', 3 * MiB + 8000 + 5 * 16 * 1024));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(subgraph.requests.length).toBe(calls);
  });

  it('refuses more than maxFiles files before the subgraph is called', async () => {
    const calls = subgraph.requests.length;
    const contents = [1, 2, 3, 4].map((n) => generatedContent(n * 1000));
    const res = await sendMultipart(small.url, {
      operations: {
        query: 'mutation($files: [Upload!]!) { uploadMany(files: $files) { sha256 } }',
        variables: { files: [null, null, null, null] },
      },
      map: Object.fromEntries(contents.map((_, i) => [String(i), [`variables.files.${i}`]])),
      files: contents.map((content, i) => ({ field: String(i), filename: `${i}.txt`, content })),
      headers: headers(),
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(limitError('maxFiles', 3));
    expect(subgraph.requests.length).toBe(calls);
  });

  it('keeps CSRF prevention: a multipart request without a preflight header is refused unread', async () => {
    const calls = subgraph.requests.length;
    const res = await uploadOne(small, generatedContent(1000), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(res.body.errors?.[0]?.message).toMatch(/CSRF/);
    expect(subgraph.requests.length).toBe(calls);

    const named = await uploadOne(small, generatedContent(1000), {
      headers: { authorization: `Bearer ${token}`, 'x-apollo-operation-name': 'Up' },
    });
    expect(named.status).toBe(200);
  });

  it('aborts the subgraph request when the client hangs up half-way, and stays healthy', async () => {
    const before = subgraph.files.length;
    await expect(uploadOne(big, generatedContent(20 * MiB), { abortAfterBytes: 8 * MiB })).rejects.toThrow();
    await eventually(() => subgraph.files[before]?.status === 'error');
    expect(subgraph.files[before]!.size).toBeLessThan(20 * MiB);

    expect((await fetch(`${big.origin}/health`)).status).toBe(200);
    const content = generatedContent(MiB);
    expect((await uploadOne(big, content)).body.data?.upload).toMatchObject({ sha256: content.sha256 });
  });

  it('keeps the JSON body limit for JSON, and applies only the upload limits to multipart bodies', async () => {
    const json = await small.post({ query: `{ ping }#${'x'.repeat(5000)}` });
    expect(json.status).toBe(413);
    expect(json.body.errors?.[0]?.extensions).toEqual({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'maxBodyBytes',
      max: 4000,
    });

    const content = generatedContent(500_000);
    const multipart = await uploadOne(small, content);
    expect(multipart.body.data?.upload).toMatchObject({ sha256: content.sha256 });

    const hugeOperations = await uploadOne(small, content, {
      operations: {
        query: `mutation Up($file: Upload!) { upload(file: $file) { sha256 } }#${'x'.repeat(5000)}`,
        variables: { file: null },
      },
    });
    expect(hugeOperations.status).toBe(413);
    expect(hugeOperations.body.errors?.[0]?.extensions).toEqual({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'maxBodyBytes',
      max: 4000,
    });
  });

  it('refuses an upload that two subgraph fetches would both need', async () => {
    const content = generatedContent(1000);
    const res = await sendMultipart(big.url, {
      operations: {
        query: 'mutation($f: Upload!) { upload(file: $f) { sha256 } note(file: $f) }',
        variables: { f: null },
      },
      map: { 0: ['variables.f'] },
      files: [{ field: '0', filename: 'a.txt', content }],
      headers: headers(),
    });
    expect(res.body.data).toEqual({ upload: { sha256: content.sha256 }, note: null });
    expect(res.body.errors).toEqual([
      {
        message: expect.stringMatching(/one subgraph fetch only/),
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(notes.requests).toHaveLength(0);
  });

  it('logs and counts uploads like any request', async () => {
    await uploadOne(big, generatedContent(1000));
    await uploadOne(small, generatedContent(1000), { contentLength: 500 * MiB });
    expect(big.logs.filter((l) => l.stage === 'accessLog').at(-1)).toMatchObject({
      operationName: 'Up',
      status: 200,
      outcome: 'success',
      errorCodes: [],
    });
    expect(small.logs.filter((l) => l.stage === 'accessLog').at(-1)).toMatchObject({
      status: 413,
      outcome: 'error',
      errorCodes: ['UPLOAD_LIMIT_EXCEEDED'],
    });
    const metrics = await (await fetch(`${small.origin}/metrics`)).text();
    expect(metrics).toMatch(/router_errors_total\{code="UPLOAD_LIMIT_EXCEEDED"\} [1-9]/);
  });
});
