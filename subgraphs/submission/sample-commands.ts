// The commands an accepted submission sends to the samples subgraph: one `submission.sample_committed` per
// SAMPLE or CONTROL row (EMPTY rows are skipped), written into the sample_command table in the accept's
// transaction and delivered by the second relay (server.ts) to the samples subgraph; kit/sample-command-wire.ts is
// the contract. A row's own values (a sheet's) win over the form's, which apply to every row.
import { randomUUID } from 'node:crypto';
import type { Submission, SubmissionRow } from '../../generated/prisma/submission/client.ts';
import {
  SAMPLE_COMMAND_ENTITY,
  SAMPLE_COMMITTED,
  type SampleCommandPayload,
} from '../kit/sample-command-wire.ts';
import type { Caller } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import { readDetails, readForm, type SubmissionFormData } from './submission-data.ts';

/** What sample_command's Prisma model takes (the outbox_event columns). */
export interface SampleCommandData {
  id: string;
  type: string;
  entityType: string;
  entityId: string;
  ownerId: string;
  actorId: string;
  actorRoles: string[];
  service: string;
  requestId: string | null;
  occurredAt: Date;
  changes: Record<string, never>;
  payload: SampleCommandPayload;
}

/**
 * The facility's id of a row's sample: the quote identifier without its facility prefix, then the row number
 * zero-padded to 3 (HTSF--JL-147, row 3 -> JL-147-003). Null without a quote identifier (a sheet).
 */
export function labSampleIdFor(quoteIdentifier: string | null, rowNumber: number): string | null {
  if (!quoteIdentifier) return null;
  const match = /^[A-Z0-9]+--(.+)$/i.exec(quoteIdentifier.trim());
  const base = (match?.[1] ?? quoteIdentifier.trim()).toUpperCase();
  return `${base}-${String(rowNumber).padStart(3, '0')}`;
}

const BUFFER_NAMES: Record<string, string> = { EB: 'EB', NUCLEASE_FREE_WATER: 'Nuclease-Free Water' };
const FILE_FORMATS: Record<string, string[]> = { FASTQ_BAM: ['FASTQ', 'BAM'], POD5: ['POD5'] };

/** The one value of a list, or null when the form chose none or several (the row must then say). */
const single = <T>(values: readonly T[]): T | null => (values.length === 1 ? values[0]! : null);

function requestFields(form: SubmissionFormData) {
  const buffer = single(form.sampleBuffers);
  return {
    libraryKit: form.libraryKit,
    sourceOrganism: form.sourceOrganism,
    containsHumanDna: form.containsHumanDna,
    fileFormats: [...new Set(form.fileFormats.flatMap((f) => FILE_FORMATS[f] ?? []))],
    basecalling: form.basecalling,
    formBuffer: buffer ? (BUFFER_NAMES[buffer] ?? buffer) : null,
  };
}

/** The command payload of one row. */
export function sampleCommandPayload(submission: Submission, row: SubmissionRow): SampleCommandPayload {
  const form = readForm(submission.form);
  const details = readDetails(row.details);
  const request = requestFields(form);
  return {
    submissionId: submission.id,
    rowNumber: row.rowNumber,
    name: (row.sampleName ?? '').trim(),
    isControl: row.kind === 'CONTROL',
    ownerId: submission.submittedById,
    labSampleId: labSampleIdFor(submission.quoteIdentifier, row.rowNumber),
    quoteIdentifier: submission.quoteIdentifier,
    requesterName: details.requesterName ?? submission.requesterName,
    requesterEmail: details.requesterEmail ?? submission.requesterEmail,
    lab: details.lab ?? submission.lab,
    measurements: {
      volumeUl: row.volumeUl,
      qubitNgPerUl: row.qubitNgPerUl,
      nanodropNgPerUl: row.nanodropNgPerUl,
      a260_280: row.a260_280,
      a260_230: row.a260_230,
      concentrationNgPerUl: row.concentrationNgPerUl,
    },
    libraryKit: request.libraryKit,
    flowCellFormat: details.flowCellFormat ?? single(form.flowCellFormats),
    sampleType: details.materialType ?? single(form.sampleTypes),
    nucleicAcid: details.nucleicAcid ?? 'DNA',
    sourceOrganism: request.sourceOrganism,
    containsHumanDna: request.containsHumanDna,
    buffer: details.buffer ?? request.formBuffer,
    chemistry: details.chemistry ?? null,
    productCode: details.productCode ?? null,
    priority: details.priority ?? null,
    fileFormats: request.fileFormats,
    basecalling: request.basecalling,
  };
}

/** One command per SAMPLE and CONTROL row, in grid order. */
export function buildSampleCommands(
  caller: Caller,
  submission: Submission,
  rows: readonly SubmissionRow[],
  now: Date,
): SampleCommandData[] {
  return rows
    .filter((row) => row.kind !== 'EMPTY')
    .sort((a, b) => a.rowNumber - b.rowNumber)
    .map((row) => ({
      id: randomUUID(),
      type: SAMPLE_COMMITTED,
      entityType: SAMPLE_COMMAND_ENTITY,
      entityId: submission.id,
      ownerId: submission.submittedById,
      actorId: caller.userId,
      actorRoles: caller.roles,
      service: SERVICE_NAME,
      requestId: caller.requestId,
      occurredAt: now,
      changes: {},
      payload: sampleCommandPayload(submission, row),
    }));
}
