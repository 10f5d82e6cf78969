// Test support for the submission subgraph's own tests: the shared subgraph harness around the submission subgraph,
// next to a real files subgraph (where imports store their original; it asks the submission subgraph whether the
// caller may see the submission) and a real samples subgraph (whose signed intake receives the sample commands of
// accepted submissions), all verifying real JWTs from one test signer, over real HTTP. The samples subgraph can be
// stopped and started again on the same port and database, to test delivery while it is down. A stub audit
// receiver takes the outbox (so both relays run side by side, as in production).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../scripts/free-port.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { multipartBody, postMultipart, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { startSubgraphHarness, type SubgraphHarness } from '../../test/helpers/subgraph-harness.ts';
import { startFilesSubgraphHarness, type FilesSubgraphHarness } from '../files/testing.ts';
import type { OutboxRelayOptions } from '../kit/outbox-relay.ts';
import type { IngestResult } from '../kit/outbox-wire.ts';
import { createTestSigner } from '../kit/testing.ts';
import { startSamplesHarness, type SamplesHarness } from '../samples/testing.ts';
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

export interface SubmissionHarness extends SubgraphHarness<SubmissionSubgraph> {
  files: FilesSubgraphHarness;
  /** The samples subgraph currently running (a new one after startSamples). */
  readonly samples: SamplesHarness;
  /** importSubmission as a GraphQL multipart request straight to the submission subgraph. */
  importFile(
    bytes: Uint8Array,
    name: string,
    headers: Record<string, string>,
    selection?: string,
  ): Promise<GraphQLResponse>;
  /** Stops the samples subgraph (its port refuses connections until startSamples). */
  stopSamples(): Promise<void>;
  startSamples(): Promise<void>;
  /** Events the stub audit receiver got. */
  audited: { type: string; entityId: string }[];
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

export async function startSubmissionHarness(
  env: Record<string, string> = {},
  options: SubmissionSubgraphDeps = {},
): Promise<SubmissionHarness> {
  const signer = await createTestSigner();
  const [samplesPort, submissionPort] = [await freePort(), await freePort()];
  const submissionUrl = `http://127.0.0.1:${submissionPort}`;
  const audited: SubmissionHarness['audited'] = [];
  const audit = await startAuditStub(audited);

  const samplesDb = await createTestDatabase('samples');
  const startSamples = () =>
    startSamplesHarness(
      { OUTBOX_RELAY_SECRET: RELAY_SECRET },
      {},
      { db: samplesDb, signer, port: samplesPort },
    );
  let samples: SamplesHarness | undefined = await startSamples();
  const samplesUrl = samples.url;

  const files = await startFilesSubgraphHarness(
    { SAMPLES_GRAPHQL_URL: `${samplesUrl}/graphql`, SUBMISSION_GRAPHQL_URL: `${submissionUrl}/graphql` },
    {},
    signer,
  );

  const h = await startSubgraphHarness({
    domain: 'submission',
    signer,
    port: submissionPort,
    env: {
      FILES_GRAPHQL_URL: `${files.url}/graphql`,
      SAMPLES_COMMANDS_URL: samplesUrl,
      OUTBOX_RELAY_SECRET: RELAY_SECRET,
      AUDIT_INGEST_URL: audit.url,
      ...env,
    },
    start: (env, deps) =>
      createSubmissionSubgraph(loadSubmissionConfig(env), {
        ...deps,
        outboxRelay: FAST_RELAY,
        sampleCommandRelay: FAST_RELAY,
        extractionCommandRelay: FAST_RELAY,
        ...options,
      }),
  });

  const stopSamples = async () => {
    await samples?.close();
    samples = undefined;
  };
  return {
    ...h,
    files,
    get samples() {
      if (!samples) throw new Error('the samples subgraph is stopped (startSamples)');
      return samples;
    },
    audited,
    importFile: (bytes, name, headers, selection = SUBMISSION_SCALARS) =>
      postMultipart(
        `${h.url}/graphql`,
        multipartBody(
          {
            query: `mutation ($file: Upload!) { importSubmission(file: $file) { ${selection} } }`,
            variables: { file: null },
          },
          { 0: ['variables.file'] },
          [{ name, bytes }],
        ),
        headers,
      ),
    stopSamples,
    async startSamples() {
      samples = await startSamples();
    },
    async close() {
      await h.close();
      await files.close();
      await stopSamples();
      await new Promise<void>((resolve) => audit.server.close(() => resolve()));
      await samplesDb.drop();
    },
  };
}
