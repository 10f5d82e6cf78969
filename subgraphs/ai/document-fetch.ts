// The document of an extraction job, fetched from the submission subgraph over a signed GET
// (documentPath(submissionId), kit/extraction-wire.ts). The bytes are counted while they stream (a document past
// maxBytes stops there, never read whole) and checked against the job's sha256 (what was requested is what is
// read). Failures are JobErrors the runner understands: the document gone is final, the service down is retried.
import { createHash } from 'node:crypto';
import type { ExtractionJob } from '../../generated/prisma/ai/client.ts';
import { AI_SERVICE, documentPath } from '../kit/extraction-wire.ts';
import { signServiceRequest } from '../kit/service-auth.ts';
import { JobError } from './jobs/errors.ts';

export interface FetchDocumentOptions {
  /** The submission subgraph's origin (SUBMISSION_INTERNAL_URL). */
  submissionUrl: string;
  /** OUTBOX_RELAY_SECRET. */
  secret: string;
  maxBytes: number;
  /** The attempt's signal (cancel, time budget, shutdown); a time limit of the fetch itself is the caller's. */
  signal: AbortSignal;
  fetch?: typeof fetch;
}

/** Answers that mean the document will not be served again (no such submission, not extracting, deleted). */
const GONE = new Set([404, 409, 410]);

export async function fetchDocument(
  job: Pick<ExtractionJob, 'submissionId' | 'sha256' | 'byteSize'>,
  options: FetchDocumentOptions,
): Promise<Uint8Array> {
  const url = new URL(documentPath(job.submissionId), options.submissionUrl);
  const authorization = signServiceRequest({
    secret: options.secret,
    service: AI_SERVICE,
    body: `GET ${url.pathname}`,
  });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { headers: { authorization }, signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason ?? error;
    throw new JobError('DOCUMENT_UNAVAILABLE', 'the submission subgraph could not be reached', true);
  }
  if (GONE.has(response.status)) {
    await response.body?.cancel();
    throw new JobError(
      'DOCUMENT_NOT_FOUND',
      `the document is no longer served (HTTP ${response.status})`,
      false,
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    // 5xx (and an unexpected 4xx such as a refused signature, which a fixed configuration cures): retried.
    throw new JobError(
      'DOCUMENT_UNAVAILABLE',
      `the submission subgraph answered HTTP ${response.status}`,
      true,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel();
    throw tooLarge(options.maxBytes);
  }
  return readCapped(response, job.sha256, options);
}

function tooLarge(maxBytes: number): JobError {
  return new JobError('DOCUMENT_TOO_LARGE', `the document is larger than ${maxBytes} bytes`, false);
}

/** Reads the body chunk by chunk, stopping past maxBytes, and checks the sha256 of what was read. */
async function readCapped(
  response: Response,
  sha256: string,
  options: FetchDocumentOptions,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const hash = createHash('sha256');
  let size = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (done) break;
      size += value.byteLength;
      if (size > options.maxBytes) {
        await reader!.cancel();
        throw tooLarge(options.maxBytes);
      }
      hash.update(value);
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof JobError) throw error;
    if (options.signal.aborted) throw options.signal.reason ?? error;
    throw new JobError('DOCUMENT_UNAVAILABLE', 'the document download broke off', true);
  }
  // Not the requested document (changed since, or a fault on the way): final, an extraction of other bytes than
  // the job names would be wrong.
  if (hash.digest('hex') !== sha256)
    throw new JobError(
      'DOCUMENT_CHANGED',
      'the document served differs from the one requested (sha256)',
      false,
    );
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
