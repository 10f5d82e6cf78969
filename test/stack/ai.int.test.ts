// The ai subgraph in the whole stack, through the router: aiStatus (degraded without Ollama and Chroma, not an
// error), a job queued by a signed command as the submission subgraph sends it, listed by extractionJobs and
// reached from Submission.extraction (an entity reference the router resolves in the ai subgraph), then run and
// failed for want of its document; and the real quote's scan imported through the router, read by OCR in the ai
// subgraph's runner and back in review, field by field and cell by cell against the digital quote's reading.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXTRACTION_COMMANDS_PATH, EXTRACTION_REQUESTED } from '../../subgraphs/kit/extraction-wire.ts';
import { signServiceRequest } from '../../subgraphs/kit/service-auth.ts';
import { commandEvent, extractionRequest } from '../../subgraphs/ai/testing.ts';
import { eventually } from '../helpers/eventually.ts';
import { readFixture, REAL_QUOTE, SCAN_CLEAN } from '../helpers/fixtures.ts';
import { multipartBody, post, postMultipart } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const secret = randomBytes(32).toString('base64url');
let stack: TestStack;
let admin: Record<string, string>;

async function gql(query: string, variables: Record<string, unknown> = {}) {
  return (await post(stack.routerUrl, query, variables, admin)).body;
}

beforeAll(async () => {
  // No CHROMA_URL, no OLLAMA_HOST: the ai subgraph runs degraded.
  stack = await startTestStack({ OUTBOX_RELAY_SECRET: secret, CHROMA_URL: '', OLLAMA_HOST: '' });
  const { body } = await post(
    stack.routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: stack.admin.email, p: stack.admin.password },
  );
  admin = { authorization: `Bearer ${body.data.login.accessToken}` };
}, 180_000);
afterAll(() => stack?.close());

describe('the ai subgraph through the router', () => {
  test('aiStatus answers DEGRADED without Ollama and Chroma', async () => {
    const result = await gql(`{ aiStatus { status llm { configured } vectorStore { configured reachable }
      ocr { languages } queue { queued running } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.aiStatus).toMatchObject({
      status: 'DEGRADED',
      llm: { configured: false },
      vectorStore: { configured: false, reachable: false },
      ocr: { languages: ['eng'] },
    });
  });

  test('a requested extraction is listed and reachable from its submission', async () => {
    const request = extractionRequest({ fileId: null });
    const body = JSON.stringify({ events: [commandEvent(EXTRACTION_REQUESTED, request)] });
    const aiOrigin = stack.subgraphUrls.ai!.replace(/\/graphql$/, '');
    const sent = await fetch(`${aiOrigin}${EXTRACTION_COMMANDS_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: signServiceRequest({ secret, service: 'submission', body }),
      },
      body,
    });
    expect(sent.status).toBe(200);

    const list = await gql(
      `query ($s: ID) { extractionJobs(filter: { submissionId: $s }, first: 5) {
        totalCount edges { node { id kind status submission { id extraction { id status } } } } } }`,
      { s: request.submissionId },
    );
    expect(list.errors).toBeUndefined();
    const node = list.data.extractionJobs.edges[0].node;
    expect(list.data.extractionJobs.totalCount).toBe(1);
    expect(node).toMatchObject({
      kind: 'SCANNED_QUOTE',
      submission: { id: request.submissionId, extraction: { id: node.id } },
    });
    // The runner takes it and asks the submission subgraph for the document, which knows no such submission:
    // a failure no retry can mend.
    const ended = await eventually(
      async () => {
        const result = await gql(
          'query ($id: ID!) { extractionJob(id: $id) { status errorCode attempts } }',
          {
            id: node.id,
          },
        );
        return result.data?.extractionJob?.status === 'FAILED' ? result.data.extractionJob : undefined;
      },
      { what: 'the job without a document failed', timeoutMs: 30_000 },
    );
    expect(ended).toEqual({ status: 'FAILED', errorCode: 'DOCUMENT_NOT_FOUND', attempts: 1 });
  });

  test('a scanned quote imported through the router is read by OCR and comes back for review', async () => {
    const digital = await importFile(REAL_QUOTE);
    expect(digital.status).toBe('IN_REVIEW');
    const scanned = await importFile(SCAN_CLEAN);
    expect(scanned.status).toBe('EXTRACTING');

    // The submission relay hands the command to the ai subgraph, its runner reads the five pages by OCR, the notice
    // relay tells the submission subgraph, which fetches the page models and reads them with the quote's rules.
    const read = await eventually(
      async () => {
        const result = await gql(SUBMISSION, { id: scanned.id });
        return result.data?.submission?.status === 'IN_REVIEW' ? result.data.submission : undefined;
      },
      { what: 'the scanned quote back in review', timeoutMs: 240_000 },
    );
    expect(read.extraction).toMatchObject({
      kind: 'SCANNED_QUOTE',
      status: 'SUCCEEDED',
      attempts: 1,
      progress: { pagesDone: 5, pagesTotal: 5 },
    });
    // The original, stored in the files subgraph after the request, leads to the same job (File.extraction).
    expect(read.file.extraction).toEqual({ id: read.extraction.id });
    expect(read.extraction.ocrVersion).toMatch(/^tesseract\.js \S+ eng /);

    const original = (await gql(SUBMISSION, { id: digital.id })).data.submission;
    // The scan names the quote the digital import already holds: read, then left out with an issue.
    expect(original.quoteIdentifier).toBe('HTSF--JL-147');
    expect(read.quoteIdentifier).toBeNull();
    expect(read.issues).toContainEqual(expect.objectContaining({ path: 'quoteIdentifier' }));
    expect(read.form).toEqual(original.form);
    // Cell by cell against the digital reading: at least 98% the same, and every differing cell sent to review
    // (below the threshold, so it is an issue).
    const cells = (rows: Row[]) =>
      rows.flatMap((r) => MEASURED.map((f) => [`${r.rowNumber}.${f}`, r[f]] as const));
    const expected = new Map(cells(original.rows));
    const got = cells(read.rows);
    const wrong = got.filter(([key, value]) => expected.get(key) !== value);
    expect(read.rows.length).toBe(original.rows.length);
    expect(wrong.length).toBeLessThanOrEqual(Math.floor(got.length * 0.02));
    const flagged = new Set(
      read.issues
        .filter((i: { rowNumber: number | null }) => i.rowNumber !== null)
        .map((i: { rowNumber: number }) => i.rowNumber),
    );
    for (const [key] of wrong)
      expect(flagged, `row of ${key} flagged for review`).toContain(Number(key.split('.')[0]));

    const methods = new Set(read.provenance.map((p: { method: string }) => p.method));
    expect([...methods].sort()).toEqual(['OCR', 'PIXELS']);
    for (const p of read.provenance) expect(p.confidence).toBeLessThan(1);
  }, 300_000);
});

type Row = Record<string, unknown> & { rowNumber: number };
const MEASURED = [
  'sampleName',
  'volumeUl',
  'qubitNgPerUl',
  'nanodropNgPerUl',
  'a260_280',
  'a260_230',
] as const;
const SUBMISSION = `query ($id: ID!) { submission(id: $id) {
  status quoteIdentifier
  form { libraryKit sampleTypes containsHumanDna sourceOrganism sampleBuffers flowCellFormats approxGenomeSize
    approxCoverage flowCellCount comments basecalling fileFormats notificationEmails dataRetrieval }
  rows { rowNumber ${MEASURED.join(' ')} }
  issues { rowNumber path code }
  provenance { path method confidence }
  extraction { id kind status attempts progress { pagesDone pagesTotal } ocrVersion }
  file { extraction { id } }
} }`;

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
