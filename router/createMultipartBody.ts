import { randomBytes } from 'node:crypto';
import { Upload } from 'graphql-upload-minimal';
import type { UploadSession } from './stage.ts';

/** The uploads in one subgraph request's variables, with the paths (`variables.input.files.0`) each sits at. */
export type UploadPaths = Map<Upload, string[]>;

/**
 * Copies the variables with null at each Upload (what the multipart spec's `operations` field carries) and
 * says where they were. Undefined when there are none, which is every JSON request.
 */
export function extractUploads(
  variables: Record<string, unknown> | undefined,
): { variables: Record<string, unknown>; uploads: UploadPaths } | undefined {
  const uploads: UploadPaths = new Map();
  const walk = (value: unknown, path: string): unknown => {
    if (value instanceof Upload) {
      uploads.set(value, [...(uploads.get(value) ?? []), path]);
      return null;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}.${i}`));
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, `${path}.${key}`)]),
      );
    return value;
  };
  const copy = walk(variables ?? {}, 'variables') as Record<string, unknown>;
  return uploads.size > 0 ? { variables: copy, uploads } : undefined;
}

/**
 * A file name as a Content-Disposition parameter that busboy (and any RFC 7578 parser) reads back unchanged:
 * plain names quoted, anything else (quotes, control characters, non-ASCII) percent-encoded in `filename*`,
 * so no name can break out of its header. (busboy decodes names as UTF-8, so no lone surrogate reaches here.)
 */
function filenameParameter(filename: string): string {
  if (/^[\x20-\x7e]*$/.test(filename) && !/["\\]/.test(filename)) return `filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `filename*=UTF-8''${encoded}`;
}

export interface MultipartBody {
  contentType: string;
  body: AsyncIterable<Uint8Array>;
  /** Why the body stopped early (a limit, a client that went away), once it has. */
  failure(): unknown;
}

/**
 * The GraphQL multipart request for one subgraph fetch: `operations` (the JSON request with null at each file),
 * `map`, then each file streamed from the client as it arrives; nothing is buffered beyond one chunk.
 */
export function createMultipartBody(
  operations: string,
  uploads: UploadPaths,
  session: UploadSession,
): MultipartBody {
  const boundary = `----router${randomBytes(16).toString('hex')}`;
  const names = new Map([...uploads.keys()].map((upload, i) => [upload, String(i)]));
  const map = Object.fromEntries([...uploads].map(([upload, paths]) => [names.get(upload), paths]));
  const part = (headers: string) => Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`);
  let failure: unknown;

  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      yield part('Content-Disposition: form-data; name="operations"\r\nContent-Type: application/json');
      yield Buffer.from(`${operations}\r\n`);
      yield part('Content-Disposition: form-data; name="map"\r\nContent-Type: application/json');
      yield Buffer.from(`${JSON.stringify(map)}\r\n`);
      const pending = new Set(uploads.keys());
      while (pending.size > 0) {
        const { upload, file } = await session.next(pending);
        pending.delete(upload);
        yield part(
          `Content-Disposition: form-data; name="${names.get(upload)}"; ${filenameParameter(file.filename)}\r\n` +
            `Content-Type: ${file.mimetype || 'application/octet-stream'}`,
        );
        yield* file.stream;
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${boundary}--\r\n`);
    } catch (error) {
      failure = error;
      throw error;
    }
  }

  return { contentType: `multipart/form-data; boundary=${boundary}`, body: body(), failure: () => failure };
}
