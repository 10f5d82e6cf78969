// Test support for the files subgraph's own tests: the files subgraph on a fresh database with a temporary
// FILES_DIR, next to a real samples subgraph (also on a fresh database) that answers its entity checks, both
// verifying real JWTs from one test signer; a movable clock; multipart uploads built byte by byte.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { bearerFor } from '../../test/helpers/bearer.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { post, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { createLogger } from '../kit/logger.ts';
import type { RunningServer } from '../kit/server.ts';
import { createTestSigner, type TestSigner } from '../kit/testing.ts';
import { loadSamplesConfig } from '../samples/config.ts';
import { createSamplesSubgraph, type SamplesSubgraph } from '../samples/server.ts';
import { readQueryCount } from '../samples/testing.ts';
import { loadFilesConfig } from './config.ts';
import { createFilesSubgraph, type FilesSubgraph, type FilesSubgraphDeps } from './server.ts';

export interface UploadOptions {
  bytes: Uint8Array;
  /** Sent as is (percent-encoded in filename* when it is not plain ASCII, as browsers and the router do). */
  name: string;
  attachTo: { sampleId?: string; submissionId?: string };
  kind?: string;
  headers: Record<string, string>;
  /** Fields of File to select; default the scalars. */
  selection?: string;
}

export interface FilesHarness {
  files: FilesSubgraph;
  samples: SamplesSubgraph;
  url: string;
  samplesUrl: string;
  /** The temporary FILES_DIR (blobs/ and tmp/ inside). */
  filesDir: string;
  signer: TestSigner;
  now(): Date;
  advanceSeconds(seconds: number): void;
  /** A bearer header for a user with these roles (scopes as the auth subgraph derives them). */
  as(roles: Role[], userId?: string): Promise<Record<string, string>>;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  /** uploadFile as a GraphQL multipart request straight to the files subgraph. */
  upload(options: UploadOptions): Promise<GraphQLResponse>;
  /** A sample in the samples subgraph owned by `ownerId`. */
  createSample(ownerId: string): Promise<string>;
  /** Paths (relative to FILES_DIR) of the files under blobs/ and tmp/. */
  blobFiles(): Promise<string[]>;
  tmpFiles(): Promise<string[]>;
  /** db_queries_total of the files subgraph: SQL statements sent so far. */
  queryCount(): Promise<number>;
  /** Runs SQL on the files database as the superuser. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export const FILE_SCALARS = 'id name contentType size sha256 kind version createdAt';

const UPLOAD_MUTATION = (
  selection: string,
) => `mutation ($file: Upload!, $attachTo: AttachTo!, $kind: FileKind) {
  uploadFile(file: $file, attachTo: $attachTo, kind: $kind) { ${selection} }
}`;

/** A file name as a multipart Content-Disposition parameter that busboy reads back unchanged. */
function filenameParameter(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\%]/.test(name)) return `filename="${name}"`;
  return `filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A GraphQL multipart request body: operations, map, then the files (field names 0, 1, ...). */
export function multipartBody(
  operations: unknown,
  map: Record<string, string[]>,
  files: { name: string; bytes: Uint8Array }[],
): { body: Buffer; contentType: string } {
  const boundary = `----files-test-${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  const field = (name: string, value: string) =>
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  field('operations', JSON.stringify(operations));
  field('map', JSON.stringify(map));
  files.forEach((file, i) => {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${i}"; ${filenameParameter(file.name)}\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      Buffer.from(file.bytes),
      Buffer.from('\r\n'),
    );
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The single-file uploadFile request as a multipart body. */
export function uploadRequest(options: Omit<UploadOptions, 'headers'>) {
  return multipartBody(
    {
      query: UPLOAD_MUTATION(options.selection ?? FILE_SCALARS),
      variables: { file: null, attachTo: options.attachTo, kind: options.kind ?? 'OTHER' },
    },
    { 0: ['variables.file'] },
    [{ name: options.name, bytes: options.bytes }],
  );
}

async function listFiles(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

export async function startFilesHarness(
  env: Record<string, string> = {},
  options: FilesSubgraphDeps = {},
): Promise<FilesHarness> {
  const signer = await createTestSigner();
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  const samplesDb: TestDatabase = await createTestDatabase('samples');
  const samples = await createSamplesSubgraph(loadSamplesConfig({ SAMPLES_DATABASE_URL: samplesDb.url }), {
    log,
    auth: signer.auth,
  });
  const samplesServer: RunningServer = await samples.listen(0, '127.0.0.1');

  const db = await createTestDatabase('files');
  const filesDir = await mkdtemp(join(tmpdir(), 'files-test-'));
  const files = await createFilesSubgraph(
    loadFilesConfig({
      FILES_DATABASE_URL: db.url,
      FILES_DIR: filesDir,
      FILES_SIGNING_SECRET: randomBytes(32).toString('hex'),
      SAMPLES_GRAPHQL_URL: `${samplesServer.url}/graphql`,
      ...env,
    }),
    { now, log, auth: signer.auth, ...options },
  );
  const server = await files.listen(0, '127.0.0.1');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  return {
    files,
    samples,
    url: server.url,
    samplesUrl: samplesServer.url,
    filesDir,
    signer,
    now,
    advanceSeconds(seconds) {
      offsetMs += seconds * 1000;
    },
    as: (roles, userId) => bearerFor(signer, roles, userId),
    gql: (query, variables, headers) => post(`${server.url}/graphql`, query, variables, headers),
    async upload({ headers, ...request }) {
      const { body, contentType } = uploadRequest(request);
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { ...headers, 'content-type': contentType, 'apollo-require-preflight': 'true' },
        body,
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
    },
    async createSample(ownerId) {
      const sample = await samples.prisma.sample.create({
        data: { name: `sample-${randomUUID()}`, ownerId },
      });
      return sample.id;
    },
    blobFiles: () => listFiles(filesDir, 'blobs'),
    tmpFiles: () => listFiles(filesDir, 'tmp'),
    queryCount: () => readQueryCount(server.url),
    async sql(text, values) {
      return (await client.query(text, values)).rows;
    },
    async close() {
      await client.end();
      await server.close();
      await files.close();
      await samplesServer.close();
      await samples.close();
      await db.drop();
      await samplesDb.drop();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}
