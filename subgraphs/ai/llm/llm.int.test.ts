// The LLM over real HTTP: the `ollama` client against an Ollama-protocol server (test/helpers/ollama-server.ts)
// scripted per test, and the PDF text layer read in a real worker. Each way the model can answer (well, not
// JSON, JSON outside the schema, an invented value, too slowly, a 500, not at all) ends as the job runner
// needs it: a grounded draft, or an LlmError with its code and whether a retry may help.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ollama } from 'ollama';
import { extractionResultSchema } from '../../kit/extraction-wire.ts';
import { createLogger } from '../../kit/logger.ts';
import { readFixture } from '../../../test/helpers/fixtures.ts';
import { startTestOllama, type TestOllama } from '../../../test/helpers/ollama-server.ts';
import { llmDraftJsonSchema, type LlmDraft } from './draft-schema.ts';
import { LlmError } from './errors.ts';
import { GROUNDED_CONFIDENCE, NOT_IN_SOURCE_CONFIDENCE } from './grounding.ts';
import { createLlm, type LlmOptions, type LlmService } from './llm.ts';
import { PROMPT_VERSION } from './prompt.ts';

const log = createLogger({ level: 'silent' });
const SAMPLE_TEXT = readFixture('documents/sample-list.txt');
const SAMPLE_PDF = readFixture('documents/sample-list.pdf');

/** What a good model answers for the fixture sample list: every value copied from the document. */
const goodAnswer: LlmDraft = {
  requesterName: 'Maria Lopez',
  requesterEmail: 'maria.lopez@example.edu',
  lab: 'Lopez Lab',
  form: {
    libraryKit: 'SQK-LSK114',
    sampleTypes: ['HMW_DNA'],
    containsHumanDna: false,
    sourceOrganism: 'Arabidopsis thaliana',
    sampleBuffers: ['EB'],
    flowCellFormats: ['PROMETHION'],
    approxGenomeSize: '135 Mb',
    approxCoverage: '30x',
    flowCellCount: 2,
    comments: 'Please keep the samples at -20 C until loading and put the FASTQ files on the shared drive.',
  },
  rows: [
    ['AT-01', 50, 52.4, 1.85, 2.1],
    ['AT-02', 45, 48, 1.82, 2.05],
    ['AT-03', 50, 61.2, 1.88, 1.98],
    ['AT-04', 40, 39.5, 1.79, 2.21],
  ].map(([sampleName, volumeUl, qubitNgPerUl, a260_280, a260_230]) => ({
    sampleName: sampleName as string,
    volumeUl: volumeUl as number,
    qubitNgPerUl: qubitNgPerUl as number,
    nanodropNgPerUl: null,
    a260_280: a260_280 as number,
    a260_230: a260_230 as number,
    concentrationNgPerUl: null,
  })),
};
const good = () => ({ content: JSON.stringify(goodAnswer) });

let ollama: TestOllama;
const llms: LlmService[] = [];
function llm(options: Partial<LlmOptions> = {}): LlmService {
  const created = createLlm({ host: ollama.url, model: 'test-model', timeoutMs: 15_000, log, ...options })!;
  llms.push(created);
  return created;
}
const signal = () => new AbortController().signal;
const draftText = (service: LlmService, bytes: Uint8Array = SAMPLE_TEXT) =>
  service.draftFromDocument({ bytes, mediaType: 'text/plain', signal: signal() });

async function llmError(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

beforeAll(async () => {
  ollama = await startTestOllama();
});
afterEach(() => ollama.reset());
afterAll(async () => {
  for (const service of llms) service.close();
  await ollama.stop();
});

describe('draftFromDocument', () => {
  it('drafts the fixture sample list: every value grounded at its place in the text', async () => {
    ollama.replyChat(good());
    const draft = await draftText(llm());
    expect(extractionResultSchema.parse(draft)).toEqual(draft);
    expect(draft).toMatchObject({ kind: 'DRAFT', model: 'test-model', promptVersion: PROMPT_VERSION });
    expect(draft.issues).toEqual([]);
    const text = SAMPLE_TEXT.toString('utf8');
    const at = (path: string) => {
      const value = draft.values.find((v) => v.path === path)!;
      expect(value.confidence).toBe(GROUNDED_CONFIDENCE);
      return text.slice(value.source!.start, value.source!.end);
    };
    expect(at('form.sourceOrganism')).toBe('Arabidopsis thaliana');
    expect(at('form.sampleTypes[0]')).toBe('high molecular weight');
    expect(at('form.approxCoverage')).toBe('30x');
    expect(at('rows[1].qubitNgPerUl')).toBe('48');
    // AT-03's 50 µL is found on AT-03's line, not AT-01's.
    const row3 = draft.values.find((v) => v.path === 'rows[2].volumeUl')!.source!;
    expect(row3.start).toBeGreaterThan(text.indexOf('AT-03'));
    expect(draft.values).toHaveLength(3 + 10 + 4 * 5);

    const [request] = ollama.chatRequests();
    expect(request).toMatchObject({ model: 'test-model', stream: false, format: llmDraftJsonSchema });
    expect(request!.messages.at(-1)!.content).toContain('AT-04   Qubit 39.5 ng/µL');
  });

  it('drafts the same list from its PDF, the text layer read in a worker', async () => {
    ollama.replyChat(good());
    const draft = await llm().draftFromDocument({
      bytes: SAMPLE_PDF,
      mediaType: 'application/pdf',
      signal: signal(),
    });
    expect(draft.issues).toEqual([]);
    expect(draft.values.every((v) => v.source && v.confidence === GROUNDED_CONFIDENCE)).toBe(true);
    expect(ollama.chatRequests()[0]!.messages.at(-1)!.content).toContain('AT-02   Qubit 48 ng/uL');
  });

  it('caps an invented value below review with a NOT_IN_SOURCE issue', async () => {
    const invented = structuredClone(goodAnswer);
    invented.form.sourceOrganism = 'Oryza sativa';
    invented.rows[0]!.nanodropNgPerUl = 77.7;
    ollama.replyChat({ content: JSON.stringify(invented) });
    const draft = await draftText(llm());
    const organism = draft.values.find((v) => v.path === 'form.sourceOrganism')!;
    expect(organism).toMatchObject({
      value: 'Oryza sativa',
      confidence: NOT_IN_SOURCE_CONFIDENCE,
      source: null,
    });
    expect(draft.issues.map((i) => [i.path, i.code])).toEqual([
      ['form.sourceOrganism', 'NOT_IN_SOURCE'],
      ['rows[0].nanodropNgPerUl', 'NOT_IN_SOURCE'],
    ]);
  });

  it('retries once with the validation error after an answer that is not JSON', async () => {
    ollama.replyChat({ content: 'Sure! Here is the form: {' }, good());
    const draft = await draftText(llm());
    expect(draft.values.length).toBeGreaterThan(0);
    const [, retry] = ollama.chatRequests();
    expect(retry!.messages.at(-2)).toEqual({ role: 'assistant', content: 'Sure! Here is the form: {' });
    expect(retry!.messages.at(-1)!.content).toMatch(/not valid: the answer is not JSON/);
  });

  it('fails with LLM_INVALID_OUTPUT (not retryable) after two answers outside the schema', async () => {
    const bad = { ...goodAnswer, rows: [{ ...goodAnswer.rows[0], volumeUl: 'fifty' }] };
    ollama.replyChat({ content: JSON.stringify(bad) }, { content: JSON.stringify(bad) });
    const error = await llmError(draftText(llm()));
    expect(error).toMatchObject({ code: 'LLM_INVALID_OUTPUT', retryable: false });
    expect(error.message).toContain('rows.0.volumeUl');
    expect(ollama.chatRequests()).toHaveLength(2);
    expect(ollama.chatRequests()[1]!.messages.at(-1)!.content).toContain('rows.0.volumeUl');
  });

  it('fails with LLM_INVALID_OUTPUT after two answers that are not JSON', async () => {
    ollama.replyChat({ content: 'no' }, { content: '{"form": ' });
    expect(await llmError(draftText(llm()))).toMatchObject({ code: 'LLM_INVALID_OUTPUT' });
  });

  it('gives up on a slow model with LLM_TIMEOUT (retryable), at its timeout', async () => {
    ollama.replyChat({ ...good(), delayMs: 10_000 });
    const started = Date.now();
    const error = await llmError(draftText(llm({ timeoutMs: 300 })));
    expect(error).toMatchObject({ code: 'LLM_TIMEOUT', retryable: true });
    // Well before the answer would come (10 s), with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a 500 and a refused connection as LLM_UNAVAILABLE (retryable)', async () => {
    ollama.replyChat({ status: 500, error: 'model runner crashed' });
    expect(await llmError(draftText(llm()))).toMatchObject({ code: 'LLM_UNAVAILABLE', retryable: true });
    const nobody = llm({ host: 'http://127.0.0.1:1' });
    expect(await llmError(draftText(nobody))).toMatchObject({ code: 'LLM_UNAVAILABLE', retryable: true });
  });

  it('stops when its signal is aborted, with the signal’s reason', async () => {
    ollama.replyChat({ ...good(), delayMs: 10_000 });
    const controller = new AbortController();
    const reason = new Error('extraction aborted: cancel');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(
      llm().draftFromDocument({ bytes: SAMPLE_TEXT, mediaType: 'text/plain', signal: controller.signal }),
    ).rejects.toBe(reason);
    // Well before the answer would come (10 s), with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a document without text before asking the model', async () => {
    const scan = readFixture('quotes/image-only.pdf');
    const service = llm();
    const error = await llmError(
      service.draftFromDocument({ bytes: scan, mediaType: 'application/pdf', signal: signal() }),
    );
    expect(error).toMatchObject({ code: 'NO_TEXT', retryable: false });
    expect(await llmError(draftText(service, Buffer.from(' \n\t ')))).toMatchObject({ code: 'NO_TEXT' });
    expect(await llmError(draftText(service, Buffer.from([0xff, 0xfe, 0xfd])))).toMatchObject({
      code: 'UNREADABLE_DOCUMENT',
    });
    expect(
      await llmError(
        service.draftFromDocument({ bytes: SAMPLE_TEXT, mediaType: 'image/png', signal: signal() }),
      ),
    ).toMatchObject({ code: 'UNREADABLE_DOCUMENT' });
    expect(ollama.chatRequests()).toHaveLength(0);
  });

  it('reads at most maxChars of text, and says so', async () => {
    ollama.replyChat(good());
    const draft = await draftText(llm({ textLimits: { maxChars: 400 } }));
    expect(ollama.chatRequests()[0]!.messages.at(-1)!.content).not.toContain('AT-01');
    expect(draft.issues).toContainEqual(expect.objectContaining({ code: 'TEXT_TRUNCATED' }));
    // The rows the model "saw" beyond the cut are not in the text it was given: capped.
    expect(draft.values.find((v) => v.path === 'rows[0].sampleName')!.confidence).toBe(
      NOT_IN_SOURCE_CONFIDENCE,
    );
  });
});

describe('structureComments', () => {
  it('splits comments into notes, each grounded in the comments', async () => {
    const comments =
      'Please keep the samples at -20 C until loading. Send the FASTQ files to the shared drive. Bill grant R01-123.';
    ollama.replyChat({
      content: JSON.stringify({
        notes: [
          { topic: 'SAMPLE_HANDLING', text: 'keep the samples at -20 C until loading' },
          { topic: 'DATA_DELIVERY', text: 'Send the FASTQ files to the shared drive' },
          { topic: 'BILLING', text: 'Charge it to the department account' },
        ],
      }),
    });
    const result = await llm().structureComments(comments);
    expect(result.notes.map((n) => [n.topic, n.confidence])).toEqual([
      ['SAMPLE_HANDLING', GROUNDED_CONFIDENCE],
      ['DATA_DELIVERY', GROUNDED_CONFIDENCE],
      ['BILLING', NOT_IN_SOURCE_CONFIDENCE],
    ]);
    const first = result.notes[0]!.source!;
    expect(comments.slice(first.start, first.end)).toBe('keep the samples at -20 C until loading');
    expect(result.issues).toEqual([
      expect.objectContaining({ path: 'notes[2].text', code: 'NOT_IN_SOURCE' }),
    ]);
    expect(await llmError(llm().structureComments('x'.repeat(10_001)))).toMatchObject({
      code: 'UNREADABLE_DOCUMENT',
    });
  });
});

describe('status', () => {
  it('reports configured, reachable and the model, asking Ollama at most once per cache period', async () => {
    const service = llm({ statusCacheMs: 60_000, statusTimeoutMs: 10_000 });
    expect(await service.status()).toEqual({ configured: true, reachable: true, model: 'test-model' });
    ollama.setDown(503);
    expect((await service.status()).reachable).toBe(true);
    expect(ollama.requests.filter((r) => r.path === '/api/version')).toHaveLength(1);
    expect(await llm({ statusCacheMs: 0 }).status()).toEqual({
      configured: true,
      reachable: false,
      model: 'test-model',
    });
    expect((await llm({ host: 'http://127.0.0.1:1' }).status()).reachable).toBe(false);
  });

  it('is off (null) without a host or a model', () => {
    expect(createLlm({ host: undefined, model: 'test-model', timeoutMs: 1000, log })).toBeNull();
    expect(createLlm({ host: ollama.url, model: undefined, timeoutMs: 1000, log })).toBeNull();
  });
});

describe('the Ollama test server', () => {
  it('serves tags and embeddings to the ollama client, and 404s an unknown model', async () => {
    const client = new Ollama({ host: ollama.url });
    expect((await client.list()).models.map((m) => m.name)).toEqual(['test-model', 'test-embed']);
    const { embeddings } = await client.embed({ model: 'test-embed', input: ['a', 'b'] });
    expect(embeddings).toHaveLength(2);
    expect((await client.embeddings({ model: 'test-embed', prompt: 'a' })).embedding).toEqual(embeddings[0]);
    await expect(client.embed({ model: 'missing', input: 'a' })).rejects.toThrow(/not found/);
  });
});
