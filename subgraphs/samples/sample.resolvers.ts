// The sample mutations. Thin: parse the arguments into the service's terms (workflow moves), call it, return rows.
// The Sample type's fields and the queries are in query.resolvers.ts.
import type { Resolvers, SampleMove, Stage } from '../../generated/graphql/samples.ts';
import { badUserInput } from '../kit/errors.ts';
import { requireCaller, type Context } from './context.ts';
import type { Move } from './workflow.ts';

/** A SampleMove of bulkMoveSamples as the workflow's Move (RECORD_QC is no bulk move: it needs a result). */
export function toBulkMove(
  kind: SampleMove,
  toStage: Stage | null | undefined,
  reason: string | null | undefined,
): Move {
  if (toStage && kind !== 'ADVANCE' && kind !== 'REPROCESS') {
    throw badUserInput(`toStage is for ADVANCE and REPROCESS, not ${kind}`, {
      field: 'toStage',
      rule: 'TO_STAGE_NOT_APPLICABLE',
    });
  }
  const why = reason ?? undefined;
  // A missing reason where one is required is refused per sample by the workflow (REASON_REQUIRED).
  const required = reason ?? '';
  switch (kind) {
    case 'RECEIVE':
      return { type: 'receive', reason: why };
    case 'ADVANCE':
      return { type: 'advance', toStage: toStage ?? undefined, reason: why };
    case 'HOLD':
      return { type: 'hold', reason: required };
    case 'RESUME':
      return { type: 'resume', reason: why };
    case 'FAIL':
      return { type: 'fail', reason: required };
    case 'REPROCESS':
      return { type: 'reprocess', toStage: toStage ?? undefined, reason: why };
    case 'CANCEL':
      return { type: 'cancel', reason: required };
    case 'MARK_DISTRIBUTED':
      return { type: 'markDistributed', reason: why };
    case 'ARCHIVE':
      return { type: 'archive', reason: why };
  }
}

// DateTime arguments arrive as Date (the scalar parses them); codegen types scalar inputs as strings.
const toDate = (value: unknown) => (value == null ? null : new Date(value as string | Date));

/** One workflow move of one sample; `version` (optional) is the version the caller expects. */
function move(ctx: Context, id: string, workflowMove: Move, version: number | null | undefined) {
  return ctx.services.samples.move(requireCaller(ctx), id, workflowMove, version);
}

export const sampleResolvers: Resolvers<Context> = {
  Mutation: {
    createSample: (_p, { input: { occurredAt, ...input } }, ctx) =>
      ctx.services.samples.create(requireCaller(ctx), input, toDate(occurredAt)),
    updateSample: (_p, { id, input, version }, ctx) =>
      ctx.services.samples.update(requireCaller(ctx), id, input, version),
    receiveSamples: (_p, { ids, occurredAt }, ctx) =>
      ctx.services.samples.bulkMove(requireCaller(ctx), ids, { type: 'receive' }, toDate(occurredAt)),
    recordQc: (_p, { id, result, note, version, occurredAt }, ctx) =>
      ctx.services.samples.move(
        requireCaller(ctx),
        id,
        { type: 'recordQc', result, note: note ?? undefined },
        version,
        toDate(occurredAt),
      ),
    advanceStage: (_p, { id, toStage, reason, version }, ctx) =>
      move(ctx, id, { type: 'advance', toStage: toStage ?? undefined, reason: reason ?? undefined }, version),
    holdSample: (_p, { id, reason, version }, ctx) => move(ctx, id, { type: 'hold', reason }, version),
    resumeSample: (_p, { id, reason, version }, ctx) =>
      move(ctx, id, { type: 'resume', reason: reason ?? undefined }, version),
    failSample: (_p, { id, reason, version }, ctx) => move(ctx, id, { type: 'fail', reason }, version),
    reprocessSample: (_p, { id, toStage, reason, version }, ctx) =>
      move(
        ctx,
        id,
        { type: 'reprocess', toStage: toStage ?? undefined, reason: reason ?? undefined },
        version,
      ),
    cancelSample: (_p, { id, reason, version }, ctx) => move(ctx, id, { type: 'cancel', reason }, version),
    markDistributed: (_p, { id, reason, version }, ctx) =>
      move(ctx, id, { type: 'markDistributed', reason: reason ?? undefined }, version),
    archiveSample: (_p, { id, reason, version }, ctx) =>
      move(ctx, id, { type: 'archive', reason: reason ?? undefined }, version),
    bulkMoveSamples: (_p, { input }, ctx) =>
      ctx.services.samples.bulkMove(
        requireCaller(ctx),
        input.ids,
        toBulkMove(input.move, input.toStage, input.reason),
        toDate(input.occurredAt),
      ),
    assignSamples: (_p, { ids, userId }, ctx) =>
      ctx.services.samples.assign(requireCaller(ctx), ids, userId ?? null),
    setPriority: (_p, { ids, priority }, ctx) =>
      ctx.services.samples.setPriority(requireCaller(ctx), ids, priority),
    addNote: (_p, { sampleId, body }, ctx) =>
      ctx.services.samples.addNote(requireCaller(ctx), sampleId, body),
  },
};
