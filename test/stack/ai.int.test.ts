// The ai subgraph in the whole stack, through the router: aiStatus (degraded without Ollama and Chroma, not an
// error), a job queued by a signed command as the submission subgraph sends it, listed by extractionJobs and
// reached from Submission.extraction (an entity reference the router resolves in the ai subgraph); and a scanned
// quote imported through the router, which the submission subgraph's relay hands to the ai subgraph.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXTRACTION_COMMANDS_PATH, EXTRACTION_REQUESTED } from '../../subgraphs/kit/extraction-wire.ts';
import { signServiceRequest } from '../../subgraphs/kit/service-auth.ts';
import { commandEvent, extractionRequest } from '../../subgraphs/ai/testing.ts';
import { eventually } from '../helpers/eventually.ts';
import { readFixture, SCAN_CLEAN } from '../helpers/fixtures.ts';
import { post } from '../helpers/graphql.ts';
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
      status: 'QUEUED',
      submission: { id: request.submissionId, extraction: { id: node.id, status: 'QUEUED' } },
    });
    const status = await gql('{ aiStatus { queue { queued } } }');
    expect(status.data.aiStatus.queue.queued).toBeGreaterThanOrEqual(1);
  });

  test('a scanned quote imported through the router is queued in the ai subgraph (the relay between them)', async () => {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation($file: Upload!) { importSubmission(file: $file) { id status } }',
        variables: { file: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([readFixture(SCAN_CLEAN)], { type: 'application/pdf' }), 'scan.pdf');
    const response = await fetch(stack.routerUrl, {
      method: 'POST',
      headers: { ...admin, 'apollo-require-preflight': 'true' },
      body: form,
    });
    const imported = (await response.json()) as {
      data: { importSubmission: { id: string; status: string } };
    };
    expect(imported.data.importSubmission.status).toBe('EXTRACTING');
    const id = imported.data.importSubmission.id;
    const job = await eventually(
      async () => {
        const result = await gql('query ($id: ID!) { submission(id: $id) { extraction { kind status } } }', {
          id,
        });
        return result.data?.submission?.extraction ?? undefined;
      },
      { what: 'the extraction job of the imported scan', timeoutMs: 20_000 },
    );
    expect(job).toEqual({ kind: 'SCANNED_QUOTE', status: 'QUEUED' });
  });
});
