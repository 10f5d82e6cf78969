// Stores an imported file in the files subgraph: one GraphQL multipart request (uploadFile) with the caller's
// own bearer token, attached to the submission. The files subgraph asks this subgraph whether the caller may see
// the submission, so the submission must be committed first. Never throws: a failure comes back as a code and a
// message, and the import keeps the submission with a FILE_NOT_STORED issue rather than lose it.
import type { Logger } from '../kit/logger.ts';

export type StoredFileKind = 'QUOTE_PDF' | 'SAMPLE_SHEET' | 'OTHER';

export interface StoreFileRequest {
  submissionId: string;
  name: string;
  bytes: Uint8Array;
  kind: StoredFileKind;
  /** The caller's Authorization header, passed on as is. */
  authorization: string | undefined;
  requestId: string | null;
}

export type StoreFileResult = { fileId: string } | { error: { code: string; message: string } };

export interface FileStore {
  store(request: StoreFileRequest): Promise<StoreFileResult>;
}

export interface FileStoreOptions {
  /** The files subgraph's /graphql. */
  url: string;
  timeoutMs: number;
  log: Logger;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

const UPLOAD = `mutation StoreSubmissionFile($file: Upload!, $attachTo: AttachTo!, $kind: FileKind) {
  uploadFile(file: $file, attachTo: $attachTo, kind: $kind) { id }
}`;

interface UploadAnswer {
  data?: { uploadFile?: { id: string } | null } | null;
  errors?: { message?: string; extensions?: { code?: string; rule?: string } }[];
}

/** A name the files subgraph takes: no path, no control characters, at most 255 characters. */
export function storableFileName(name: string | null | undefined, kind: StoredFileKind): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  if (clean && clean !== '.' && clean !== '..') return clean.slice(-255);
  return kind === 'QUOTE_PDF' ? 'quote.pdf' : kind === 'SAMPLE_SHEET' ? 'sample-sheet.csv' : 'document';
}

export function createFileStore(options: FileStoreOptions): FileStore {
  const doFetch = options.fetch ?? fetch;

  async function upload(request: StoreFileRequest, kind: string): Promise<StoreFileResult> {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: UPLOAD,
        variables: { file: null, attachTo: { submissionId: request.submissionId }, kind },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([request.bytes]), request.name);
    const headers: Record<string, string> = { 'apollo-require-preflight': 'true' };
    if (request.authorization) headers.authorization = request.authorization;
    if (request.requestId) headers['x-request-id'] = request.requestId;
    let answer: UploadAnswer | null;
    let status: number;
    try {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers,
        body: form,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = response.status;
      answer = (await response.json().catch(() => null)) as UploadAnswer | null;
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      return {
        error: {
          code: timeout ? 'TIMEOUT' : 'UNREACHABLE',
          message: timeout
            ? `the files subgraph did not answer within ${options.timeoutMs} ms`
            : 'the files subgraph cannot be reached',
        },
      };
    }
    const id = answer?.data?.uploadFile?.id;
    if (id) return { fileId: id };
    const first = answer?.errors?.[0];
    return {
      error: {
        code: first?.extensions?.rule ?? first?.extensions?.code ?? `HTTP_${status}`,
        message: first?.message ?? `the files subgraph answered HTTP ${status} without a file`,
      },
    };
  }

  return {
    async store(request) {
      let result = await upload(request, request.kind);
      // A sheet in an encoding the files subgraph does not sniff as text (UTF-16, Windows-1252) is still kept.
      if ('error' in result && result.error.code === 'KIND_MISMATCH') result = await upload(request, 'OTHER');
      if ('error' in result) {
        options.log.warn(
          { submissionId: request.submissionId, error: result.error },
          'file store: the original file was not stored',
        );
      }
      return result;
    },
  };
}
