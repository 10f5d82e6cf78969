// uploadFile over real HTTP, straight to the files subgraph (multipart built byte by byte), with a real samples
// subgraph answering whether the caller may see the sample. Every refusal is checked to have stored nothing:
// no row, no blob, no temporary file.
import { createHash, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../../test/helpers/graphql.ts';
import { elfExecutable, peExecutable, PNG, QUOTE_PDF } from './fixtures.ts';
import { FILE_SCALARS, startFilesHarness, uploadRequest, type FilesHarness } from './testing.ts';
import { eventually } from '../../test/helpers/eventually.ts';

const MAX_BYTES = 200_000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let h: FilesHarness;
let staff: Record<string, string>;
const submitterId = randomUUID();
let submitter: Record<string, string>;
/** A sample owned by the submitter, and one owned by someone else. */
let ownSample: string;
let otherSample: string;
let closedPortUrl: string;

beforeAll(async () => {
  const { createServer } = await import('node:net');
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  closedPortUrl = `http://127.0.0.1:${port}/graphql`;

  h = await startFilesHarness({
    FILES_MAX_FILE_BYTES: String(MAX_BYTES),
    SUBMISSION_GRAPHQL_URL: closedPortUrl,
  });
  staff = await h.as(['STAFF']);
  submitter = await h.as(['SUBMITTER'], submitterId);
  ownSample = await h.createSample(submitterId);
  otherSample = await h.createSample(randomUUID());
});
afterAll(async () => {
  await h?.close();
});

/** Rows, blobs and temporary files: what a refused upload must not change. */
async function stored() {
  const [counts] = await h.sql<{ files: number; blobs: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM file) AS files, (SELECT count(*)::int FROM blob) AS blobs,
            (SELECT count(*)::int FROM outbox_event) AS events`,
  );
  return { ...counts!, onDisk: (await h.blobFiles()).length, tmp: await h.tmpFiles() };
}

/** Runs `refused` and checks it stored nothing; returns the first error's extensions. */
async function expectNothingStored(
  refused: () => Promise<{ body: { errors?: { extensions: Record<string, unknown> }[] } }>,
) {
  const before = await stored();
  const { body } = await refused();
  expect(body.errors).toHaveLength(1);
  expect(await stored()).toEqual({ ...before, tmp: [] });
  return body.errors![0]!.extensions;
}

describe('storing', () => {
  it('sniffs and hashes a quote PDF, versions a name, and stores identical bytes once', async () => {
    const sampleId = await h.createSample(randomUUID());
    const first = await h.upload({
      bytes: QUOTE_PDF,
      name: 'quote.pdf',
      attachTo: { sampleId },
      kind: 'QUOTE_PDF',
      headers: staff,
    });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.uploadFile).toMatchObject({
      name: 'quote.pdf',
      contentType: 'application/pdf',
      size: QUOTE_PDF.length,
      sha256: sha256(QUOTE_PDF),
      kind: 'QUOTE_PDF',
      version: 1,
    });

    const second = await h.upload({
      bytes: QUOTE_PDF,
      name: 'quote.pdf',
      attachTo: { sampleId },
      kind: 'QUOTE_PDF',
      headers: staff,
      selection: `${FILE_SCALARS} versions { id version }`,
    });
    expect(second.body.errors).toBeUndefined();
    const v2 = second.body.data.uploadFile;
    expect(v2.version).toBe(2);
    expect(v2.versions).toEqual([
      { id: v2.id, version: 2 },
      { id: first.body.data.uploadFile.id, version: 1 },
    ]);

    const renamed = await h.upload({
      bytes: QUOTE_PDF,
      name: 'copy.pdf',
      attachTo: { sampleId },
      headers: staff,
    });
    expect(renamed.body.data.uploadFile).toMatchObject({
      name: 'copy.pdf',
      version: 1,
      sha256: sha256(QUOTE_PDF),
    });
    const onDisk = (await h.blobFiles()).filter((path) => path.endsWith(sha256(QUOTE_PDF)));
    expect(onDisk).toEqual([
      `blobs/${sha256(QUOTE_PDF).slice(0, 2)}/${sha256(QUOTE_PDF).slice(2, 4)}/${sha256(QUOTE_PDF)}`,
    ]);
    expect(await h.sql('SELECT count(*)::int AS n FROM blob WHERE sha256 = $1', [sha256(QUOTE_PDF)])).toEqual(
      [{ n: 1 }],
    );
    expect(await h.tmpFiles()).toEqual([]);
  });

  it('records file.uploaded with the entity owner, the uploader and what was stored', async () => {
    const ownerId = randomUUID();
    const sampleId = await h.createSample(ownerId);
    const uploaderId = randomUUID();
    const { body } = await h.upload({
      bytes: PNG,
      name: 'gel.png',
      attachTo: { sampleId },
      kind: 'GEL_IMAGE',
      headers: await h.as(['STAFF'], uploaderId),
    });
    const file = body.data.uploadFile;
    const events = await h.sql('SELECT * FROM outbox_event WHERE entity_id = $1', [file.id]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'file.uploaded',
        entity_type: 'File',
        owner_id: ownerId,
        actor_id: uploaderId,
        actor_roles: ['STAFF'],
        service: 'files',
        payload: {
          name: 'gel.png',
          kind: 'GEL_IMAGE',
          size: PNG.length,
          sha256: sha256(PNG),
          contentType: 'image/png',
          version: 1,
          entityType: 'SAMPLE',
          entityId: sampleId,
        },
      }),
    ]);
    expect(await h.sql('SELECT owner_id, uploaded_by_id FROM file WHERE id = $1', [file.id])).toEqual([
      { owner_id: ownerId, uploaded_by_id: uploaderId },
    ]);
  });

  it('gives concurrent uploads of one name distinct versions', async () => {
    const sampleId = await h.createSample(randomUUID());
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        h.upload({
          bytes: Buffer.from(`run ${i}\n`),
          name: 'notes.txt',
          attachTo: { sampleId },
          headers: staff,
        }),
      ),
    );
    for (const { body } of results) expect(body.errors).toBeUndefined();
    expect(results.map(({ body }) => body.data.uploadFile.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('stores an empty file', async () => {
    const { body } = await h.upload({
      bytes: Buffer.alloc(0),
      name: 'empty.csv',
      attachTo: { sampleId: ownSample },
      kind: 'SAMPLE_SHEET',
      headers: staff,
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.uploadFile).toMatchObject({
      size: 0,
      contentType: 'text/csv',
      sha256: sha256(Buffer.alloc(0)),
    });
  });

  it('accepts a file of exactly the size limit', async () => {
    const { body } = await h.upload({
      bytes: Buffer.alloc(MAX_BYTES, 'a'),
      name: 'limit.txt',
      attachTo: { sampleId: ownSample },
      headers: staff,
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.uploadFile).toMatchObject({ size: MAX_BYTES, contentType: 'text/plain' });
  });
});

describe('refusing', () => {
  it.each([
    ['an ELF executable', elfExecutable()],
    ['a PE (MZ) executable', peExecutable()],
    ['a shebang script', Buffer.from('#!/bin/sh\necho owned\n')],
  ])('%s named report.pdf: UNSUPPORTED_FILE_TYPE', async (_what, bytes) => {
    const extensions = await expectNothingStored(() =>
      h.upload({
        bytes,
        name: 'report.pdf',
        attachTo: { sampleId: ownSample },
        kind: 'QUOTE_PDF',
        headers: staff,
      }),
    );
    expect(extensions).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', field: 'file' });
  });

  it.each([
    ['a/b.pdf', 'NO_PATH'],
    ['../../etc/passwd', 'NO_PATH'],
    ['dir\\report.pdf', 'NO_PATH'],
    ['report\u0001.pdf', 'NO_CONTROL_CHARACTERS'],
    ['report\r\n.pdf', 'NO_CONTROL_CHARACTERS'],
    ['report\u0000.pdf', 'NO_CONTROL_CHARACTERS'],
    ['invoice\u202Efdp.exe', 'NO_BIDI_CONTROLS'],
    ['report\u2067.pdf', 'NO_BIDI_CONTROLS'],
    ['quote\u200B.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['quote\uFEFF.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['x'.repeat(5000), 'MAX_LENGTH'],
    ['..', 'NOT_A_NAME'],
  ])('the name %j: BAD_USER_INPUT %s', async (name, rule) => {
    const extensions = await expectNothingStored(() =>
      h.upload({ bytes: QUOTE_PDF, name, attachTo: { sampleId: ownSample }, headers: staff }),
    );
    expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file', rule });
  });

  it("a SUBMITTER's upload to someone else's sample: NOT_FOUND (their own works)", async () => {
    const extensions = await expectNothingStored(() =>
      h.upload({ bytes: QUOTE_PDF, name: 'q.pdf', attachTo: { sampleId: otherSample }, headers: submitter }),
    );
    expect(extensions).toMatchObject({ code: 'NOT_FOUND' });
    const unknown = await expectNothingStored(() =>
      h.upload({ bytes: QUOTE_PDF, name: 'q.pdf', attachTo: { sampleId: randomUUID() }, headers: staff }),
    );
    expect(unknown).toMatchObject({ code: 'NOT_FOUND' });

    const own = await h.upload({
      bytes: QUOTE_PDF,
      name: 'q.pdf',
      attachTo: { sampleId: ownSample },
      headers: submitter,
    });
    expect(own.body.errors).toBeUndefined();
  });

  it('a file over FILES_MAX_FILE_BYTES: MAX_FILE_SIZE, nothing half-stored', async () => {
    const extensions = await expectNothingStored(() =>
      h.upload({
        bytes: Buffer.alloc(MAX_BYTES + 1, 'a'),
        name: 'big.txt',
        attachTo: { sampleId: ownSample },
        headers: staff,
      }),
    );
    expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file', rule: 'MAX_FILE_SIZE' });
    const muchLarger = await expectNothingStored(() =>
      h.upload({
        bytes: Buffer.alloc(3 * MAX_BYTES, 'a'),
        name: 'big.txt',
        attachTo: { sampleId: ownSample },
        headers: staff,
      }),
    );
    expect(muchLarger).toMatchObject({ rule: 'MAX_FILE_SIZE' });
  });

  it('bytes that are not what the kind says: KIND_MISMATCH', async () => {
    const extensions = await expectNothingStored(() =>
      h.upload({
        bytes: PNG,
        name: 'quote.pdf',
        attachTo: { sampleId: ownSample },
        kind: 'QUOTE_PDF',
        headers: staff,
      }),
    );
    expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kind', rule: 'KIND_MISMATCH' });
  });

  it('attachTo with both or neither: EXACTLY_ONE', async () => {
    for (const attachTo of [{}, { sampleId: ownSample, submissionId: randomUUID() }]) {
      const extensions = await expectNothingStored(() =>
        h.upload({ bytes: QUOTE_PDF, name: 'q.pdf', attachTo, headers: staff }),
      );
      expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'attachTo', rule: 'EXACTLY_ONE' });
    }
  });

  it('a submission while the submission subgraph cannot be reached: SERVICE_UNAVAILABLE', async () => {
    const extensions = await expectNothingStored(() =>
      h.upload({ bytes: QUOTE_PDF, name: 'q.pdf', attachTo: { submissionId: randomUUID() }, headers: staff }),
    );
    expect(extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('a multipart request without the preflight header (CSRF)', async () => {
    const { body, contentType } = uploadRequest({
      bytes: QUOTE_PDF,
      name: 'q.pdf',
      attachTo: { sampleId: ownSample },
    });
    const before = await stored();
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { ...staff, 'content-type': contentType },
      body,
    });
    expect(response.status).toBe(400);
    expect(await stored()).toEqual(before);
  });

  it('reads a request to its end when its first upload fails before the second file was read', async () => {
    const operations = {
      query: `mutation ($a: Upload!, $b: Upload!, $refused: ID!, $ok: ID!) {
        a: uploadFile(file: $a, attachTo: { sampleId: $refused }) { id }
        b: uploadFile(file: $b, attachTo: { sampleId: $ok }) { id }
      }`,
      variables: { a: null, b: null, refused: otherSample, ok: ownSample },
    };
    const { body, contentType } = multipartBody(operations, { 0: ['variables.a'], 1: ['variables.b'] }, [
      { name: 'a.pdf', bytes: QUOTE_PDF },
      { name: 'b.txt', bytes: Buffer.alloc(MAX_BYTES, 'b') },
    ]);
    // One connection for both requests: the second is read only once the first body has been.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const extensions = await expectNothingStored(async () => {
        const answer = await send(
          agent,
          { ...submitter, 'content-type': contentType, 'apollo-require-preflight': 'true' },
          body,
        );
        return { body: JSON.parse(answer) };
      });
      expect(extensions).toMatchObject({ code: 'NOT_FOUND' });
      const next = await send(
        agent,
        { 'content-type': 'application/json' },
        Buffer.from('{"query":"{ __typename }"}'),
      );
      expect(JSON.parse(next)).toEqual({ data: { __typename: 'Query' } });
    } finally {
      agent.destroy();
    }
  });
});

/** A POST to /graphql through `agent`; the answer's body (rejects after 5 s). */
function send(agent: Agent, headers: Record<string, string>, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${h.url}/graphql`, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': body.length },
      timeout: 5000,
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    request.end(body);
  });
}

describe('a client that disconnects half-way', () => {
  it('leaves no row, no blob and no temporary file', async () => {
    const before = await stored();
    const { body, contentType } = uploadRequest({
      bytes: Buffer.alloc(MAX_BYTES - 10, 'z'),
      name: 'half.txt',
      attachTo: { sampleId: ownSample },
    });
    const request = httpRequest(`${h.url}/graphql`, {
      method: 'POST',
      headers: {
        ...staff,
        'content-type': contentType,
        'content-length': body.length,
        'apollo-require-preflight': 'true',
      },
    });
    request.on('error', () => {});
    request.write(body.subarray(0, Math.floor(body.length / 2)));
    // The upload is streaming to a temporary file: the check passed, the head was sniffed.
    await eventually(async () => (await h.tmpFiles()).length === 1, { what: 'the temporary file' });
    request.destroy();
    await eventually(async () => (await h.tmpFiles()).length === 0, { what: 'the temporary file to go' });
    expect(await stored()).toEqual({ ...before, tmp: [] });
  });
});
