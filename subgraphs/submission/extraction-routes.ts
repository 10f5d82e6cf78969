// The ai subgraph's two ways into this subgraph (kit/extraction-wire.ts), signed with OUTBOX_RELAY_SECRET and
// taken from the ai service only:
//   GET  DOCUMENT_PATH             the bytes of an EXTRACTING submission's document (404 unknown, 409 not extracting)
//   POST EXTRACTION_RESULTS_PATH   EXTRACTION_FINISHED notices, delivered at least once by the ai subgraph's relay
import type { Express } from 'express';
import {
  AI_SERVICE,
  checkCommand,
  DOCUMENT_PATH,
  EXTRACTION_FINISHED,
  EXTRACTION_RESULTS_PATH,
  extractionFinishedSchema,
  type ExtractionFinished,
} from '../kit/extraction-wire.ts';
import type { Logger } from '../kit/logger.ts';
import type { IngestResult } from '../kit/outbox-wire.ts';
import { mountSignedBatchEndpoint } from '../kit/signed-batch.ts';
import { mountSignedGet } from '../kit/signed-get.ts';
import { isUuid } from '../kit/uuid.ts';
import type { ExtractionService } from './extraction.service.ts';

export interface ExtractionRoutesOptions {
  /** OUTBOX_RELAY_SECRET; without it both answer 503. */
  secret: string | undefined;
  extractions: ExtractionService;
  log: Logger;
  /** Called after a batch that changed submissions (their audit events wait in the outbox). */
  onStored?: () => void;
}

export function mountExtractionRoutes(app: Express, options: ExtractionRoutesOptions): void {
  const { extractions } = options;
  mountSignedGet(app, DOCUMENT_PATH, {
    secret: options.secret,
    senders: [AI_SERVICE],
    log: options.log,
    async handle(req, res) {
      const id = String(req.params.submissionId ?? '');
      const found = isUuid(id) ? await extractions.document(id.toLowerCase()) : 'unknown';
      if (found === 'unknown') {
        res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no document for this submission' } });
        return;
      }
      if (found === 'not-extracting') {
        res
          .status(409)
          .json({ error: { code: 'NOT_EXTRACTING', message: 'the submission is no longer extracting' } });
        return;
      }
      res
        .status(200)
        .set({
          'content-type': found.mediaType,
          'content-length': String(found.bytes.length),
          // The receiver checks it against EXTRACTION_REQUESTED's sha256.
          'x-content-sha256': found.sha256,
          'cache-control': 'no-store',
        })
        .end(Buffer.from(found.bytes));
    },
  });

  mountSignedBatchEndpoint(app, EXTRACTION_RESULTS_PATH, {
    secret: options.secret,
    senders: [AI_SERVICE],
    log: options.log,
    what: 'extraction notices',
    async handle(events) {
      const results: IngestResult[] = [];
      // One at a time: each may fetch a result and read a scan in the document worker.
      for (const raw of events) {
        const checked = checkCommand<ExtractionFinished>(raw, {
          [EXTRACTION_FINISHED]: extractionFinishedSchema,
        });
        results.push(checked.ok ? await extractions.finish(checked.event, checked.payload) : checked.result);
      }
      if (results.some((r) => r.status === 'stored')) options.onStored?.();
      return results;
    },
  });
}
