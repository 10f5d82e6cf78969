// The ai subgraph's model-backed parts in the whole stack, through the router, with a real Chroma server and an
// Ollama-protocol test server (no model runs here): a document that is not an iLab quote becomes a draft the LLM
// proposed, every value found in the document or doubted; an accepted quote is indexed for similarSubmissions.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { readFixture, REAL_QUOTE } from '../helpers/fixtures.ts';
import { multipartBody, post, postMultipart } from '../helpers/graphql.ts';
import { startTestChroma, type TestChroma } from '../helpers/chroma.ts';
import { startTestOllama, type TestOllama } from '../helpers/ollama-server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let chroma: TestChroma;
let ollama: TestOllama;
let admin: Record<string, string>;

async function gql(query: string, variables: Record<string, unknown> = {}) {
  return (await post(stack.routerUrl, query, variables, admin)).body;
}

/** What the "model" answers for test/fixtures/documents/sample-list.pdf: all of it from the document but the organism. */
const answer = {
  requesterName: 'Maria Lopez',
  requesterEmail: 'maria.lopez@example.edu',
  lab: 'Lopez Lab',
  form: {
    libraryKit: 'SQK-LSK114',
    sampleTypes: ['HMW_DNA'],
    containsHumanDna: false,
    // Invented: the document says Arabidopsis thaliana.
    sourceOrganism: 'Oryza sativa',
    sampleBuffers: ['EB'],
    flowCellFormats: ['PROMETHION'],
    approxGenomeSize: '135 Mb',
    approxCoverage: '30x',
    flowCellCount: 2,
    comments: null,
  },
  rows: [
    ['AT-01', 50, 52.4, 1.85, 2.1],
    ['AT-02', 45, 48, 1.82, 2.05],
    ['AT-03', 50, 61.2, 1.88, 1.98],
    ['AT-04', 40, 39.5, 1.79, 2.21],
  ].map(([sampleName, volumeUl, qubitNgPerUl, a260_280, a260_230]) => ({
    sampleName,
    volumeUl,
    qubitNgPerUl,
    nanodropNgPerUl: null,
    a260_280,
    a260_230,
    concentrationNgPerUl: null,
  })),
};

beforeAll(async () => {
  [chroma, ollama] = await Promise.all([startTestChroma(), startTestOllama()]);
  stack = await startTestStack({
    CHROMA_URL: chroma.url,
    OLLAMA_HOST: ollama.url,
    OLLAMA_MODEL: 'test-model',
  });
  const { body } = await post(
    stack.routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: stack.admin.email, p: stack.admin.password },
  );
  admin = { authorization: `Bearer ${body.data.login.accessToken}` };
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await Promise.all([chroma?.stop(), ollama?.stop()]);
});

async function importFile(fixture: string): Promise<{ id: string; status: string }> {
  const operations = {
    query: 'mutation($file: Upload!) { importSubmission(file: $file) { id status } }',
    variables: { file: null },
  };
  const files = [{ name: fixture.split('/').pop()!, bytes: readFixture(fixture) }];
  const { body } = await postMultipart(
    stack.routerUrl,
    multipartBody(operations, { 0: ['variables.file'] }, files),
    admin,
  );
  return body.data.importSubmission;
}

describe('the ai subgraph with a model and a vector store, through the router', () => {
  test('aiStatus: the LLM reachable, the local embedding, the vector store and its collections', async () => {
    const result = await gql(`{ aiStatus { status llm { configured reachable model }
      embeddings { provider dimensions } vectorStore { reachable collections { name count } } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.aiStatus).toMatchObject({
      status: 'OK',
      llm: { configured: true, reachable: true, model: 'test-model' },
      embeddings: { provider: 'local-hashed-ngrams-v1', dimensions: 384 },
      vectorStore: { reachable: true },
    });
  });

  test('a free-form sample list becomes a draft from the LLM, the invented value doubted', async () => {
    ollama.replyChat({ content: JSON.stringify(answer) });
    const imported = await importFile('documents/sample-list.pdf');
    expect(imported.status).toBe('EXTRACTING');
    const read = await eventually(
      async () => {
        const result = await gql(
          `query ($id: ID!) { submission(id: $id) { status
            form { libraryKit sourceOrganism flowCellCount }
            rows { rowNumber sampleName volumeUl qubitNgPerUl cells { field method confidence textStart textEnd } }
            issues { path code }
            provenance { path method confidence textStart textEnd }
            extraction { kind status model promptVersion } } }`,
          { id: imported.id },
        );
        return result.data?.submission?.status === 'IN_REVIEW' ? result.data.submission : undefined;
      },
      { what: 'the drafted document in review', timeoutMs: 60_000 },
    );
    expect(read.extraction).toMatchObject({ kind: 'DOCUMENT', status: 'SUCCEEDED', model: 'test-model' });
    expect(read.extraction.promptVersion).toBeTruthy();
    // The model was asked with the document's text and the draft's schema as `format`.
    const asked = ollama.chatRequests()[0]!;
    expect(JSON.stringify(asked.messages)).toContain('AT-03');
    expect(asked.format).toBeTypeOf('object');

    expect(read.rows.map((r: { sampleName: string }) => r.sampleName)).toEqual([
      'AT-01',
      'AT-02',
      'AT-03',
      'AT-04',
    ]);
    expect(read.rows[2]).toMatchObject({ volumeUl: 50, qubitNgPerUl: 61.2 });
    const kit = read.provenance.find((p: { path: string }) => p.path === 'form.libraryKit');
    expect(kit).toMatchObject({ method: 'LLM' });
    expect(kit.textEnd).toBeGreaterThan(kit.textStart);
    // The organism the document does not name: kept for staff to see, but doubted and raised.
    const organism = read.provenance.find((p: { path: string }) => p.path === 'form.sourceOrganism');
    expect(organism.confidence).toBeLessThan(0.8);
    expect(organism.textStart).toBeNull();
    expect(
      read.issues.filter((i: { path: string }) => i.path === 'form.sourceOrganism').length,
    ).toBeGreaterThan(0);
  });

  test('an accepted quote is indexed and found by similarSubmissions and the vocabulary', async () => {
    const quote = await importFile(REAL_QUOTE);
    const accepted = await gql('mutation($id: ID!) { acceptSubmission(id: $id) { status } }', {
      id: quote.id,
    });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptSubmission.status).toBe('ACCEPTED');

    // SUBMISSION_ACCEPTED travels by the submission subgraph's relay to the ai subgraph, which indexes it in Chroma.
    const similar = await eventually(
      async () => {
        const result = await gql(
          'query ($s: ID!) { similarSubmissions(submissionId: $s, first: 3) { score lab submission { id } } }',
          { s: quote.id },
        );
        return result.errors ? undefined : result.data.similarSubmissions;
      },
      { what: 'the accepted quote indexed', timeoutMs: 30_000 },
    );
    // Searched by itself, it is left out; searched by text, it is found.
    expect(similar.map((s: { submission: { id: string } }) => s.submission.id)).not.toContain(quote.id);
    // Chroma can answer a search made while it is still writing the new record with an error, which the graph
    // reports as SERVICE_UNAVAILABLE "retry shortly" (seen once in CI): a client retries, and so does the test.
    const byText = await eventually(
      async () => {
        const result = await gql(
          'query { similarSubmissions(text: "Mitchell lab Oxford Nanopore DNA", first: 3) { score lab submission { id } } }',
        );
        if (result.errors?.[0]?.extensions?.code === 'SERVICE_UNAVAILABLE') return undefined;
        return result;
      },
      { what: 'a search by text', timeoutMs: 10_000 },
    );
    expect(byText.errors).toBeUndefined();
    expect(byText.data.similarSubmissions[0].submission.id).toBe(quote.id);

    const kit = await gql(
      'query { suggestVocabulary(field: LIBRARY_KIT, text: "ligation kit 114", first: 3) { value } }',
    );
    expect(kit.errors).toBeUndefined();
    expect(kit.data.suggestVocabulary.map((s: { value: string }) => s.value)).toContain('SQK-LSK114');
  });
});
