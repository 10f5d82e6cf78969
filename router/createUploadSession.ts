import type { Readable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { Upload, type FileUpload } from 'graphql-upload-minimal';
import { routerError } from './errors.ts';
import type { OpenedUpload, UploadSession } from './stage.ts';

export type UploadLimit = 'maxFileBytes' | 'maxFiles' | 'maxRequestBytes';

export interface UploadSessionLimits {
  maxFileBytes: number;
  maxFiles: number;
}

export function uploadLimitError(limit: UploadLimit, max: number): GraphQLError {
  const what = {
    maxFileBytes: `A file is larger than ${max} bytes`,
    maxFiles: `A request may carry at most ${max} files`,
    maxRequestBytes: `A multipart request may be at most ${max} bytes`,
  }[limit];
  return routerError('UPLOAD_LIMIT_EXCEEDED', what, { extensions: { limit, max } });
}

/**
 * Turns what graphql-upload-minimal rejects with (HttpError: status + message, all about the request's shape)
 * into a router error; its messages name no internals, so they reach the client. Undefined for anything else.
 */
export function toUploadError(error: unknown, limits: UploadSessionLimits): GraphQLError | undefined {
  if (error instanceof GraphQLError) return error;
  const { status, message = '' } = error as { status?: number; message?: string };
  if (status === 413 && /max file uploads exceeded/.test(message))
    return uploadLimitError('maxFiles', limits.maxFiles);
  if (status === 413 && /File truncated/.test(message))
    return uploadLimitError('maxFileBytes', limits.maxFileBytes);
  if (status === 499) return routerError('BAD_REQUEST', 'The client disconnected during the upload');
  if (status === 400 || status === 413)
    return routerError('BAD_REQUEST', message || 'Invalid multipart request');
  return undefined;
}

/**
 * Every Upload placed in the operations by processRequest (the map may put one file at several paths). A loop,
 * not recursion: the client's JSON may nest 500,000 levels deep, which would overflow the stack.
 */
export function findUploads(operations: unknown): Set<Upload> {
  const found = new Set<Upload>();
  const pending: unknown[] = [operations];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value instanceof Upload) found.add(value);
    else if (Array.isArray(value)) for (const item of value) pending.push(item);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) pending.push(item);
  }
  return found;
}

/** Reads a file that nobody will forward, so the client's later parts can arrive. */
function discard(file: FileUpload | undefined): void {
  try {
    const stream = file?.createReadStream() as Readable | undefined;
    stream?.on('error', () => undefined).resume();
  } catch {
    // Already failed or already read: nothing is waiting on it.
  }
}

async function* limitBytes(stream: Readable, limits: UploadSessionLimits): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limits.maxFileBytes) throw uploadLimitError('maxFileBytes', limits.maxFileBytes);
      yield chunk;
    }
  } catch (error) {
    throw toUploadError(error, limits) ?? error;
  }
  // busboy ends a file cut at its own limit normally, only marking it truncated.
  if ((stream as Readable & { truncated?: boolean }).truncated)
    throw uploadLimitError('maxFileBytes', limits.maxFileBytes);
}

/**
 * The files of one multipart request. The client sends them one after the other and the router holds none of
 * them, so a fetch takes its files in the order they arrive; a file that arrives while fetches wait for other
 * files, and that no fetch has claimed, is read and dropped (a later claim of it is BAD_REQUEST) instead of
 * stalling the request.
 */
export function createUploadSession(operations: unknown, limits: UploadSessionLimits): UploadSession {
  const uploads = findUploads(operations);
  const claimed = new Set<Upload>();
  const skipped = new Set<Upload>();
  let waiting = 0;
  const skip = (upload: Upload) => {
    if (claimed.has(upload) || skipped.has(upload)) return;
    skipped.add(upload);
    discard(upload.file);
  };
  for (const upload of uploads) {
    upload.promise.then(
      () => waiting > 0 && skip(upload),
      () => undefined,
    );
  }
  const open = (file: FileUpload): OpenedUpload => ({
    filename: file.filename,
    mimetype: file.mimetype,
    stream: limitBytes(file.createReadStream() as Readable, limits),
  });

  return {
    claim(taken) {
      const wanted = [...taken];
      for (const upload of wanted) {
        if (claimed.has(upload) || skipped.has(upload)) {
          throw routerError(
            'BAD_REQUEST',
            claimed.has(upload)
              ? 'An uploaded file can be sent to one subgraph fetch only: use a separate variable (and file) for each field'
              : 'A file came before one the operation needed first: send files in the order the operation uses them',
          );
        }
      }
      for (const upload of wanted) claimed.add(upload);
    },
    async next(pending) {
      for (const upload of uploads) if (upload.file) skip(upload);
      waiting += 1;
      try {
        const upload = await Promise.race([...pending].map((u) => u.promise.then(() => u)));
        return { upload, file: open(upload.file as FileUpload) };
      } catch (error) {
        throw toUploadError(error, limits) ?? error;
      } finally {
        waiting -= 1;
      }
    },
  };
}
