// Test support for the submission subgraph's own tests: the submission subgraph next to a real files subgraph
// (where imports store their original; it asks the submission subgraph whether the caller may see the submission)
// and a real samples subgraph (whose signed intake receives the sample commands of accepted submissions), each on a
// fresh database, all verifying real JWTs from one test signer, over real HTTP. The samples subgraph can be
// stopped and started again on the same port and database, to test delivery while it is down. A stub audit
// receiver takes the outbox (so both relays run side by side, as in production).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { freePort } from '../../scripts/free-port.ts';
import { bearerFor } from '../../test/helpers/bearer.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { post, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { loadFilesConfig } from '../files/config.ts';
import { createFilesSubgraph, type FilesSubgraph } from '../files/server.ts';
import { multipartBody } from '../files/testing.ts';
import { createLogger } from '../kit/logger.ts';
import type { OutboxRelayOptions } from '../kit/outbox-relay.ts';
import type { IngestResult } from '../kit/outbox-wire.ts';
import type { RunningServer } from '../kit/server.ts';
import { createTestSigner, type TestSigner } from '../kit/testing.ts';
import { loadSamplesConfig } from '../samples/config.ts';
import { createSamplesSubgraph, type SamplesSubgraph } from '../samples/server.ts';
import { loadSubmissionConfig } from './config.ts';
import { createSubmissionSubgraph, type SubmissionSubgraph, type SubmissionSubgraphDeps } from './server.ts';

export const RELAY_SECRET = 'submission-test-relay-secret-0123456789';

/** Relay timing for tests: quick polls and short backoffs, so "down, then up" recovers in well under a second. */
export const FAST_RELAY: Partial<OutboxRelayOptions> = {
  pollIntervalMs: 50,
  notifyDelayMs: 5,
  requestTimeoutMs: 5_000,
  backoff: { initialMs: 50, maxMs: 200, jitter: 0 },
};

export const SUBMISSION_SCALARS = 'id quoteIdentifier source status sha256 fileName version file { id }';

export interface SubmissionHarness {
  submission: SubmissionSubgraph;
  files: FilesSubgraph;
  /** The samples subgraph currently running (a new one after startSamples). */
  samples(): SamplesSubgraph;
  url: string;
  filesUrl: string;
  samplesUrl: string;
  signer: TestSigner;
  /** A bearer header for a user with these roles (scopes as the auth subgraph derives them). */
  as(roles: Role[], userId?: string): Promise<Record<string, string>>;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  samplesGql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  filesGql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  /** importSubmission as a GraphQL multipart request straight to the submission subgraph. */
  importFile(
    bytes: Uint8Array,
    name: string,
    headers: Record<string, string>,
    selection?: string,
  ): Promise<GraphQLResponse>;
  /** SQL as the superuser on the submission database. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  samplesSql<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<T[]>;
  filesSql<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<T[]>;
  /** Stops the samples subgraph (its port refuses connections until startSamples). */
  stopSamples(): Promise<void>;
  startSamples(): Promise<void>;
  /** Events the stub audit receiver got. */
  audited: { type: string; entityId: string }[];
  close(): Promise<void>;
}

/** A receiver that stores every audit event it is sent (no signature check: the kit's tests do that). */
async function startAuditStub(
  audited: SubmissionHarness['audited'],
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const events = (
        JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          events: { id: string; type: string; entityId: string }[];
        }
      ).events;
      const results: IngestResult[] = events.map((e) => {
        audited.push({ type: e.type, entityId: e.entityId });
        return { id: e.id, status: 'stored' };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

export async function startSubmissionHarness(
  env: Record<string, string> = {},
  options: SubmissionSubgraphDeps = {},
): Promise<SubmissionHarness> {
  const signer = await createTestSigner();
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const [samplesPort, submissionPort] = [await freePort(), await freePort()];
  const samplesUrl = `http://127.0.0.1:${samplesPort}`;
  const submissionUrl = `http://127.0.0.1:${submissionPort}`;
  const audited: SubmissionHarness['audited'] = [];
  const audit = await startAuditStub(audited);

  const samplesDb: TestDatabase = await createTestDatabase('samples');
  let samples: SamplesSubgraph;
  let samplesServer: RunningServer | undefined;
  async function startSamples() {
    samples = await createSamplesSubgraph(
      loadSamplesConfig({ SAMPLES_DATABASE_URL: samplesDb.url, OUTBOX_RELAY_SECRET: RELAY_SECRET }),
      { log, auth: signer.auth },
    );
    samplesServer = await samples.listen(samplesPort, '127.0.0.1');
  }
  async function stopSamples() {
    await samplesServer?.close();
    await samples.close();
    samplesServer = undefined;
  }
  await startSamples();

  const filesDb = await createTestDatabase('files');
  const filesDir = await mkdtemp(join(tmpdir(), 'submission-files-test-'));
  const files = await createFilesSubgraph(
    loadFilesConfig({
      FILES_DATABASE_URL: filesDb.url,
      FILES_DIR: filesDir,
      FILES_SIGNING_SECRET: randomBytes(32).toString('hex'),
      SAMPLES_GRAPHQL_URL: `${samplesUrl}/graphql`,
      SUBMISSION_GRAPHQL_URL: `${submissionUrl}/graphql`,
    }),
    { log, auth: signer.auth },
  );
  const filesServer = await files.listen(0, '127.0.0.1');

  const db = await createTestDatabase('submission');
  const submission = await createSubmissionSubgraph(
    loadSubmissionConfig({
      SUBMISSION_DATABASE_URL: db.url,
      FILES_GRAPHQL_URL: `${filesServer.url}/graphql`,
      SAMPLES_COMMANDS_URL: samplesUrl,
      OUTBOX_RELAY_SECRET: RELAY_SECRET,
      AUDIT_INGEST_URL: audit.url,
      ...env,
    }),
    {
      log,
      auth: signer.auth,
      outboxRelay: FAST_RELAY,
      sampleCommandRelay: FAST_RELAY,
      ...options,
    },
  );
  const server = await submission.listen(submissionPort, '127.0.0.1');
  const [client, samplesClient, filesClient] = await Promise.all([
    connect(db.url),
    connect(samplesDb.url),
    connect(filesDb.url),
  ]);

  return {
    submission,
    files,
    samples: () => samples,
    url: server.url,
    filesUrl: filesServer.url,
    samplesUrl,
    signer,
    audited,
    as: (roles, userId) => bearerFor(signer, roles, userId),
    gql: (query, variables, headers) => post(`${server.url}/graphql`, query, variables, headers),
    samplesGql: (query, variables, headers) => post(`${samplesUrl}/graphql`, query, variables, headers),
    filesGql: (query, variables, headers) => post(`${filesServer.url}/graphql`, query, variables, headers),
    async importFile(bytes, name, headers, selection = SUBMISSION_SCALARS) {
      const { body, contentType } = multipartBody(
        {
          query: `mutation ($file: Upload!) { importSubmission(file: $file) { ${selection} } }`,
          variables: { file: null },
        },
        { 0: ['variables.file'] },
        [{ name, bytes }],
      );
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { ...headers, 'content-type': contentType, 'apollo-require-preflight': 'true' },
        body,
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
    },
    sql: async (text, values) => (await client.query(text, values)).rows,
    samplesSql: async (text, values) => (await samplesClient.query(text, values)).rows,
    filesSql: async (text, values) => (await filesClient.query(text, values)).rows,
    stopSamples,
    startSamples,
    async close() {
      await Promise.all([client.end(), samplesClient.end(), filesClient.end()]);
      await server.close();
      await submission.close();
      await filesServer.close();
      await files.close();
      if (samplesServer) await stopSamples();
      await new Promise<void>((resolve) => audit.server.close(() => resolve()));
      await Promise.all([db.drop(), filesDb.drop(), samplesDb.drop()]);
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
