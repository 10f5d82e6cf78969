// A hostile document end to end through the router: a deflate bomb (1 MB inflating to 1 GiB) uploaded by a
// SUBMITTER is refused with BAD_USER_INPUT and its budget limit, the router and the submission subgraph answer
// /health while it is read, and nothing is stored.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { deflateBomb } from '../../subgraphs/submission/quote-pdf/hostile.ts';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let submitter: Record<string, string>;

async function login(email: string, password: string) {
  const { body } = await post(
    stack.routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password },
  );
  return { authorization: `Bearer ${body.data.login.accessToken}` };
}

async function importFile(bytes: Uint8Array, name: string, headers: Record<string, string>) {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: 'mutation($file: Upload!) { importSubmission(file: $file) { id } }',
      variables: { file: null },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([bytes], { type: 'application/pdf' }), name);
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
  const admin = await login(stack.admin.email, stack.admin.password);
  const password = 'the password of the submitter';
  await post(
    stack.routerUrl,
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { email: 'bomb@lab.test', name: 'bomb', roles: ['SUBMITTER'], password } },
    admin,
  );
  submitter = await login('bomb@lab.test', password);
});
afterAll(() => stack?.close());

test('a deflate bomb through the router: refused with its budget limit, /health answering meanwhile, nothing stored', async () => {
  const bomb = deflateBomb();
  const importing = importFile(bomb.bytes, 'bomb.pdf', submitter);
  const [router, submission] = await Promise.all([
    fetch(new URL('/health', stack.routerUrl)),
    fetch(new URL('/health', stack.subgraphUrls.submission)),
  ]);
  const answeredDuringImport = !(await Promise.race([importing.then(() => true), Promise.resolve(false)]));
  const body = await importing;

  expect([router.status, submission.status]).toEqual([200, 200]);
  expect(answeredDuringImport).toBe(true);
  expect(body.data).toBeNull();
  expect(body.errors[0].extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    rule: 'PARSE_BUDGET_EXCEEDED',
    detail: { limit: 'decodedBytes' },
  });
  const list = await post(stack.routerUrl, '{ submissions { totalCount } }', {}, submitter);
  expect(list.body.data.submissions.totalCount).toBe(0);
}, 180_000);
