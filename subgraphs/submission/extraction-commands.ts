// The commands this subgraph sends the ai subgraph (kit/extraction-wire.ts): EXTRACTION_REQUESTED when a document
// the quote reader cannot read is kept EXTRACTING, EXTRACTION_FILE_STORED once its original is stored in the files
// subgraph, SUBMISSION_ACCEPTED when a submission is accepted (its verified
// values, corrections applied, for the ai subgraph's retrieval corpus). Each is written into extraction_command in
// the transaction of the change it follows and delivered at least once by the extraction relay (server.ts).
import { randomUUID } from 'node:crypto';
import type { Prisma, Submission } from '../../generated/prisma/submission/client.ts';
import {
  EXTRACTION_ENTITY,
  EXTRACTION_FILE_STORED,
  EXTRACTION_REQUESTED,
  extractionFileStoredSchema,
  extractionRequestedSchema,
  SUBMISSION_ACCEPTED,
  submissionAcceptedSchema,
  type ExtractionFileStored,
  type ExtractionRequested,
  type SubmissionAccepted,
} from '../kit/extraction-wire.ts';
import { SERVICE_NAME, type Caller } from './deps.ts';
import { readForm } from './submission-data.ts';

/** The table the extraction relay delivers (prisma/submission/schema.prisma's ExtractionCommand). */
export const EXTRACTION_COMMAND_TABLE = 'extraction_command';

type Tx = Prisma.TransactionClient;

async function insertCommand(
  tx: Tx,
  caller: Caller,
  submission: Pick<Submission, 'id' | 'submittedById'>,
  type: string,
  payload: ExtractionRequested | ExtractionFileStored | SubmissionAccepted,
  now: Date,
): Promise<void> {
  await tx.extractionCommand.create({
    data: {
      id: randomUUID(),
      type,
      entityType: EXTRACTION_ENTITY,
      entityId: submission.id,
      ownerId: submission.submittedById,
      actorId: caller.userId,
      actorRoles: caller.roles,
      service: SERVICE_NAME,
      requestId: caller.requestId,
      occurredAt: now,
      changes: {},
      payload: payload as unknown as Prisma.InputJsonValue,
    },
  });
}

/** Asks the ai subgraph to read the submission's document (served at documentPath while EXTRACTING). */
export function requestExtraction(
  tx: Tx,
  caller: Caller,
  submission: Submission,
  request: Omit<ExtractionRequested, 'submissionId' | 'ownerId'>,
  now: Date,
): Promise<void> {
  // Parsed here so that a payload the receiver would refuse fails the import, not the relay, for good.
  const payload = extractionRequestedSchema.parse({
    ...request,
    submissionId: submission.id,
    ownerId: submission.submittedById,
  });
  return insertCommand(tx, caller, submission, EXTRACTION_REQUESTED, payload, now);
}

const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

/** The verified values of an accepted submission, within the contract's bounds. */
export function acceptedPayload(submission: Submission, sampleCount: number): SubmissionAccepted {
  const form = readForm(submission.form);
  return submissionAcceptedSchema.parse({
    submissionId: submission.id,
    ownerId: submission.submittedById,
    quoteIdentifier: clip(submission.quoteIdentifier, 100),
    lab: clip(submission.lab, 500),
    serviceRequested: clip(submission.serviceRequested, 500),
    libraryKit: clip(form.libraryKit, 100),
    sampleTypes: form.sampleTypes.slice(0, 10),
    sourceOrganism: clip(form.sourceOrganism, 500),
    sampleBuffers: form.sampleBuffers.slice(0, 10),
    flowCellFormats: form.flowCellFormats.slice(0, 10),
    approxGenomeSize: clip(form.approxGenomeSize, 100),
    approxCoverage: clip(form.approxCoverage, 100),
    comments: clip(form.comments, 2000),
    sampleCount,
    acceptedAt: (submission.acceptedAt ?? new Date()).toISOString(),
  });
}

/** Tells the ai subgraph where the original of a submission it was asked to read is stored (File.extraction). */
export function announceFileStored(
  tx: Tx,
  caller: Caller,
  submission: Submission,
  fileId: string,
  now: Date,
): Promise<void> {
  const payload = extractionFileStoredSchema.parse({ submissionId: submission.id, fileId });
  return insertCommand(tx, caller, submission, EXTRACTION_FILE_STORED, payload, now);
}

/** Tells the ai subgraph what staff verified (the accept's transaction). */
export function announceAccepted(
  tx: Tx,
  caller: Caller,
  submission: Submission,
  sampleCount: number,
  now: Date,
): Promise<void> {
  return insertCommand(
    tx,
    caller,
    submission,
    SUBMISSION_ACCEPTED,
    acceptedPayload(submission, sampleCount),
    now,
  );
}
