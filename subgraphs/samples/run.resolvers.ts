// Thin: parse arguments, call the run service, shape the output. The parent of Run and RunSample resolvers is the
// Prisma row. Every read (run, runs, RunSample.run, the entity reference) applies visibility.ts: a SUBMITTER reads
// only runs one of their samples was loaded on.
import type { Resolvers } from '../../generated/graphql/samples.ts';
import { ERRORS } from '../kit/errors.ts';
import { requireCaller, type Context } from './context.ts';
import { isUuid } from '../kit/uuid.ts';

async function loadRun(ctx: Context, id: string) {
  const run = await ctx.loaders.runById.load(id);
  if (!run) throw ERRORS.NOT_FOUND.err('run not found', { id });
  return run;
}

export const runResolvers: Resolvers<Context> = {
  Query: {
    run: (_p, { id }, ctx) => (isUuid(id) ? ctx.loaders.runById.load(id) : null),
    runs: (_p, { format, first }, ctx) => ctx.services.runs.list(requireCaller(ctx), format, first),
  },
  Mutation: {
    createRun: (_p, { input }, ctx) => ctx.services.runs.create(requireCaller(ctx), input),
    updateRun: (_p, { id, input, version }, ctx) =>
      ctx.services.runs.update(requireCaller(ctx), id, input, version),
    addSamplesToRun: (_p, { runId, samples }, ctx) =>
      ctx.services.runs.addSamples(requireCaller(ctx), runId, samples),
    removeSampleFromRun: (_p, { runId, sampleId }, ctx) =>
      ctx.services.runs.removeSample(requireCaller(ctx), runId, sampleId),
  },
  Run: {
    __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.runById.load(ref.id) : null),
    samples: (run, _a, ctx) => ctx.loaders.entriesByRun.load(run.id),
    minknowSampleSheet: (run, _a, ctx) => ctx.services.runs.getSampleSheet(requireCaller(ctx), run),
  },
  RunSample: {
    run: (entry, _a, ctx) => loadRun(ctx, entry.runId),
    // Run.samples already leaves out what a SUBMITTER may not see; an entry reached another way (an owner's
    // Sample.runs) is of a visible sample. The field is non-null in the SDL, so an invisible one is NOT_FOUND.
    sample: async (entry, _a, ctx) => {
      const caller = requireCaller(ctx);
      const sample = await ctx.loaders.sampleById.load(entry.sampleId);
      if (!sample || (caller.ownerId !== null && sample.ownerId !== caller.ownerId)) {
        throw ERRORS.NOT_FOUND.err('sample not found', { id: entry.sampleId });
      }
      return sample;
    },
  },
};
