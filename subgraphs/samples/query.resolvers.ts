// Thin: parse arguments, call the query service, shape the output. Services return Prisma rows; the Sample,
// SampleHistoryEntry and SampleNote field resolvers here derive the GraphQL shapes from them (for every field
// that returns a Sample, mutations included). Users are references ({ __typename, id }) the router resolves in
// the auth subgraph.
import type { Sample } from '../../generated/prisma/samples/client.ts';
import type {
  DateRange as DateRangeInput,
  QcRecord,
  Resolvers,
  SampleFilter as FilterInput,
  User,
} from '../../generated/graphql/samples.ts';
import { resolveDateRange, type DateRangeInput as KitRangeInput } from '../kit/date-range.ts';
import { DateBoundScalar, DateTimeScalar, DurationScalar } from '../kit/scalars.ts';
import { isUuid } from '../kit/uuid.ts';
import { requireCaller, type Context } from './context.ts';
import { getConcentration, getTotalNg } from './measurements.ts';
import type { DateRange, SampleFilter } from './sample-filter.ts';
import { toWorkflowState } from './sample-state.ts';
import { QC_STAGES } from './stages.ts';
import { roundHours } from './turnaround.ts';

const DEFAULT_PAGE_SIZE = 50;

const userRef = (id: string): User => ({ __typename: 'User', id });

// DateBound and Duration arrive parsed by their scalars (codegen types them as any).
const toRange = (range: DateRangeInput | null | undefined, field: string, now: Date): DateRange | null =>
  range ? resolveDateRange(range as KitRangeInput, now, `filter.${field}`) : null;

/** The filter with its date ranges resolved at `now` (dates to days, `last` to the period before now). */
export function toFilter(input: FilterInput | null | undefined, now: Date): SampleFilter | null {
  if (!input) return null;
  return {
    ...input,
    created: toRange(input.created, 'created', now),
    due: toRange(input.due, 'due', now),
    received: toRange(input.received, 'received', now),
    completed: toRange(input.completed, 'completed', now),
  };
}

/** The sample if it exists and the caller may see it; null otherwise (a SUBMITTER asking for another's). */
async function loadVisibleSample(ctx: Context, id: string): Promise<Sample | null> {
  const caller = requireCaller(ctx);
  if (!isUuid(id)) return null;
  const sample = await ctx.loaders.sampleById.load(id);
  return sample && ctx.services.queries.isVisible(caller, sample) ? sample : null;
}

/** The current record of each QC stage reached, in stage order. */
function qcRecords(sample: Sample): QcRecord[] {
  const { qc } = toWorkflowState(sample);
  return QC_STAGES.flatMap((stage) => {
    const record = qc[stage];
    return record ? [{ stage, ...record, recordedBy: userRef(record.recordedBy) }] : [];
  });
}

export const queryResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  DateBound: DateBoundScalar,
  Duration: DurationScalar,
  Query: {
    sample: (_p, { id }, ctx) => loadVisibleSample(ctx, id),
    sampleByLabId: (_p, { labSampleId }, ctx) =>
      ctx.services.queries.getSampleByLabId(requireCaller(ctx), labSampleId),
    samples: (_p, { filter, orderBy, first, after }, ctx) =>
      ctx.services.queries.listSamples(
        requireCaller(ctx),
        toFilter(filter, ctx.services.now()),
        orderBy,
        first ?? DEFAULT_PAGE_SIZE,
        after,
      ),
    intakeQueue: (_p, { first, after }, ctx) =>
      ctx.services.queries.intakeQueue(requireCaller(ctx), first ?? DEFAULT_PAGE_SIZE, after),
    myWork: (_p, _args, ctx) => ctx.services.queries.myWork(requireCaller(ctx)),
    dashboard: (_p, _args, ctx) => ctx.services.queries.dashboard(requireCaller(ctx)),
    exportSamples: (_p, { filter, orderBy, format }, ctx) =>
      ctx.services.exports.linkSamples(
        requireCaller(ctx),
        toFilter(filter, ctx.services.now()),
        orderBy,
        format,
      ),
  },
  Sample: {
    __resolveReference: (ref, ctx) => loadVisibleSample(ctx, ref.id),
    owner: (s) => userRef(s.ownerId),
    assignee: (s) => (s.assigneeId === null ? null : userRef(s.assigneeId)),
    project: (s, _args, ctx) => (s.projectId === null ? null : ctx.loaders.projectById.load(s.projectId)),
    material: (s) => ({
      nucleicAcid: s.nucleicAcid,
      materialType: s.materialType,
      sourceOrganism: s.sourceOrganism,
      buffer: s.buffer,
      containsHumanDna: s.containsHumanDna,
    }),
    measurements: (s) => ({
      volumeUl: s.volumeUl,
      qubitNgPerUl: s.qubitNgPerUl,
      nanodropNgPerUl: s.nanodropNgPerUl,
      a260_280: s.a260_280,
      a260_230: s.a260_230,
      concentrationNgPerUl: getConcentration(s),
      totalNg: getTotalNg(s),
    }),
    request: (s) => ({
      libraryKit: s.libraryKit,
      flowCellFormat: s.flowCellFormat,
      chemistry: s.chemistry,
      productCode: s.productCode,
      basecallingModel: s.basecallingModel,
      fileFormats: s.fileFormats,
      barcode: s.barcode,
    }),
    qc: (s) => qcRecords(s),
    isOverdue: (s, _args, ctx) => ctx.services.queries.isOverdue(s),
    history: (s, _args, ctx) => ctx.loaders.historyBySample.load(s.id),
    notes: (s, _args, ctx) => ctx.loaders.notesBySample.load(s.id),
    runs: (s, _args, ctx) => ctx.loaders.runSamplesBySample.load(s.id),
  },
  SampleHistoryEntry: {
    actor: (h) => userRef(h.actorId),
    hoursInPreviousStage: (h) => (h.timeInStageMs === null ? null : roundHours(h.timeInStageMs / 3_600_000)),
  },
  SampleNote: {
    author: (n) => userRef(n.authorId),
  },
  // This subgraph's field on the submission entity (the samples its accepted rows became, submission-intake.ts).
  Submission: {
    __resolveReference: (ref) => ({ id: ref.id }),
    samples: (submission, _args, ctx) => ctx.loaders.samplesBySubmission.load(submission.id),
  },
};
