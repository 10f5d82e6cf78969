// Test support for the files subgraph's own tests: the shared subgraph harness around the files subgraph (with a
// temporary FILES_DIR), next to a real samples subgraph that answers its entity checks, both verifying tokens
// from one test signer; uploads as multipart requests built byte by byte.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { multipartBody, postMultipart, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { startSubgraphHarness, type SubgraphHarness } from '../../test/helpers/subgraph-harness.ts';
import type { TestSigner } from '../kit/testing.ts';
import { startSamplesHarness, type SamplesHarness } from '../samples/testing.ts';
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

export interface FilesSubgraphHarness extends SubgraphHarness<FilesSubgraph> {
  /** The temporary FILES_DIR (blobs/ and tmp/ inside). */
  filesDir: string;
}

export interface FilesHarness extends FilesSubgraphHarness {
  /** The samples subgraph the files subgraph asks about samples. */
  samples: SamplesHarness;
  /** uploadFile as a GraphQL multipart request straight to the files subgraph. */
  upload(options: UploadOptions): Promise<GraphQLResponse>;
  /** A sample in the samples subgraph owned by `ownerId`. */
  createSample(ownerId: string): Promise<string>;
  /** Paths (relative to FILES_DIR) of the files under blobs/ and tmp/. */
  blobFiles(): Promise<string[]>;
  tmpFiles(): Promise<string[]>;
}

export const FILE_SCALARS = 'id name contentType size sha256 kind version createdAt';

const UPLOAD_MUTATION = (
  selection: string,
) => `mutation ($file: Upload!, $attachTo: AttachTo!, $kind: FileKind) {
  uploadFile(file: $file, attachTo: $attachTo, kind: $kind) { ${selection} }
}`;

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

/** The files subgraph alone, on a fresh database and a temporary FILES_DIR; `env` names the subgraphs it asks. */
export async function startFilesSubgraphHarness(
  env: Record<string, string>,
  options: FilesSubgraphDeps = {},
  signer?: TestSigner,
): Promise<FilesSubgraphHarness> {
  const filesDir = await mkdtemp(join(tmpdir(), 'files-test-'));
  const h = await startSubgraphHarness({
    domain: 'files',
    signer,
    env: { FILES_DIR: filesDir, FILES_SIGNING_SECRET: randomBytes(32).toString('hex'), ...env },
    start: (env, deps) => createFilesSubgraph(loadFilesConfig(env), { ...deps, ...options }),
  });
  return {
    ...h,
    filesDir,
    async close() {
      await h.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

export async function startFilesHarness(
  env: Record<string, string> = {},
  options: FilesSubgraphDeps = {},
): Promise<FilesHarness> {
  const samples = await startSamplesHarness();
  const h = await startFilesSubgraphHarness(
    { SAMPLES_GRAPHQL_URL: `${samples.url}/graphql`, ...env },
    options,
    samples.signer,
  );
  return {
    ...h,
    samples,
    upload: ({ headers, ...request }) => postMultipart(`${h.url}/graphql`, uploadRequest(request), headers),
    async createSample(ownerId) {
      const sample = await samples.subgraph.prisma.sample.create({
        data: { name: `sample-${randomUUID()}`, ownerId },
      });
      return sample.id;
    },
    blobFiles: () => listFiles(h.filesDir, 'blobs'),
    tmpFiles: () => listFiles(h.filesDir, 'tmp'),
    async close() {
      await h.close();
      await samples.close();
    },
  };
}
