// Samples from accepted submissions: the receiving end of kit/sample-command-wire.ts (the commands, their path and
// payload), delivered at least once by the submission subgraph's relay and received like audit ingestion
// (kit/signed-batch.ts), from the service 'submission' only. Each command creates its sample once: the sample of (submissionId, name) is the idempotency key (a unique
// index), so a redelivered command is acknowledged as a duplicate and never makes a second sample. The sample is
// created as createSample creates one (SUBMITTED, the sample.created audit event in this outbox), owned by the
// submission's submitter. Submission.samples, this subgraph's field on the submission entity, lists them
// (query.resolvers.ts, loaders.ts samplesBySubmission).
import type { Express } from 'express';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import type { Logger } from '../kit/logger.ts';
import type { IngestResult, WireEvent } from '../kit/outbox-wire.ts';
import {
  checkSampleCommand,
  SAMPLE_COMMAND_SENDER,
  SAMPLE_COMMANDS_PATH,
  type SampleCommandPayload,
} from '../kit/sample-command-wire.ts';
import { mountSignedBatchEndpoint } from '../kit/signed-batch.ts';
import type { SamplesServices } from './context.ts';
import type { Caller } from './deps.ts';
import type { CreateSampleFields } from './sample.service.ts';

/** Samples created at once from one batch (each its own transaction). */
const INTAKE_CONCURRENCY = 4;

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

/** The createSample fields of a command. */
export function toSampleFields(p: SampleCommandPayload): CreateSampleFields {
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
  return async function apply(event: WireEvent, payload: SampleCommandPayload): Promise<IngestResult> {
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
    senders: [SAMPLE_COMMAND_SENDER],
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
          const checked = checkSampleCommand(events[index]);
          results[index] = checked.ok ? await apply(checked.event, checked.payload) : checked.result;
        }
      };
      await Promise.all(Array.from({ length: Math.min(INTAKE_CONCURRENCY, events.length) }, worker));
      if (results.some((r) => r.status === 'stored')) options.onStored?.();
      return results;
    },
  });
}
