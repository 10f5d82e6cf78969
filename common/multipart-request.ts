// The GraphQL multipart request parser of the router and of every subgraph that takes uploads:
// graphql-upload-minimal's processRequest, with one difference that matters. busboy (under both) strips everything up to the last / or \ of a file name
// unless told to preserve paths, so "../../etc/passwd" would quietly arrive as "passwd" and no name check could
// refuse it. This parser keeps the name as sent (names.ts refuses it) and otherwise behaves the same: the same
// Upload objects (so GraphQLUpload works), the same limits, the same 413/499 answers, streaming throughout.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ApolloServerPlugin } from '@apollo/server';
import { Upload, type FileUpload } from 'graphql-upload-minimal';

const require = createRequire(import.meta.url);

/** The part of busboy (CommonJS, no bundled types) used here. */
interface Busboy extends NodeJS.WritableStream {
  on(
    event: 'field',
    listener: (name: string, value: string, info: { valueTruncated: boolean }) => void,
  ): this;
  on(
    event: 'file',
    listener: (
      name: string,
      stream: Readable,
      info: { filename: string; encoding: string; mimeType: string },
    ) => void,
  ): this;
  once(event: 'filesLimit' | 'close', listener: () => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  destroy(error?: Error): void;
}
const busboy = require('busboy') as (config: {
  headers: IncomingMessage['headers'];
  preservePath: boolean;
  defParamCharset: string;
  limits: { fieldSize: number; fields: number; fileSize: number; files: number };
}) => Busboy;

const SPEC_URL = 'https://github.com/jaydenseric/graphql-multipart-request-spec';

export interface MultipartOptions {
  /** Largest operations or map field, in bytes; default 1 MB. */
  maxFieldSize?: number;
  /** Largest file in bytes: busboy truncates there and emits 'limit' on the file stream. */
  maxFileSize: number;
  maxFiles: number;
}

/** An error graphqlUploadExpress turns into that HTTP status. */
function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, expose: true });
}

/** Sets `value` at a dotted path of the operations object ("variables.file", "0.variables.files.1"). */
function setAtPath(target: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const [i, key] of keys.entries()) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new Error('bad path');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) throw new Error('bad path');
    if (i === keys.length - 1) node[key] = value;
    else node = node[key] as Record<string, unknown>;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** processRequest for graphqlUploadExpress({ processRequest }): resolves with the operations once the map is read. */
export function processMultipartRequest(
  req: IncomingMessage,
  _res: ServerResponse,
  options: MultipartOptions,
): Promise<unknown> {
  const contentType = req.headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.includes('multipart/form-data;')) {
    return Promise.reject(httpError(400, 'expected multipart/form-data'));
  }
  return new Promise((resolve, reject) => {
    const parser = busboy({
      headers: req.headers,
      preservePath: true,
      defParamCharset: 'utf8',
      limits: {
        fieldSize: options.maxFieldSize ?? 1_000_000,
        fields: 2, // operations and map
        fileSize: options.maxFileSize,
        files: options.maxFiles,
      },
    });
    let operations: unknown;
    let map: Map<string, Upload> | undefined;
    let exitError: Error | undefined;
    let lastFile: Readable | undefined;

    /** Ends parsing with an error: the request, the file being read and every upload not yet seen fail. */
    const exit = (error: Error | string, status = 400) => {
      if (exitError) return;
      exitError = typeof error === 'string' ? httpError(status, error) : error;
      reject(exitError);
      parser.destroy(exitError);
      if (lastFile && !lastFile.readableEnded && !lastFile.destroyed) lastFile.destroy(exitError);
      for (const upload of map?.values() ?? []) if (!upload.file) (upload as UploadHandle).reject(exitError);
      req.unpipe(parser);
      // Keep reading whatever the client still sends, so the answer can go out.
      setImmediate(() => req.resume());
    };

    parser.on('field', (name, value, { valueTruncated }) => {
      if (valueTruncated) return exit(`the '${name}' field is too large`, 413);
      if (name === 'operations') {
        try {
          operations = JSON.parse(value);
        } catch {
          return exit(`invalid JSON in the 'operations' field (${SPEC_URL})`);
        }
        if (!isObject(operations) && !Array.isArray(operations))
          return exit(`invalid 'operations' (${SPEC_URL})`);
        return;
      }
      if (name !== 'map') return;
      if (!operations) return exit(`'map' must follow 'operations' (${SPEC_URL})`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return exit(`invalid JSON in the 'map' field (${SPEC_URL})`);
      }
      if (!isObject(parsed)) return exit(`invalid 'map' (${SPEC_URL})`);
      const entries = Object.entries(parsed);
      if (entries.length > options.maxFiles)
        return exit(`${options.maxFiles} max file uploads exceeded`, 413);
      map = new Map();
      for (const [field, paths] of entries) {
        if (!Array.isArray(paths)) return exit(`invalid 'map' entry '${field}' (${SPEC_URL})`);
        const upload = new Upload();
        map.set(field, upload);
        for (const path of paths) {
          try {
            if (typeof path !== 'string') throw new Error('bad path');
            setAtPath(operations, path, upload);
          } catch {
            return exit(`invalid 'map' path for '${field}' (${SPEC_URL})`);
          }
        }
      }
      resolve(operations);
    });

    const handedOut = new Set<Readable>();
    parser.on('file', (field, stream, { filename, encoding, mimeType }) => {
      lastFile = stream;
      const upload = map?.get(field);
      if (!map) {
        stream.resume();
        return exit(`files must follow 'map' (${SPEC_URL})`);
      }
      if (!upload) {
        // Not in the map: ignored, as the spec allows.
        stream.on('error', () => {}).resume();
        return;
      }
      let fileError: Error | undefined;
      stream.on('error', (error) => {
        fileError = error;
      });
      const file: FileUpload = {
        fieldName: field,
        filename,
        mimetype: mimeType,
        encoding,
        createReadStream() {
          if (fileError) throw fileError;
          if (handedOut.has(stream)) throw new Error('an upload can be read once');
          handedOut.add(stream);
          return stream as ReturnType<FileUpload['createReadStream']>;
        },
      };
      (upload as UploadHandle).resolve(file);
    });

    parser.once('filesLimit', () => exit(`${options.maxFiles} max file uploads exceeded`, 413));
    parser.once('error', (error) => exit(error));
    parser.once('close', () => {
      req.unpipe(parser);
      req.resume();
      if (!operations) return exit(`missing 'operations' field (${SPEC_URL})`);
      if (!map) return exit(`missing 'map' field (${SPEC_URL})`);
      for (const upload of map.values()) {
        if (!upload.file) (upload as UploadHandle).reject(httpError(400, 'file missing in the request'));
      }
    });
    req.once('close', () => {
      if (!req.readableEnded) exit('the client disconnected during the upload', 499);
    });
    req.pipe(parser);
  });
}

/** Upload's settle functions (present at runtime, missing from its type declaration). */
type UploadHandle = Upload & { resolve(file: FileUpload): void; reject(error: Error): void };

function collectUploads(value: unknown, found: Upload[]): Upload[] {
  if (value instanceof Upload) found.push(value);
  else if (Array.isArray(value)) for (const item of value) collectUploads(item, found);
  else if (isObject(value)) for (const item of Object.values(value)) collectUploads(item, found);
  return found;
}

/**
 * Drains every upload of a request that no resolver read (a mutation that failed before its upload's turn, an
 * upload bound to no field). Without it the parser would wait on an unread file stream and the client, still
 * sending, would never see the answer.
 */
export function drainUnreadUploads<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      const uploads = collectUploads(request.variables, []);
      if (uploads.length === 0) return;
      return {
        async willSendResponse() {
          for (const upload of uploads) discardUpload(upload.promise);
        },
      };
    },
  };
}

/** Lets the bytes of an upload nobody will store flow past, once they arrive. */
export function discardUpload(file: Promise<FileUpload>): void {
  file.then(
    (upload) => {
      try {
        const stream = upload.createReadStream();
        stream.on('error', () => {});
        stream.resume();
      } catch {
        // Already failed, or already taken by a resolver (which drains what it does not store).
      }
    },
    () => {},
  );
}
