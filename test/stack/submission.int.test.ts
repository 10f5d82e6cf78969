// Intake end to end through the router with every subgraph: a SUBMITTER imports the real iLab quote (multipart,
// forwarded to the submission subgraph, the original stored in the files subgraph), staff accept it, and the samples
// appear once in the samples subgraph, reachable as Submission.samples.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFixture, REAL_QUOTE } from '../helpers/fixtures.ts';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const quote = readFixture(REAL_QUOTE);
let stack: TestStack;
const bearer: Record<'admin' | 'submitter' | 'other', Record<string, string>> = {
  admin: {},
  submitter: {},
  other: {},
};

const SUBMISSION_FIELDS = `id quoteIdentifier source status version
  requester { name email } form { libraryKit sampleTypes }
  rows { rowNumber sampleName kind }
  file { id sha256 contentType }`;

async function login(email: string, password: string) {
  const { body } = await post(
    stack.routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password },
  );
  return { authorization: `Bearer ${body.data.login.accessToken}` };
}

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  return (await post(stack.routerUrl, query, variables, headers)).body;
}

async function importQuote(headers: Record<string, string>) {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: `mutation($file: Upload!) { importSubmission(file: $file) { ${SUBMISSION_FIELDS} } }`,
      variables: { file: null },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([quote], { type: 'application/pdf' }), 'HTSF--JL-147_quote_160217072025.pdf');
  const response = await fetch(stack.routerUrl, {
    method: 'POST',
    headers: { ...headers, 'apollo-require-preflight': 'true' },
    body: form,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  return (await response.json()) as any;
}

beforeAll(async () => {
  stack = await startTestStack();
  bearer.admin = await login(stack.admin.email, stack.admin.password);
  for (const key of ['submitter', 'other'] as const) {
    const email = `${key}@lab.test`;
    const password = `the passphrase of user number ${key === 'submitter' ? 1 : 2}`;
    await gql(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { email, name: key, roles: ['SUBMITTER'], password } },
      bearer.admin,
    );
    bearer[key] = await login(email, password);
  }
});
afterAll(() => stack?.close());

describe('intake through the router', () => {
  let submissionId: string;

  test('a SUBMITTER imports the real quote: IN_REVIEW, every grid row, the original stored in the files subgraph', async () => {
    const body = await importQuote(bearer.submitter);
    expect(body.errors).toBeUndefined();
    const submission = body.data.importSubmission;
    submissionId = submission.id;
    expect(submission).toMatchObject({
      quoteIdentifier: 'HTSF--JL-147',
      source: 'PDF',
      status: 'IN_REVIEW',
      requester: { name: 'Joshua Leon', email: 'joshleon@unc.edu' },
      form: { libraryKit: 'SQK-RBK114.24', sampleTypes: ['PCR_AMPLICONS'] },
      file: { contentType: 'application/pdf' },
    });
    const kinds = submission.rows.map((r: { kind: string }) => r.kind);
    expect(kinds.filter((k: string) => k === 'SAMPLE')).toHaveLength(94);
    expect(kinds.filter((k: string) => k === 'CONTROL')).toHaveLength(2);
    expect(submission.rows.slice(0, 3).map((r: { sampleName: string }) => r.sampleName)).toEqual([
      '1',
      '3',
      '5',
    ]);

    // The same bytes again: the same submission, not a duplicate.
    const again = await importQuote(bearer.submitter);
    expect(again.data.importSubmission.id).toBe(submissionId);
    // Another submitter neither sees it nor learns about it.
    const other = await gql(
      'query($id: ID!) { submission(id: $id) { id } }',
      { id: submissionId },
      bearer.other,
    );
    expect(other.data.submission).toBeNull();
  });

  test('a SUBMITTER cannot accept; staff accept once, and the samples appear exactly once', async () => {
    const ACCEPT = 'mutation($id: ID!) { acceptSubmission(id: $id) { id status } }';
    const refused = await gql(ACCEPT, { id: submissionId }, bearer.submitter);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');

    const accepted = await gql(ACCEPT, { id: submissionId }, bearer.admin);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptSubmission.status).toBe('ACCEPTED');
    expect((await gql(ACCEPT, { id: submissionId }, bearer.admin)).data.acceptSubmission.status).toBe(
      'ACCEPTED',
    );

    const SAMPLES = `query($id: ID!) { submission(id: $id) { samples { name labSampleId isControl status owner { id } } } }`;
    const started = Date.now();
    let samples: { name: string; labSampleId: string; isControl: boolean; status: string }[] = [];
    while (samples.length < 96) {
      if (Date.now() - started > 30_000) throw new Error(`only ${samples.length} samples arrived`);
      await new Promise((r) => setTimeout(r, 200));
      samples = (await gql(SAMPLES, { id: submissionId }, bearer.submitter)).data.submission.samples;
    }
    // A little longer: a second delivery would show up as extra samples.
    await new Promise((r) => setTimeout(r, 500));
    samples = (await gql(SAMPLES, { id: submissionId }, bearer.submitter)).data.submission.samples;
    expect(samples).toHaveLength(96);
    expect(samples[0]).toMatchObject({
      name: '1',
      labSampleId: 'JL-147-001',
      isControl: false,
      status: 'SUBMITTED',
    });
    expect(samples.filter((s) => s.isControl).map((s) => s.name)).toEqual(['Positive control', 'BLANK']);
  });
});
