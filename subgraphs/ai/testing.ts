// Test support for the ai subgraph's own tests: the shared subgraph harness around the ai subgraph (real JWTs,
// GraphQL over real HTTP, a fresh database), signed command batches and signed GETs as the submission subgraph
// sends them, and jobs as the queue leaves them.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startSubgraphHarness, type SubgraphHarness } from '../../test/helpers/subgraph-harness.ts';
import {
  EXTRACTION_COMMANDS_PATH,
  EXTRACTION_ENTITY,
  SUBMISSION_SERVICE,
  type ExtractionRequested,
  type SubmissionAccepted,
} from '../kit/extraction-wire.ts';
import type { OutboxRelayOptions } from '../kit/outbox-relay.ts';
import type { WireEvent } from '../kit/outbox-wire.ts';
import { postSigned } from '../kit/service-auth.ts';
import { signedGet } from '../kit/signed-get.ts';
import type { TestSigner } from '../kit/testing.ts';
import { loadAiConfig } from './config.ts';
import { createAiSubgraph, type AiSubgraph, type AiSubgraphDeps } from './server.ts';

export const RELAY_SECRET = 'ai-test-relay-secret-0123456789abcdef';

/** Relay timing for tests: quick polls and short backoffs. */
export const FAST_RELAY: Partial<OutboxRelayOptions> = {
  pollIntervalMs: 50,
  notifyDelayMs: 5,
  requestTimeoutMs: 5_000,
  backoff: { initialMs: 50, maxMs: 200, jitter: 0 },
};

export const JOB_SCALARS = `id kind status attempts maxAttempts progress { pagesDone pagesTotal } queuedAt startedAt
  finishedAt durationMs errorCode errorMessage model promptVersion ocrVersion cancelRequested submission { id }
  file { id }`;

export type AiHarness = SubgraphHarness<AiSubgraph> & {
  /** POSTs a signed command batch to EXTRACTION_COMMANDS_PATH as `service` (default submission). */
  sendCommands(
    events: unknown[],
    options?: { service?: string; secret?: string },
  ): Promise<{ status: number; body: { results?: { id: string; status: string; code?: string }[] } }>;
  /** A signed GET of `path` as `service` (default submission). */
  signedGet(path: string, service?: string): Promise<Response>;
  /** /metrics as text. */
  metrics(): Promise<string>;
};

export async function startAiHarness(
  options: AiSubgraphDeps = {},
  env: Record<string, string> = {},
  signer?: TestSigner,
): Promise<AiHarness> {
  const h = await startSubgraphHarness({
    domain: 'ai',
    signer,
    // No runner unless a test asks for one: the jobs a test writes stay as it wrote them.
    env: { OUTBOX_RELAY_SECRET: RELAY_SECRET, AI_JOB_CONCURRENCY: '0', ...env },
    start: (env, deps) => createAiSubgraph(loadAiConfig(env), { ...deps, ...options }),
  });
  return {
    ...h,
    async sendCommands(events, { service = SUBMISSION_SERVICE, secret = RELAY_SECRET } = {}) {
      const response = await postSigned(`${h.url}${EXTRACTION_COMMANDS_PATH}`, JSON.stringify({ events }), {
        secret,
        service,
      });
      return { status: response.status, body: (await response.json()) as never };
    },
    signedGet: (path, service = SUBMISSION_SERVICE) =>
      signedGet(`${h.url}${path}`, { secret: RELAY_SECRET, service, timeoutMs: 5000 }),
    metrics: async () => (await fetch(`${h.url}/metrics`)).text(),
  };
}

/** A document as the submission subgraph would request its extraction. */
export function extractionRequest(overrides: Partial<ExtractionRequested> = {}): ExtractionRequested {
  const bytes = randomBytes(64);
  return {
    submissionId: randomUUID(),
    ownerId: randomUUID(),
    fileId: randomUUID(),
    kind: 'SCANNED_QUOTE',
    fileName: 'quote.png',
    mediaType: 'image/png',
    byteSize: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...overrides,
  };
}

/** An accepted submission's values as the submission subgraph sends them. */
export function acceptedValues(overrides: Partial<SubmissionAccepted> = {}): SubmissionAccepted {
  return {
    submissionId: randomUUID(),
    ownerId: randomUUID(),
    quoteIdentifier: 'HTSF--JL-147',
    lab: 'Jones Lab',
    serviceRequested: 'Nanopore sequencing',
    libraryKit: 'SQK-LSK114',
    sampleTypes: ['gDNA'],
    sourceOrganism: 'E. coli',
    sampleBuffers: ['EB'],
    flowCellFormats: ['MinION'],
    approxGenomeSize: '5 Mb',
    approxCoverage: '50x',
    comments: null,
    sampleCount: 3,
    acceptedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A command as the submission subgraph's relay delivers it. */
export function commandEvent(
  type: string,
  payload: { submissionId: string; ownerId?: string } & Record<string, unknown>,
  sequence = 1,
): WireEvent {
  return {
    id: randomUUID(),
    type,
    entityType: EXTRACTION_ENTITY,
    entityId: payload.submissionId,
    ownerId: payload.ownerId ?? null,
    actor: { userId: null, roles: [] },
    service: SUBMISSION_SERVICE,
    requestId: null,
    occurredAt: new Date().toISOString(),
    sequence,
    changes: {},
    payload: payload as unknown as Record<string, unknown>,
  };
}
