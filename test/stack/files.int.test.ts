// Files through the router with every subgraph: a real quote PDF uploaded as a multipart request, seen on its
// sample (the samples and files subgraphs joined by the router), downloaded through the router's proxy, and the
// row-level rule that a SUBMITTER attaches only to their own samples.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFixture, REAL_QUOTE } from '../helpers/fixtures.ts';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const quote = readFixture(REAL_QUOTE);
const quoteSha256 = createHash('sha256').update(quote).digest('hex');

let stack: TestStack;
const bearer: Record<'admin' | 'submitter', Record<string, string>> = { admin: {}, submitter: {} };
const userIds: Record<string, string> = {};

async function login(email: string, password: string) {
  const { body } = await post(
    stack.routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }',
    { e: email, p: password },
  );
  return { headers: { authorization: `Bearer ${body.data.login.accessToken}` }, id: body.data.login.user.id };
}

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const { body } = await post(stack.routerUrl, query, variables, headers);
  return body;
}

/** A GraphQL multipart request (one file) through the router. */
async function upload(
  sampleId: string,
  file: { bytes: Buffer; name: string; type?: string },
  headers: Record<string, string>,
  preflight = true,
) {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: `mutation($file: Upload!, $sampleId: ID!) {
        uploadFile(file: $file, attachTo: { sampleId: $sampleId }, kind: QUOTE_PDF) {
          id name contentType size sha256 version downloadUrl sample { id name }
        }
      }`,
      variables: { file: null, sampleId },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([file.bytes], { type: file.type ?? 'application/pdf' }), file.name);
  const response = await fetch(stack.routerUrl, {
    method: 'POST',
    headers: { ...headers, ...(preflight ? { 'apollo-require-preflight': 'true' } : {}) },
    body: form,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  return { status: response.status, body: (await response.json()) as any };
}

async function createSample(name: string, ownerId: string): Promise<string> {
  const body = await gql(
    'mutation($input: CreateSampleInput!) { createSample(input: $input) { id } }',
    { input: { name, ownerId } },
    bearer.admin,
  );
  return body.data.createSample.id;
}

beforeAll(async () => {
  stack = await startTestStack();
  const admin = await login(stack.admin.email, stack.admin.password);
  bearer.admin = admin.headers;
  userIds.admin = admin.id;
  const password = 'a sample owner passphrase';
  await gql(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { email: 'sub@lab.test', name: 'Sub Mitter', roles: ['SUBMITTER'], password } },
    bearer.admin,
  );
  const submitter = await login('sub@lab.test', password);
  bearer.submitter = submitter.headers;
  userIds.submitter = submitter.id;
});
afterAll(() => stack?.close());

describe('uploads through the router', () => {
  test('a quote PDF arrives byte-exact, sniffed, on its sample, and downloads through the router', async () => {
    const sampleId = await createSample('with a quote', userIds.submitter!);
    const { status, body } = await upload(
      sampleId,
      { bytes: quote, name: 'HTSF--JL-147 quote.pdf' },
      bearer.admin,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const file = body.data.uploadFile;
    expect(file).toMatchObject({
      name: 'HTSF--JL-147 quote.pdf',
      contentType: 'application/pdf',
      size: quote.length,
      sha256: quoteSha256,
      version: 1,
      sample: { id: sampleId, name: 'with a quote' },
    });

    // The sample's files, resolved by the files subgraph on the samples subgraph's entity; its owner sees them.
    const files = await gql(
      'query($id: ID!) { sample(id: $id) { name files { id name sha256 } } }',
      { id: sampleId },
      bearer.submitter,
    );
    expect(files.data.sample.files).toEqual([{ id: file.id, name: file.name, sha256: quoteSha256 }]);

    // The signed URL points at the router, which streams the bytes from the files subgraph.
    expect(file.downloadUrl.startsWith(new URL(stack.routerUrl).origin)).toBe(true);
    const download = await fetch(file.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(
      createHash('sha256')
        .update(Buffer.from(await download.arrayBuffer()))
        .digest('hex'),
    ).toBe(quoteSha256);
    const range = await fetch(file.downloadUrl, { headers: { range: 'bytes=0-4' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).toString('latin1')).toBe('%PDF-');

    const tampered = new URL(file.downloadUrl);
    tampered.searchParams.set('signature', '0'.repeat(64));
    expect((await fetch(tampered)).status).toBe(403);
  });

  test('a SUBMITTER uploads to their own sample only; the router keeps the CSRF rule', async () => {
    const own = await createSample('own', userIds.submitter!);
    const others = await createSample('not theirs', userIds.admin!);
    const pdf = { bytes: quote, name: 'quote.pdf' };
    const ok = await upload(own, pdf, bearer.submitter);
    expect(ok.body.errors).toBeUndefined();
    const refused = await upload(others, pdf, bearer.submitter);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const noPreflight = await upload(own, pdf, bearer.submitter, false);
    expect(noPreflight.status).toBe(400);
  });

  test('a name with path separators reaches the files subgraph as sent, and is refused there', async () => {
    const sampleId = await createSample('traversal', userIds.submitter!);
    const { body } = await upload(sampleId, { bytes: quote, name: '../../etc/quote.pdf' }, bearer.admin);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(body.errors?.[0]?.message).toMatch(/may not contain \/ or/);
  });

  test('a name with a bidirectional override or a zero-width character is refused', async () => {
    const sampleId = await createSample('invisible', userIds.submitter!);
    for (const [name, rule] of [
      ['quote\u202Efdp.exe', 'NO_BIDI_CONTROLS'],
      ['quote\u200B.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ]) {
      const { body } = await upload(sampleId, { bytes: quote, name: name! }, bearer.admin);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file', rule });
    }
  });

  test('revoking a share ends the download URLs already issued through it', async () => {
    const sampleId = await createSample('staff only', userIds.admin!);
    const { body } = await upload(sampleId, { bytes: quote, name: 'shared quote.pdf' }, bearer.admin);
    const fileId = body.data.uploadFile.id;
    const shared = await gql(
      'mutation($f: ID!, $u: ID!, $e: DateTime!) { shareFile(fileId: $f, userId: $u, expiresAt: $e) { id } }',
      { f: fileId, u: userIds.submitter, e: new Date(Date.now() + 3_600_000).toISOString() },
      bearer.admin,
    );
    const shareId = shared.data.shareFile.id;
    const seen = await gql(
      'query($id: ID!) { file(id: $id) { downloadUrl } }',
      { id: fileId },
      bearer.submitter,
    );
    const url = seen.data.file.downloadUrl;
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);

    const revoked = await gql('mutation($s: ID!) { revokeShare(shareId: $s) }', { s: shareId }, bearer.admin);
    expect(revoked.errors).toBeUndefined();
    const after = await fetch(url);
    expect(after.status).toBe(403);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  test('an executable named .pdf is refused', async () => {
    const sampleId = await createSample('exe', userIds.submitter!);
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096)]);
    const { body } = await upload(sampleId, { bytes: elf, name: 'report.pdf' }, bearer.admin);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_FILE_TYPE');
    const files = await gql(
      'query($id: ID!) { sample(id: $id) { files { id } } }',
      { id: sampleId },
      bearer.admin,
    );
    expect(files.data.sample.files).toEqual([]);
  });
});
