// fetchDocument over real HTTP against a signed GET endpoint (kit/signed-get.ts, as the submission subgraph
// mounts documentPath): the bytes when the sha256 matches; the byte cap enforced while streaming (the server
// keeps sending); sha mismatch, 404/409/410 final; 5xx and a refused connection retryable.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';
import { AI_SERVICE, DOCUMENT_PATH } from '../kit/extraction-wire.ts';
import { createLogger } from '../kit/logger.ts';
import { mountSignedGet } from '../kit/signed-get.ts';
import { fetchDocument } from './document-fetch.ts';
import { JobError } from './jobs/errors.ts';

const SECRET = 'document-fetch-test-secret-0123456789abcdef';
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the endpoint answers per submission id. */
const answers = new Map<string, { status: number; bytes?: Buffer; stream?: boolean }>();
let server: Server;
let url: string;
/** Bytes the endless stream had written when the client stopped reading. */
let streamed = 0;

beforeAll(async () => {
  const app = express();
  mountSignedGet(app, DOCUMENT_PATH, {
    secret: SECRET,
    senders: [AI_SERVICE],
    log: createLogger({ level: 'silent' }),
    async handle(req, res) {
      const answer = answers.get(String(req.params.submissionId)) ?? { status: 404 };
      if (answer.stream) {
        // No content-length, and more than any cap: only the reader's own count stops it.
        res.status(200).type('application/pdf');
        const chunk = randomBytes(64 * 1024);
        const write = () => {
          while (!res.destroyed && streamed < 64 * 1024 * 1024) {
            streamed += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', write);
          }
          res.end();
        };
        write();
        return;
      }
      res.status(answer.status).send(answer.bytes ?? '');
    },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server?.close(resolve)));

function job(bytes: Uint8Array, status = 200) {
  const submissionId = randomUUID();
  answers.set(submissionId, { status, bytes: Buffer.from(bytes) });
  return { submissionId, sha256: sha(bytes), byteSize: bytes.byteLength };
}

const options = (maxBytes = 1024 * 1024) => ({
  submissionUrl: url,
  secret: SECRET,
  maxBytes,
  signal: AbortSignal.timeout(10_000),
});

async function failure(promise: Promise<unknown>): Promise<JobError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JobError);
  return error as JobError;
}

describe('fetchDocument', () => {
  it('returns the bytes of the requested document', async () => {
    const bytes = randomBytes(300_000);
    const fetched = await fetchDocument(job(bytes), options());
    expect(Buffer.from(fetched).equals(bytes)).toBe(true);
  });

  it('refuses a document past maxBytes: by its length, and while streaming one without a length', async () => {
    const declared = await failure(fetchDocument(job(randomBytes(2048)), options(1024)));
    expect([declared.code, declared.retryable]).toEqual(['DOCUMENT_TOO_LARGE', false]);
    const submissionId = randomUUID();
    answers.set(submissionId, { status: 200, stream: true });
    const streaming = await failure(
      fetchDocument({ submissionId, sha256: '0'.repeat(64), byteSize: 1 }, options(1024 * 1024)),
    );
    expect([streaming.code, streaming.retryable]).toEqual(['DOCUMENT_TOO_LARGE', false]);
    // The reader stopped the download soon after the cap, not at the server's 64 MiB.
    expect(streamed).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses other bytes than the job names (sha256), finally', async () => {
    const served = job(randomBytes(100));
    const error = await failure(fetchDocument({ ...served, sha256: sha(randomBytes(100)) }, options()));
    expect([error.code, error.retryable]).toEqual(['DOCUMENT_CHANGED', false]);
  });

  it.each([404, 409, 410])('answers %i as DOCUMENT_NOT_FOUND, not retryable', async (status) => {
    const error = await failure(fetchDocument(job(randomBytes(10), status), options()));
    expect([error.code, error.retryable]).toEqual(['DOCUMENT_NOT_FOUND', false]);
  });

  it('retries a 503 and a refused connection', async () => {
    const unavailable = await failure(fetchDocument(job(randomBytes(10), 503), options()));
    expect([unavailable.code, unavailable.retryable]).toEqual(['DOCUMENT_UNAVAILABLE', true]);
    const down = await failure(
      fetchDocument(job(randomBytes(10)), {
        ...options(),
        submissionUrl: `http://127.0.0.1:${await freePort()}`,
      }),
    );
    expect([down.code, down.retryable]).toEqual(['DOCUMENT_UNAVAILABLE', true]);
  });

  it('is refused by the endpoint when signed with another secret (retryable: a configuration fix cures it)', async () => {
    const error = await failure(
      fetchDocument(job(randomBytes(10)), { ...options(), secret: 'x'.repeat(40) }),
    );
    expect([error.code, error.retryable]).toEqual(['DOCUMENT_UNAVAILABLE', true]);
  });
});
