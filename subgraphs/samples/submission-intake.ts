// Samples from accepted submissions. The submission subgraph writes one `submission.sample_committed` command per
// SAMPLE/CONTROL row into its sample_command outbox; its relay delivers them here at least once:
//   POST /internal/samples/commands   body { events: [WireEvent ...] }, signed like audit ingestion and received
//   the same way (kit/signed-batch.ts), from the service 'submission' only; answers { results: [IngestResult] }.
// Each command creates its sample once: the sample of (submissionId, name) is the idempotency key (a unique
// index), so a redelivered command is acknowledged as a duplicate and never makes a second sample. The sample is
// created as createSample creates one (SUBMITTED, the sample.created audit event in this outbox), owned by the
// submission's submitter. Submission.samples, this subgraph's field on the submission entity, lists them
// (query.resolvers.ts, loaders.ts samplesBySubmission).
import type { Express } from 'express';
import { z } from 'zod';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import type { Logger } from '../kit/logger.ts';
import { wireEventSchema, type IngestResult, type WireEvent } from '../kit/outbox-wire.ts';
import { mountSignedBatchEndpoint } from '../kit/signed-batch.ts';
import type { SamplesServices } from './context.ts';
import type { Caller } from './deps.ts';
import type { CreateSampleFields } from './sample.service.ts';

export const SAMPLE_COMMANDS_PATH = '/internal/samples/commands';
export const SAMPLE_COMMITTED = 'submission.sample_committed';
/** Samples created at once from one batch (each its own transaction). */
const INTAKE_CONCURRENCY = 4;
/** The only service that may send sample commands. */
const SENDER = 'submission';

const text = z.string().max(2000).nullish();
const measurement = z.number().nullish();

/** The command's payload (the submission subgraph's sample-commands.ts builds it). */
const payloadSchema = z.object({
  submissionId: z.uuid(),
  rowNumber: z.number().int().positive(),
  name: z.string().trim().min(1).max(200),
  isControl: z.boolean(),
  ownerId: z.uuid(),
  labSampleId: text,
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
type CommandPayload = z.infer<typeof payloadSchema>;

/** What makes the sample: never dropped. Any other field is lost rather than the sample (createCommandHandler). */
const IDENTITY = new Set([
  'name',
  'ownerId',
  'submissionId',
  'rowNumber',
  'isControl',
  'nucleicAcid',
  'priority',
]);

type Checked = { ok: true; event: WireEvent; payload: CommandPayload } | { ok: false; result: IngestResult };

/** Validates one command: the wire shape, its type and entity, then its payload. */
export function checkCommand(raw: unknown): Checked {
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '';
  const reject = (code: string, message: string): Checked => ({
    ok: false,
    result: { id, status: 'rejected', code, message },
  });
  const parsed = wireEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject('INVALID_EVENT', `${issue?.path.join('.') || '(event)'}: ${issue?.message ?? 'invalid'}`);
  }
  const event = parsed.data;
  if (event.type !== SAMPLE_COMMITTED)
    return reject('UNKNOWN_COMMAND', `${event.type} is not a sample command`);
  const payload = payloadSchema.safeParse(event.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    return reject(
      'INVALID_PAYLOAD',
      `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (event.entityType !== 'Submission' || event.entityId !== payload.data.submissionId) {
    return reject('INVALID_PAYLOAD', 'the command is not about the submission its payload names');
  }
  return { ok: true, event, payload: payload.data };
}

/** The createSample fields of a command. */
export function toSampleFields(p: CommandPayload): CreateSampleFields {
  const m = p.measurements ?? {};
  const fields: Record<string, unknown> = {
    name: p.name,
    ownerId: p.ownerId,
    submissionId: p.submissionId,
    rowNumber: p.rowNumber,
    labSampleId: p.labSampleId,
    isControl: p.isControl,
    requesterName: p.requesterName,
    requesterEmail: p.requesterEmail,
    lab: p.lab,
    nucleicAcid: p.nucleicAcid ?? 'DNA',
    materialType: p.sampleType,
    sourceOrganism: p.sourceOrganism,
    buffer: p.buffer,
    containsHumanDna: p.containsHumanDna,
    volumeUl: m.volumeUl,
    qubitNgPerUl: m.qubitNgPerUl,
    nanodropNgPerUl: m.nanodropNgPerUl,
    a260_280: m.a260_280,
    a260_230: m.a260_230,
    libraryKit: p.libraryKit,
    flowCellFormat: p.flowCellFormat,
    chemistry: p.chemistry,
    productCode: p.productCode,
    basecallingModel: p.basecalling?.length ? p.basecalling.join('+') : null,
    fileFormats: p.fileFormats ?? [],
    priority: p.priority ?? 'NORMAL',
  };
  // Absent is "not given": a sample created from a command has nothing to clear.
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== null && v !== undefined),
  ) as CreateSampleFields;
}

interface GraphQLLikeError {
  extensions?: { code?: string; field?: string; rule?: string };
  message?: string;
}

export interface SubmissionIntakeOptions {
  /** OUTBOX_RELAY_SECRET; without it the intake answers 503 (commands wait in the submission subgraph). */
  secret: string | undefined;
  services: Pick<SamplesServices, 'samples'>;
  prisma: {
    sample: {
      findUnique(args: {
        where: { submissionId_name: { submissionId: string; name: string } };
      }): Promise<Sample | null>;
    };
  };
  log: Logger;
  /** Called after a batch that created samples (their sample.created events wait in the outbox). */
  onStored?: () => void;
}

export function createCommandHandler(options: Pick<SubmissionIntakeOptions, 'services' | 'prisma' | 'log'>) {
  const { services, prisma, log } = options;

  /** Creates the command's sample once; dropping a descriptive field the samples rules refuse, never the sample. */
  return async function apply(event: WireEvent, payload: CommandPayload): Promise<IngestResult> {
    const key = { submissionId: payload.submissionId.toLowerCase(), name: payload.name };
    if (await prisma.sample.findUnique({ where: { submissionId_name: key } }))
      return { id: event.id, status: 'duplicate' };
    const caller: Caller = {
      userId: event.actor.userId ?? payload.ownerId,
      roles: event.actor.roles,
      requestId: event.requestId,
      ownerId: null,
    };
    const fields: Record<string, unknown> = { ...toSampleFields(payload) };
    const dropped: Record<string, string> = {};
    for (;;) {
      try {
        await services.samples.create(caller, fields as CreateSampleFields);
        if (Object.keys(dropped).length) {
          log.warn(
            { eventId: event.id, submissionId: key.submissionId, name: key.name, dropped },
            'sample intake: fields dropped',
          );
        }
        return { id: event.id, status: 'stored' };
      } catch (error) {
        const { code, field, rule } = (error as GraphQLLikeError).extensions ?? {};
        // Another delivery of the same command won the race.
        if (code === 'CONFLICT' && field === 'name') return { id: event.id, status: 'duplicate' };
        const droppable = field && !IDENTITY.has(field) && fields[field] !== undefined;
        if (droppable && (code === 'BAD_USER_INPUT' || (code === 'CONFLICT' && field === 'labSampleId'))) {
          dropped[field] = rule ?? code;
          delete fields[field];
          continue;
        }
        if (code === 'BAD_USER_INPUT' || code === 'NOT_FOUND') {
          return { id: event.id, status: 'rejected', code: rule ?? code, message: (error as Error).message };
        }
        throw error;
      }
    }
  };
}

export function mountSubmissionIntake(app: Express, options: SubmissionIntakeOptions): void {
  const apply = createCommandHandler(options);
  mountSignedBatchEndpoint(app, SAMPLE_COMMANDS_PATH, {
    secret: options.secret,
    senders: [SENDER],
    log: options.log,
    what: 'sample commands',
    async handle(events) {
      const results: IngestResult[] = new Array(events.length);
      // One transaction per sample, a few at a time: a failure part-way leaves the earlier ones created, and the
      // retried batch acknowledges them as duplicates.
      let next = 0;
      const worker = async () => {
        while (next < events.length) {
          const index = next++;
          const checked = checkCommand(events[index]);
          results[index] = checked.ok ? await apply(checked.event, checked.payload) : checked.result;
        }
      };
      await Promise.all(Array.from({ length: Math.min(INTAKE_CONCURRENCY, events.length) }, worker));
      if (results.some((r) => r.status === 'stored')) options.onStored?.();
      return results;
    },
  });
}
