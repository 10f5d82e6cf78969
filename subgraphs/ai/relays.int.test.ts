// The ai subgraph with a real job runner (createJobRunner, built by the server's runner factory) end to end
// over real HTTP: a signed EXTRACTION_REQUESTED queues a job; the runner, started by listen, fetches the document
// with a signed GET from the submission side, succeeds; the notice relay delivers EXTRACTION_FINISHED, signed, to
// EXTRACTION_RESULTS_PATH; the result is then served at RESULT_PATH. The submission side here is the kit's own
// signed endpoints (kit/signed-batch.ts, kit/signed-get.ts) on an express app, as the submission subgraph mounts
// them.
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/eventually.ts';
import {
  AI_SERVICE,
  DOCUMENT_PATH,
  EXTRACTION_FINISHED,
  EXTRACTION_REQUESTED,
  EXTRACTION_RESULTS_PATH,
  resultPath,
} from '../kit/extraction-wire.ts';
import { createLogger } from '../kit/logger.ts';
import type { WireEvent } from '../kit/outbox-wire.ts';
import { mountSignedBatchEndpoint } from '../kit/signed-batch.ts';
import { mountSignedGet } from '../kit/signed-get.ts';
import { createJobRunner } from './jobs/runner.ts';
import { EMPTY_PAGES } from './jobs/testing.ts';
import {
  commandEvent,
  extractionRequest,
  FAST_RELAY,
  RELAY_SECRET,
  startAiHarness,
  type AiHarness,
} from './testing.ts';

const log = createLogger({ level: 'silent' });
const document = randomBytes(2048);
const received: WireEvent[] = [];
let submissionSide: Server;
let h: AiHarness;
const extracted: number[] = [];

beforeAll(async () => {
  const app = express();
  mountSignedGet(app, DOCUMENT_PATH, {
    secret: RELAY_SECRET,
    senders: [AI_SERVICE],
    log,
    async handle(_req, res) {
      res.type('image/png').send(document);
    },
  });
  mountSignedBatchEndpoint(app, EXTRACTION_RESULTS_PATH, {
    secret: RELAY_SECRET,
    senders: [AI_SERVICE],
    log,
    what: 'extraction notices',
    async handle(events) {
      received.push(...(events as WireEvent[]));
      return (events as WireEvent[]).map((e) => ({ id: e.id, status: 'stored' as const }));
    },
  });
  submissionSide = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => submissionSide.once('listening', resolve));
  const origin = `http://127.0.0.1:${(submissionSide.address() as AddressInfo).port}`;

  h = await startAiHarness(
    {
      noticeRelay: FAST_RELAY,
      runner: (parts) =>
        createJobRunner({
          prisma: parts.prisma,
          log: parts.log,
          fetchDocument: parts.fetchDocument,
          onFinished: parts.notify,
          pollMs: 50,
          extractors: {
            async SCANNED_QUOTE(attempt) {
              extracted.push(attempt.document.byteLength);
              return EMPTY_PAGES;
            },
            async DOCUMENT() {
              throw new Error('not asked for');
            },
          },
        }),
    },
    { SUBMISSION_INTERNAL_URL: origin },
  );
}, 60_000);
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => submissionSide?.close(resolve));
});

describe('runner, notice relay and result', () => {
  it('runs a requested job to SUCCEEDED and tells the submission side, which can fetch the result', async () => {
    const request = extractionRequest({
      byteSize: document.byteLength,
      sha256: createHash('sha256').update(document).digest('hex'),
    });
    const sent = await h.sendCommands([commandEvent(EXTRACTION_REQUESTED, request)]);
    expect(sent.body.results?.[0]?.status).toBe('stored');

    const notice = await eventually(async () => received.find((e) => e.entityId === request.submissionId), {
      what: 'the EXTRACTION_FINISHED notice',
      timeoutMs: 20_000,
    });
    expect(notice).toMatchObject({
      type: EXTRACTION_FINISHED,
      service: 'ai',
      entityType: 'Submission',
      ownerId: request.ownerId,
      payload: { submissionId: request.submissionId, status: 'SUCCEEDED' },
    });
    expect(extracted).toEqual([document.byteLength]);
    const jobId = (notice!.payload as { jobId: string }).jobId;
    const result = await h.signedGet(resultPath(jobId));
    expect(result.status).toBe(200);
    expect(await result.json()).toEqual(EMPTY_PAGES.result);
    expect((await h.events(jobId)).map((e) => e.type)).toEqual([
      'extraction.queued',
      'extraction.started',
      'extraction.succeeded',
    ]);
  });
});
