// The contract between the submission subgraph (sender) and the samples subgraph (receiver) for the samples of
// accepted submissions, as ./outbox-wire.ts is between every relay and the audit subgraph. One definition, used
// by both sides: the submission subgraph builds SampleCommandPayloads; the samples subgraph checks commands with
// checkSampleCommand.
//
// The submission subgraph writes one SAMPLE_COMMITTED command per SAMPLE/CONTROL row into its sample_command
// outbox, and its second relay delivers them at least once, signed as the service SAMPLE_COMMAND_SENDER with
// OUTBOX_RELAY_SECRET, to the samples subgraph (received by ./signed-batch.ts):
//   POST /internal/samples/commands   body { events: [WireEvent ...] }   answers { results: [IngestResult ...] }
// A command is a WireEvent about the submission (entityType SAMPLE_COMMAND_ENTITY, entityId the payload's
// submissionId) whose payload carries everything its sample needs, so that the samples subgraph never calls back.
import { z } from 'zod';
import { parseWireEvent, rejectWireEvent, type IngestResult, type WireEvent } from './outbox-wire.ts';

export const SAMPLE_COMMANDS_PATH = '/internal/samples/commands';
export const SAMPLE_COMMITTED = 'submission.sample_committed';
/** The only service that may send sample commands. */
export const SAMPLE_COMMAND_SENDER = 'submission';
export const SAMPLE_COMMAND_ENTITY = 'Submission';

const text = z.string().max(2000).nullish();
const measurement = z.number().nullish();

export const sampleCommandPayloadSchema = z.object({
  submissionId: z.uuid(),
  rowNumber: z.number().int().positive(),
  name: z.string().trim().min(1).max(200),
  isControl: z.boolean(),
  ownerId: z.uuid(),
  labSampleId: text,
  /** The quote the row came from (null for a sheet); its lab sample id is derived from it. */
  quoteIdentifier: text,
  requesterName: text,
  requesterEmail: text,
  lab: text,
  measurements: z
    .object({
      volumeUl: measurement,
      qubitNgPerUl: measurement,
      nanodropNgPerUl: measurement,
      a260_280: measurement,
      a260_230: measurement,
      concentrationNgPerUl: measurement,
    })
    .partial()
    .nullish(),
  libraryKit: text,
  flowCellFormat: z.enum(['MINION', 'PROMETHION', 'FLONGLE']).nullish(),
  sampleType: z.enum(['HMW_DNA', 'FRAGMENTED_DNA', 'PCR_AMPLICONS', 'CDNA']).nullish(),
  nucleicAcid: z.enum(['DNA', 'RNA']).nullish(),
  sourceOrganism: text,
  containsHumanDna: z.boolean().nullish(),
  buffer: text,
  chemistry: text,
  productCode: text,
  priority: z.enum(['URGENT', 'HIGH', 'NORMAL', 'LOW']).nullish(),
  fileFormats: z.array(z.string().max(20)).max(10).nullish(),
  basecalling: z.array(z.string().max(20)).max(10).nullish(),
});

export type SampleCommandPayload = z.infer<typeof sampleCommandPayloadSchema>;

export type CheckedSampleCommand =
  { ok: true; event: WireEvent; payload: SampleCommandPayload } | { ok: false; result: IngestResult };

/** Validates one delivered command: the wire shape, its type and entity, then its payload. */
export function checkSampleCommand(raw: unknown): CheckedSampleCommand {
  const parsed = parseWireEvent(raw);
  if (!parsed.ok) return parsed;
  const reject = (code: string, message: string) => rejectWireEvent(raw, code, message);
  const event = parsed.event;
  if (event.type !== SAMPLE_COMMITTED)
    return reject('UNKNOWN_COMMAND', `${event.type} is not a sample command`);
  const payload = sampleCommandPayloadSchema.safeParse(event.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    return reject(
      'INVALID_PAYLOAD',
      `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (event.entityType !== SAMPLE_COMMAND_ENTITY || event.entityId !== payload.data.submissionId) {
    return reject('INVALID_PAYLOAD', 'the command is not about the submission its payload names');
  }
  return { ok: true, event, payload: payload.data };
}
