// When Chroma is down, slow or restarted, and when embeddings come from Ollama (an Ollama-protocol HTTP server in
// this file, the only stand-in): calls fail with a code the callers map, status says unreachable instead of
// throwing, and Ollama's vectors live in collections of their own.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createTcpServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/free-port.ts';
import { startTestChroma, type TestChroma } from '../../../test/helpers/chroma.ts';
import { ConfigError } from '../../kit/config.ts';
import { embedderFromConfig, retrievalFromConfig } from './config.ts';
import { createLocalEmbedder, createOllamaEmbedder, hashedNgramVector } from './embeddings.ts';
import { RetrievalUnavailableError } from './errors.ts';
import { createRetrieval } from './retrieval.ts';

const log = pino({ level: 'silent' });

async function failure(promise: Promise<unknown>): Promise<RetrievalUnavailableError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RetrievalUnavailableError);
  return error as RetrievalUnavailableError;
}

describe('Chroma down', () => {
  let dataDir: string;
  let port: number;
  let chroma: TestChroma | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'chroma-restart-'));
    port = await freePort();
  });
  afterAll(async () => {
    await chroma?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('from the start: VECTOR_STORE_UNAVAILABLE, and status reachable false', async () => {
    const retrieval = createRetrieval({
      chromaUrl: `http://127.0.0.1:${await freePort()}`,
      embedder: createLocalEmbedder(),
      log,
    });
    expect((await failure(retrieval.suggest('ORGANISM', 'human', 1))).code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect((await failure(retrieval.similar({ text: 'human', first: 1 }))).code).toBe(
      'VECTOR_STORE_UNAVAILABLE',
    );
    expect(await retrieval.status()).toEqual({
      embeddingProvider: 'local-hashed-ngrams-v1',
      embeddingDimensions: 384,
      vectorStoreReachable: false,
      collections: [],
    });
  });

  it('stopped while in use, then back on the same data: fails, then works again', async () => {
    chroma = await startTestChroma({ port, dataDir });
    const retrieval = createRetrieval({ chromaUrl: chroma.url, embedder: createLocalEmbedder(), log });
    expect((await retrieval.suggest('ORGANISM', 'human', 1))[0]!.value).toBe('Homo sapiens');

    await chroma.stop();
    expect((await failure(retrieval.suggest('ORGANISM', 'human', 1))).code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect((await retrieval.status()).vectorStoreReachable).toBe(false);

    chroma = await startTestChroma({ port, dataDir });
    expect((await retrieval.suggest('ORGANISM', 'mouse', 1))[0]!.value).toBe('Mus musculus');
    expect((await retrieval.status()).vectorStoreReachable).toBe(true);
  });

  it('answering nothing: VECTOR_STORE_UNAVAILABLE after the time budget', async () => {
    // Accepts connections and never answers: a hung server.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port: silentPort } = silent.address() as { port: number };
    try {
      const retrieval = createRetrieval({
        chromaUrl: `http://127.0.0.1:${silentPort}`,
        embedder: createLocalEmbedder(),
        log,
        timeoutMs: 300,
      });
      const started = performance.now();
      const error = await failure(retrieval.suggest('ORGANISM', 'human', 1));
      expect(error.code).toBe('VECTOR_STORE_UNAVAILABLE');
      expect(error.message).toMatch(/within 300 ms/);
      expect(performance.now() - started).toBeLessThan(3000);
      expect((await retrieval.status()).vectorStoreReachable).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

/** An Ollama-protocol server for /api/embed: vectors of `dimensions` (hashed n-grams), or a scripted failure. */
interface FakeOllama {
  url: string;
  requests: { model: string; input: string[] }[];
  mode: 'ok' | 'error' | 'wrong-count';
  close(): Promise<void>;
}

async function startFakeOllama(dimensions: number): Promise<FakeOllama> {
  const fake: Omit<FakeOllama, 'url' | 'close'> = { requests: [], mode: 'ok' };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/api/embed') {
        response.writeHead(404).end();
        return;
      }
      const { model, input } = JSON.parse(body) as { model: string; input: string | string[] };
      const texts = Array.isArray(input) ? input : [input];
      fake.requests.push({ model, input: texts });
      if (fake.mode === 'error') {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'model runner has unexpectedly stopped' }));
        return;
      }
      const embeddings = texts.map((t) => hashedNgramVector(t, dimensions));
      if (fake.mode === 'wrong-count') embeddings.pop();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ model, embeddings, total_duration: 1, load_duration: 0 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe('embeddings from Ollama', () => {
  let chroma: TestChroma;
  let ollama: FakeOllama;

  beforeAll(async () => {
    chroma = await startTestChroma();
    ollama = await startFakeOllama(256);
  });
  afterAll(async () => {
    await ollama?.close();
    await chroma?.stop();
  });

  it('go to collections named for the model and its dimensions, apart from the local ones', async () => {
    const local = createRetrieval({ chromaUrl: chroma.url, embedder: createLocalEmbedder(), log });
    await local.suggest('ORGANISM', 'human', 1);

    const retrieval = retrievalFromConfig(
      {
        CHROMA_URL: chroma.url,
        OLLAMA_HOST: ollama.url,
        OLLAMA_EMBED_MODEL: 'test-embed:latest',
        RETRIEVAL_TIMEOUT_MS: 5000,
      },
      log,
    )!;
    expect((await retrieval.suggest('LIBRARY_KIT', 'rapid barcoding 96', 1))[0]!.value).toBe('SQK-RBK114.96');
    const status = await retrieval.status();
    expect(status).toMatchObject({
      embeddingProvider: 'ollama:test-embed:latest',
      embeddingDimensions: 256,
      vectorStoreReachable: true,
    });
    expect(status.collections.map((c) => c.name).sort()).toEqual([
      'ai-submissions-ollama-test-embed-latest-256',
      'ai-vocabulary-ollama-test-embed-latest-256',
    ]);
    expect((await local.status()).collections.map((c) => c.name)).toContain(
      'ai-vocabulary-local-hashed-ngrams-v1-384',
    );
    expect(ollama.requests.every((r) => r.model === 'test-embed:latest')).toBe(true);
    // The seed went in batches (the limit per request), the query alone.
    expect(Math.max(...ollama.requests.map((r) => r.input.length))).toBeLessThanOrEqual(64);
    expect(ollama.requests.at(-1)!.input).toEqual(['rapid barcoding 96']);
  });

  it('failing (a 500, or a wrong answer): EMBEDDER_UNAVAILABLE, and status still answers', async () => {
    const embedder = createOllamaEmbedder({ host: ollama.url, model: 'test-embed', timeoutMs: 5000 });
    const retrieval = createRetrieval({ chromaUrl: chroma.url, embedder, log });
    await retrieval.suggest('ORGANISM', 'human', 1);
    try {
      ollama.mode = 'error';
      const error = await failure(retrieval.suggest('ORGANISM', 'human', 1));
      expect(error.code).toBe('EMBEDDER_UNAVAILABLE');
      expect(error.message).toMatch(/model runner has unexpectedly stopped/);
      ollama.mode = 'wrong-count';
      expect((await failure(retrieval.similar({ text: 'human', first: 1 }))).code).toBe(
        'EMBEDDER_UNAVAILABLE',
      );
      expect(await retrieval.status()).toMatchObject({
        embeddingProvider: 'ollama:test-embed',
        embeddingDimensions: 256,
        vectorStoreReachable: true,
      });
    } finally {
      ollama.mode = 'ok';
    }
  });

  it('unreachable before its first answer: status has no dimensions, calls EMBEDDER_UNAVAILABLE', async () => {
    const embedder = createOllamaEmbedder({
      host: `http://127.0.0.1:${await freePort()}`,
      model: 'test-embed',
      timeoutMs: 1000,
    });
    const retrieval = createRetrieval({ chromaUrl: chroma.url, embedder, log });
    expect((await failure(retrieval.suggest('ORGANISM', 'human', 1))).code).toBe('EMBEDDER_UNAVAILABLE');
    expect(await retrieval.status()).toEqual({
      embeddingProvider: 'ollama:test-embed',
      embeddingDimensions: 0,
      vectorStoreReachable: true,
      collections: [],
    });
  });

  it('needs OLLAMA_HOST when OLLAMA_EMBED_MODEL is set; without CHROMA_URL retrieval is off', () => {
    expect(() =>
      embedderFromConfig({ OLLAMA_EMBED_MODEL: 'nomic-embed-text', RETRIEVAL_TIMEOUT_MS: 1000 }),
    ).toThrow(ConfigError);
    expect(retrievalFromConfig({ RETRIEVAL_TIMEOUT_MS: 1000 }, log)).toBeNull();
    expect(embedderFromConfig({ RETRIEVAL_TIMEOUT_MS: 1000 }).name).toBe('local-hashed-ngrams-v1');
  });
});
