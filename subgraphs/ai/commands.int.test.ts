// The internal endpoints the submission subgraph calls, over real HTTP with real signatures: extraction
// commands (queued once however often delivered, wrong signatures and senders refused, SUBMISSION_ACCEPTED
// rejected and counted without retrieval, answered 503 while the vector store is down so the relay retries, and
// indexed into a real Chroma when it is up), the result of a job, and aiStatus and similarSubmissions without
// and with retrieval.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';
import { startTestChroma, type TestChroma } from '../../test/helpers/chroma.ts';
import { startTestOllama, type TestOllama } from '../../test/helpers/ollama-server.ts';
import {
  EXTRACTION_FILE_STORED,
  EXTRACTION_REQUESTED,
  resultPath,
  SUBMISSION_ACCEPTED,
  type ExtractionResult,
} from '../kit/extraction-wire.ts';
import { createLogger } from '../kit/logger.ts';
import { createLocalEmbedder } from './retrieval/embeddings.ts';
import { createRetrieval } from './retrieval/retrieval.ts';
import {
  acceptedValues,
  commandEvent,
  extractionRequest,
  startAiHarness,
  type AiHarness,
} from './testing.ts';

const log = createLogger({ level: 'silent' });
const STATUS = `{ aiStatus { status ocr { languages version } llm { configured reachable model }
  embeddings { provider dimensions } vectorStore { configured reachable collections { name count } }
  queue { queued running oldestQueuedAt } } }`;
const SIMILAR = `query ($id: ID, $text: String, $first: Int) { similarSubmissions(submissionId: $id, text: $text, first: $first) {
  submission { id } score lab sampleCount } }`;

describe('without retrieval', () => {
  let h: AiHarness;
  beforeAll(async () => {
    h = await startAiHarness();
  });
  afterAll(() => h?.close());

  it('queues a requested extraction once, however often it is delivered', async () => {
    const request = extractionRequest();
    const event = commandEvent(EXTRACTION_REQUESTED, request);
    const first = await h.sendCommands([event]);
    expect(first).toEqual({ status: 200, body: { results: [{ id: event.id, status: 'stored' }] } });
    const again = await h.sendCommands([event, commandEvent(EXTRACTION_REQUESTED, request)]);
    expect(again.body.results?.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    const jobs = await h.sql(`SELECT id, status, owner_id FROM extraction_job WHERE submission_id = $1`, [
      request.submissionId,
    ]);
    expect(jobs).toEqual([{ id: expect.any(String), status: 'QUEUED', owner_id: request.ownerId }]);
    expect((await h.events(jobs[0]!.id as string)).map((e) => e.type)).toEqual(['extraction.queued']);
  });

  it('shows the jobs by status and the age of the oldest queued one on /metrics (jobs/job-metrics.ts)', async () => {
    await h.sendCommands([commandEvent(EXTRACTION_REQUESTED, extractionRequest())]);
    const rows = await h.sql<{ status: string; kind: string; n: number }>(
      `SELECT status, kind, count(*)::int AS n FROM extraction_job GROUP BY 1, 2`,
    );
    expect(rows.some((r) => r.status === 'QUEUED' && r.n > 0)).toBe(true);
    h.advance(600);
    const lines = (await h.metrics()).split('\n');
    const value = (name: string, labels: string[]) =>
      Number(
        lines
          .find((l) => l.startsWith(`${name}{`) && labels.every((p) => l.includes(p)))
          ?.split(' ')
          .at(-1),
      );
    for (const row of rows)
      expect(value('ai_extraction_jobs', [`status="${row.status}"`, `kind="${row.kind}"`])).toBe(row.n);
    expect(value('ai_extraction_jobs', ['status="FAILED"'])).toBe(0);
    expect(value('ai_extraction_oldest_queued_age_seconds', [])).toBeGreaterThanOrEqual(600);
  });

  it("links the stored original to the submission's job once (File.extraction), with its event", async () => {
    const request = extractionRequest({ fileId: null });
    await h.sendCommands([commandEvent(EXTRACTION_REQUESTED, request)]);
    const fileId = randomUUID();
    const stored = commandEvent(EXTRACTION_FILE_STORED, { submissionId: request.submissionId, fileId });
    const first = await h.sendCommands([stored]);
    expect(first.body.results?.map((r) => r.status)).toEqual(['stored']);
    const again = await h.sendCommands([
      stored,
      commandEvent(EXTRACTION_FILE_STORED, { submissionId: request.submissionId, fileId: randomUUID() }),
    ]);
    expect(again.body.results?.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    const [job] = await h.sql(`SELECT id, file_id FROM extraction_job WHERE submission_id = $1`, [
      request.submissionId,
    ]);
    expect(job!.file_id).toBe(fileId);
    expect((await h.events(job!.id as string)).map((e) => e.type)).toEqual([
      'extraction.queued',
      'extraction.file_linked',
    ]);
  });

  it('refuses a wrong signature and a sender other than the submission subgraph', async () => {
    const request = extractionRequest();
    const event = commandEvent(EXTRACTION_REQUESTED, request);
    const forged = await h.sendCommands([event], { secret: 'another-secret-of-enough-length-0123456789' });
    expect(forged.status).toBe(401);
    const samples = await h.sendCommands([{ ...event, service: 'samples' }], { service: 'samples' });
    expect(samples.status).toBeGreaterThanOrEqual(401);
    expect(samples.status).toBeLessThan(500);
    const unsigned = await fetch(`${h.url}/internal/ai/commands`, { method: 'POST', body: '{"events":[]}' });
    expect(unsigned.status).toBe(401);
    expect(
      await h.sql(`SELECT id FROM extraction_job WHERE submission_id = $1`, [request.submissionId]),
    ).toEqual([]);
  });

  it('rejects bad payloads, and accepted submissions with RETRIEVAL_OFF, counted', async () => {
    const values = acceptedValues();
    const bad = commandEvent(EXTRACTION_REQUESTED, { ...extractionRequest(), sha256: 'nope' } as never);
    const accepted = commandEvent(SUBMISSION_ACCEPTED, values);
    const answer = await h.sendCommands([bad, accepted]);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      expect.objectContaining({ id: bad.id, status: 'rejected', code: 'INVALID_PAYLOAD' }),
      expect.objectContaining({ id: accepted.id, status: 'rejected', code: 'RETRIEVAL_OFF' }),
    ]);
    const metrics = await h.metrics();
    const count = (type: string, code: string) =>
      metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('ai_commands_rejected_total{') &&
            l.includes(`type="${type}"`) &&
            l.includes(`code="${code}"`),
        );
    expect(count(SUBMISSION_ACCEPTED, 'RETRIEVAL_OFF')).toMatch(/ 1$/);
    expect(count(EXTRACTION_REQUESTED, 'INVALID_PAYLOAD')).toMatch(/ 1$/);
  });

  it('serves a SUCCEEDED job result to the submission subgraph only, and 404 otherwise', async () => {
    const request = extractionRequest();
    const { job } = await h.subgraph.deps.queue.enqueue(request, {
      userId: null,
      roles: [],
      requestId: null,
    });
    expect((await h.signedGet(resultPath(job.id))).status).toBe(404);
    const result: ExtractionResult = { kind: 'PAGES', ocrVersion: 'tesseract.js 7.0.0 eng', pages: [] };
    await h.sql(`UPDATE extraction_job SET status = 'SUCCEEDED', result = $2 WHERE id = $1`, [
      job.id,
      result,
    ]);
    const ok = await h.signedGet(resultPath(job.id));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(result);
    expect((await h.signedGet(resultPath(job.id), 'files')).status).toBe(403);
    expect((await fetch(`${h.url}${resultPath(job.id)}`)).status).toBe(401);
    expect((await h.signedGet(resultPath(randomUUID()))).status).toBe(404);
    expect((await h.signedGet(resultPath('not-a-uuid'))).status).toBe(404);
  });

  it('aiStatus is DEGRADED, not down; similarSubmissions answers RETRIEVAL_OFF', async () => {
    const status = await h.gql(STATUS, {}, await h.as(['VIEWER']));
    expect(status.body.errors).toBeUndefined();
    expect(status.body.data.aiStatus).toMatchObject({
      status: 'DEGRADED',
      ocr: { languages: ['eng'], version: expect.stringMatching(/^tesseract\.js /) },
      llm: { configured: false, reachable: false, model: null },
      embeddings: { provider: null, dimensions: null },
      vectorStore: { configured: false, reachable: false, collections: [] },
      queue: { queued: expect.any(Number), running: 0 },
    });
    const similar = await h.gql(SIMILAR, { text: 'nanopore' }, await h.as(['STAFF']));
    expect(similar.body.errors?.[0]?.extensions.code).toBe('RETRIEVAL_OFF');
  });
});

describe('with the vector store down', () => {
  let h: AiHarness;
  beforeAll(async () => {
    const chromaUrl = `http://127.0.0.1:${await freePort()}`;
    h = await startAiHarness({
      retrieval: createRetrieval({ chromaUrl, embedder: createLocalEmbedder(), log, timeoutMs: 2000 }),
    });
  });
  afterAll(() => h?.close());

  it('answers an accepted submission 503 so the relay retries, and aiStatus says unreachable', async () => {
    const answer = await h.sendCommands([commandEvent(SUBMISSION_ACCEPTED, acceptedValues())]);
    expect(answer.status).toBe(503);
    const status = await h.gql(STATUS, {}, await h.as(['STAFF']));
    expect(status.body.data.aiStatus).toMatchObject({
      status: 'DEGRADED',
      embeddings: { provider: 'local-hashed-ngrams-v1', dimensions: 384 },
      vectorStore: { configured: true, reachable: false, collections: [] },
    });
  });
});

describe('with a real Chroma', () => {
  let h: AiHarness;
  let chroma: TestChroma;
  beforeAll(async () => {
    chroma = await startTestChroma();
    h = await startAiHarness({
      retrieval: createRetrieval({ chromaUrl: chroma.url, embedder: createLocalEmbedder(), log }),
    });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await chroma?.stop();
  });

  it('indexes accepted submissions; a SUBMITTER finds similar submissions among their own only', async () => {
    const alice = randomUUID();
    const mine = acceptedValues({ ownerId: alice, lab: 'Jones Lab', sampleCount: 4 });
    const mineToo = acceptedValues({ ownerId: alice, lab: 'Jones Lab', sampleCount: 2 });
    const theirs = acceptedValues({ lab: 'Jones Lab' });
    const answer = await h.sendCommands(
      [mine, mineToo, theirs].map((v) => commandEvent(SUBMISSION_ACCEPTED, v)),
    );
    expect(answer.body.results?.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);

    const asAlice = await h.as(['SUBMITTER'], alice);
    const byText = await h.gql(SIMILAR, { text: 'Jones Lab SQK-LSK114 E. coli', first: 10 }, asAlice);
    expect(byText.body.errors).toBeUndefined();
    const found = (byText.body.data.similarSubmissions as { submission: { id: string } }[]).map(
      (s) => s.submission.id,
    );
    expect(found.sort()).toEqual([mine.submissionId, mineToo.submissionId].sort());

    const byId = await h.gql(SIMILAR, { id: mine.submissionId, first: 10 }, asAlice);
    expect(
      byId.body.data.similarSubmissions.map((s: { submission: { id: string } }) => s.submission.id),
    ).toEqual([mineToo.submissionId]);
    // Another's submission is not found by its id; staff find all three.
    expect(
      (await h.gql(SIMILAR, { id: theirs.submissionId }, asAlice)).body.errors?.[0]?.extensions.code,
    ).toBe('NOT_FOUND');
    const staff = await h.gql(SIMILAR, { text: 'Jones Lab', first: 10 }, await h.as(['STAFF']));
    expect(staff.body.data.similarSubmissions).toHaveLength(3);
    // Bounds: both arguments, and first past 20.
    const both = await h.gql(SIMILAR, { id: mine.submissionId, text: 'x' }, asAlice);
    expect(both.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect((await h.gql(SIMILAR, { text: 'x', first: 21 }, asAlice)).body.errors?.[0]?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('with the LLM configured from the environment', () => {
  let h: AiHarness;
  let ollama: TestOllama;
  beforeAll(async () => {
    ollama = await startTestOllama();
    h = await startAiHarness({}, { OLLAMA_HOST: ollama.url, OLLAMA_MODEL: 'test-model' });
  });
  afterAll(async () => {
    await h?.close();
    await ollama?.stop();
  });

  it('aiStatus shows the LLM configured and reachable (DEGRADED still: no Chroma)', async () => {
    const staff = await h.as(['STAFF']);
    const up = await h.gql(STATUS, {}, staff);
    expect(up.body.data.aiStatus).toMatchObject({
      status: 'DEGRADED',
      llm: { configured: true, reachable: true, model: 'test-model' },
    });
  });
});
