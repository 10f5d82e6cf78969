// The contract between the submission subgraph and the ai subgraph for documents the quote reader cannot read
// itself (a scanned quote, an image, a free-form document). Commands are small signed WireEvents delivered at
// least once by an outbox relay (./signed-batch.ts receives them); the bulky parts (the document's bytes, the
// extraction's result) are fetched by the receiver over a signed GET (./signed-get.ts), so no event outgrows
// MAX_EVENT_BYTES and nothing is copied into an outbox.
//
//   submission -> ai   POST EXTRACTION_COMMANDS_PATH   EXTRACTION_REQUESTED { submissionId, document ... }
//   ai -> submission   GET  documentPath(submissionId)  the document's bytes, while the submission is EXTRACTING
//   ai -> submission   POST EXTRACTION_RESULTS_PATH    EXTRACTION_FINISHED { jobId, submissionId, status ... }
//   submission -> ai   GET  resultPath(jobId)           ExtractionResult (JSON), once the job has SUCCEEDED
//   submission -> ai   POST EXTRACTION_COMMANDS_PATH   EXTRACTION_FILE_STORED { submissionId, fileId }: the original
//                                                     stored in the files subgraph (after the request: File.extraction)
//   submission -> ai   POST EXTRACTION_COMMANDS_PATH   SUBMISSION_ACCEPTED { verified values }: retrieval corpus
import { z } from 'zod';
import { parseWireEvent, rejectWireEvent, type IngestResult, type WireEvent } from './outbox-wire.ts';
import { pageModelSchema } from './page-model.ts';

export const EXTRACTION_COMMANDS_PATH = '/internal/ai/commands';
export const EXTRACTION_RESULTS_PATH = '/internal/submission/extractions';
export const DOCUMENT_PATH = '/internal/submission/documents/:submissionId';
export const RESULT_PATH = '/internal/ai/extractions/:jobId/result';

export const documentPath = (submissionId: string) => `/internal/submission/documents/${submissionId}`;
export const resultPath = (jobId: string) => `/internal/ai/extractions/${jobId}/result`;

/** The services allowed on each side (the signer's name in the Outbox-HMAC header). */
export const SUBMISSION_SERVICE = 'submission';
export const AI_SERVICE = 'ai';

export const EXTRACTION_REQUESTED = 'submission.extraction_requested';
export const SUBMISSION_ACCEPTED = 'submission.accepted_for_retrieval';
export const EXTRACTION_FILE_STORED = 'submission.extraction_file_stored';
export const EXTRACTION_FINISHED = 'ai.extraction_finished';
export const EXTRACTION_ENTITY = 'Submission';

/** What the ai subgraph is asked to do with a document. */
export const extractionKinds = ['SCANNED_QUOTE', 'DOCUMENT'] as const;
export type ExtractionKind = (typeof extractionKinds)[number];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const text = (max: number) => z.string().max(max).nullish();

export const extractionRequestedSchema = z.object({
  submissionId: z.uuid(),
  /** The submitter: who may see the job besides staff. */
  ownerId: z.uuid(),
  /** The original in the files subgraph, when it was stored there (File.extraction). */
  fileId: z.uuid().nullish(),
  kind: z.enum(extractionKinds),
  fileName: z.string().min(1).max(255),
  mediaType: z.enum(['application/pdf', 'image/png', 'image/jpeg', 'image/tiff', 'text/plain']),
  byteSize: z.number().int().positive(),
  /** Of the bytes served at documentPath: the same document twice is one job. */
  sha256,
});
export type ExtractionRequested = z.infer<typeof extractionRequestedSchema>;

/** The original is stored in the files subgraph only after the submission's transaction: its id follows. */
export const extractionFileStoredSchema = z.object({ submissionId: z.uuid(), fileId: z.uuid() });
export type ExtractionFileStored = z.infer<typeof extractionFileStoredSchema>;

/** An accepted submission's verified values (corrections applied), for similarSubmissions and the vocabulary. */
export const submissionAcceptedSchema = z.object({
  submissionId: z.uuid(),
  ownerId: z.uuid(),
  quoteIdentifier: text(100),
  lab: text(500),
  serviceRequested: text(500),
  libraryKit: text(100),
  sampleTypes: z.array(z.string().max(50)).max(10),
  sourceOrganism: text(500),
  sampleBuffers: z.array(z.string().max(50)).max(10),
  flowCellFormats: z.array(z.string().max(50)).max(10),
  approxGenomeSize: text(100),
  approxCoverage: text(100),
  comments: text(2000),
  sampleCount: z.number().int().nonnegative(),
  acceptedAt: z.iso.datetime({ offset: true }),
});
export type SubmissionAccepted = z.infer<typeof submissionAcceptedSchema>;

export const extractionFinishedSchema = z.object({
  jobId: z.uuid(),
  submissionId: z.uuid(),
  status: z.enum(['SUCCEEDED', 'FAILED', 'CANCELLED']),
  /** Set when FAILED: the job's error code (e.g. PAGE_TIMEOUT, NOT_AN_IMAGE, LLM_INVALID_OUTPUT). */
  errorCode: text(100),
  errorMessage: text(2000),
});
export type ExtractionFinished = z.infer<typeof extractionFinishedSchema>;

/** One value the LLM proposed, checked against the source text. */
export const draftValueSchema = z.object({
  /** Path in the submission, e.g. `form.sourceOrganism` or `rows[3].sampleName`. */
  path: z.string().max(200),
  value: z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]),
  confidence: z.number().min(0).max(1),
  /** Where the value was found in the source text (character offsets), null when it was not found there. */
  source: z.object({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative() }).nullable(),
  method: z.enum(['LLM', 'OCR', 'PIXELS', 'RULE']),
});

/** What a SUCCEEDED job produced, fetched by the submission subgraph at resultPath(jobId). */
export const extractionResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('PAGES'),
    /** The OCR engine and model, e.g. `tesseract.js 7.0.0 eng 4.0.0_best_int`. */
    ocrVersion: z.string().max(200),
    /** Scanned pages in the quote reader's page model: words with OCR confidence, shapes from the pixels. */
    pages: z.array(pageModelSchema).max(50),
  }),
  z.object({
    kind: z.literal('DRAFT'),
    model: z.string().max(200),
    promptVersion: z.string().max(100),
    values: z.array(draftValueSchema).max(5000),
    issues: z
      .array(
        z.object({ path: z.string().max(200), code: z.string().max(100), message: z.string().max(2000) }),
      )
      .max(5000),
  }),
]);
export type ExtractionResult = z.infer<typeof extractionResultSchema>;

export type CheckedCommand<T> =
  { ok: true; event: WireEvent; payload: T } | { ok: false; result: IngestResult };

/** Validates one delivered command of the given types: wire shape, type, entity, payload. */
export function checkCommand<T>(raw: unknown, schemas: Record<string, z.ZodType<T>>): CheckedCommand<T> {
  const parsed = parseWireEvent(raw);
  if (!parsed.ok) return parsed;
  const reject = (code: string, message: string) => rejectWireEvent(raw, code, message);
  const event = parsed.event;
  const schema = schemas[event.type];
  if (!schema) return reject('UNKNOWN_COMMAND', `${event.type} is not accepted here`);
  const payload = schema.safeParse(event.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    return reject(
      'INVALID_PAYLOAD',
      `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const submissionId = (payload.data as { submissionId?: unknown }).submissionId;
  if (event.entityType !== EXTRACTION_ENTITY || event.entityId !== submissionId)
    return reject('INVALID_PAYLOAD', 'the command is not about the submission its payload names');
  return { ok: true, event, payload: payload.data };
}
