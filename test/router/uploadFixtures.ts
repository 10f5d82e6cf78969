// Upload fixtures: a kit subgraph that takes files (hashing them as they stream, never holding one whole) and a
// multipart client on node:http that streams generated content, can declare any length and can hang up early.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { pino } from 'pino';
import { allow, isAuthenticated } from '../../subgraphs/kit/permissions.ts';
import { createSubgraphServer } from '../../subgraphs/kit/server.ts';
import { audience, federation, issuer, type GraphQLBody } from './fixtures.ts';

export const uploadsTypeDefs = `${federation}
scalar Upload
input Attachment {
  "At most 100 characters."
  label: String!
  file: Upload!
}
type Received {
  label: String
  filename: String!
  mimetype: String!
  size: Float!
  sha256: String!
}
type Query {
  ping: String
}
type Mutation {
  upload(file: Upload!): Received!
  uploadMany(files: [Upload!]!): [Received!]!
  attach(input: [Attachment!]!): [Received!]!
}
`;

/** What the subgraph saw of one file. */
export interface ReceivedFile {
  filename: string;
  size: number;
  status: 'streaming' | 'complete' | 'error';
  error?: string;
}

export interface UploadSubgraph {
  name: string;
  url: string;
  typeDefs: string;
  /** Every file a resolver started reading, updated as it streams. */
  files: ReceivedFile[];
  /** Headers of every GraphQL operation that reached Apollo Server. */
  requests: Array<Record<string, string>>;
  close(): Promise<void>;
}

async function receive(upload: Promise<FileUpload>, files: ReceivedFile[], label?: string) {
  const record: ReceivedFile = { filename: '', size: 0, status: 'streaming' };
  files.push(record);
  const hash = createHash('sha256');
  let file: FileUpload;
  try {
    file = await upload;
    record.filename = file.filename;
    for await (const chunk of file.createReadStream() as AsyncIterable<Buffer>) {
      hash.update(chunk);
      record.size += chunk.length;
    }
  } catch (error) {
    record.status = 'error';
    record.error = (error as Error).message;
    throw error;
  }
  record.status = 'complete';
  const { filename, mimetype } = file;
  return { label, filename, mimetype, size: record.size, sha256: hash.digest('hex') };
}

/** The kit's subgraph server with uploads on, verifying tokens from the test JWKS. */
export async function startUploadSubgraph(jwksUrl: string): Promise<UploadSubgraph> {
  const files: ReceivedFile[] = [];
  const requests: UploadSubgraph['requests'] = [];
  const server = createSubgraphServer({
    name: 'uploads',
    typeDefs: uploadsTypeDefs,
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
    auth: { jwksUrl, issuer, audience },
    uploads: { maxFileSize: 1024 ** 3, maxFiles: 100 },
    resolvers: {
      Upload: GraphQLUpload,
      Query: { ping: () => 'pong' },
      Mutation: {
        upload: (_: unknown, args: { file: Promise<FileUpload> }) => receive(args.file, files),
        uploadMany: (_: unknown, args: { files: Array<Promise<FileUpload>> }) =>
          Promise.all(args.files.map((file) => receive(file, files))),
        attach: async (_: unknown, args: { input: Array<{ label: string; file: Promise<FileUpload> }> }) => {
          const received = [];
          for (const { label, file } of args.input) received.push(await receive(file, files, label));
          return received;
        },
      },
    },
    permissions: {
      Query: { ping: allow },
      Mutation: { upload: isAuthenticated, uploadMany: isAuthenticated, attach: isAuthenticated },
      Received: allow,
    },
    plugins: [
      {
        async requestDidStart({ request }) {
          if (!request.query?.includes('_service')) requests.push(Object.fromEntries(request.http!.headers));
        },
      },
    ],
  });
  const running = await server.listen(0);
  return {
    name: 'uploads',
    url: `${running.url}/graphql`,
    typeDefs: uploadsTypeDefs,
    files,
    requests,
    close: running.close,
  };
}

/** Generated content: `size` bytes in 64 KiB chunks made as they are sent, with the sha256 known up front. */
export interface Content {
  size: number;
  sha256: string;
  chunks(): AsyncIterable<Buffer>;
}

const seed = randomBytes(64 * 1024);

function chunkAt(index: number, length: number): Buffer {
  const chunk = Buffer.from(seed.subarray(0, length));
  chunk.writeUInt32BE(index, 0);
  return chunk;
}

/** Content of `size` bytes; a large size never exists whole, not even to hash it. */
export function generatedContent(
  size: number,
  options: { pauseMs?: number; pauseAt?: number } = {},
): Content {
  const chunkSize = seed.length;
  const count = Math.ceil(size / chunkSize);
  const length = (i: number) => Math.min(chunkSize, size - i * chunkSize);
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) hash.update(chunkAt(i, length(i)));
  return {
    size,
    sha256: hash.digest('hex'),
    async *chunks() {
      let paused = !options.pauseMs;
      for (let i = 0; i < count; i++) {
        if (!paused && i * chunkSize >= (options.pauseAt ?? 0)) {
          paused = true;
          await new Promise((done) => setTimeout(done, options.pauseMs));
        }
        yield chunkAt(i, length(i));
      }
    },
  };
}

export function bytesContent(bytes: Buffer): Content {
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    async *chunks() {
      yield bytes;
    },
  };
}

export interface MultipartFile {
  /** The multipart field name the map refers to. */
  field: string;
  filename: string;
  contentType?: string;
  content: Content;
}

export interface MultipartRequest {
  operations: unknown;
  map: Record<string, string[]>;
  files: MultipartFile[];
  headers?: Record<string, string>;
  /** Declared Content-Length; default the true length; `null` sends chunked. */
  contentLength?: number | null;
  /** Hang up after sending this many bytes of the body. */
  abortAfterBytes?: number;
}

export interface MultipartResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: GraphQLBody;
}

const boundary = '----testboundary7MA4YWxkTrZu0gW';

function disposition(name: string, filename?: string): string {
  const encoded =
    filename === undefined
      ? ''
      : encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const file = filename === undefined ? '' : `; filename*=UTF-8''${encoded}`;
  return `Content-Disposition: form-data; name="${name}"${file}`;
}

/** Sends a GraphQL multipart request, streaming each file; resolves with the answer (or rejects on hang-up). */
export function sendMultipart(url: string, spec: MultipartRequest): Promise<MultipartResponse> {
  const head = Buffer.from(
    `--${boundary}\r\n${disposition('operations')}\r\n\r\n${JSON.stringify(spec.operations)}\r\n` +
      `--${boundary}\r\n${disposition('map')}\r\n\r\n${JSON.stringify(spec.map)}\r\n`,
  );
  const fileHeads = spec.files.map((f) =>
    Buffer.from(
      `--${boundary}\r\n${disposition(f.field, f.filename)}\r\nContent-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`,
    ),
  );
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const length =
    head.length +
    fileHeads.reduce((n, h) => n + h.length, 0) +
    spec.files.reduce((n, f) => n + f.content.size + 2, 0) +
    tail.length;
  const declared = spec.contentLength === undefined ? length : spec.contentLength;

  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        ...(declared === null ? {} : { 'content-length': String(declared) }),
        ...spec.headers,
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        // Answered before everything was sent (a limit): this request is over.
        if (!req.writableFinished) req.destroy();
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as GraphQLBody });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    let sent = 0;
    const write = (chunk: Buffer) =>
      new Promise<boolean>((done) => {
        if (answered || req.destroyed) return done(false);
        if (spec.abortAfterBytes !== undefined && sent + chunk.length > spec.abortAfterBytes) {
          req.destroy();
          return done(false);
        }
        sent += chunk.length;
        if (req.write(chunk)) done(true);
        else req.once('drain', () => done(true));
      });
    void (async () => {
      if (!(await write(head))) return;
      for (const [i, file] of spec.files.entries()) {
        if (!(await write(fileHeads[i]!))) return;
        for await (const chunk of file.content.chunks()) if (!(await write(chunk))) return;
        if (!(await write(Buffer.from('\r\n')))) return;
      }
      if (await write(tail)) req.end();
    })();
  });
}

/** Waits until `check` holds, polling; throws after `timeoutMs`. */
