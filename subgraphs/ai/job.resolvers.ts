// ExtractionJob, Query.extractionJob(s), the cancel and retry mutations, and this subgraph's fields on the other
// subgraphs' entities (Submission.extraction, File.extraction). Thin: reads through the loaders (visibility is in
// their queries), changes through the job service.
import type { Resolvers } from '../../generated/graphql/ai.ts';
import { DateTimeScalar } from '../kit/scalars.ts';
import { requireCaller, type Context } from './context.ts';

export const jobResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  Query: {
    extractionJob: (_p, { id }, ctx) => {
      requireCaller(ctx);
      return ctx.loaders.jobById.load(id);
    },
    extractionJobs: (_p, { filter, first, after }, ctx) =>
      ctx.services.jobs.list(requireCaller(ctx), filter, first ?? 50, after),
  },
  Mutation: {
    cancelExtractionJob: (_p, { id }, ctx) => ctx.services.jobs.cancel(requireCaller(ctx), id),
    retryExtractionJob: (_p, { id }, ctx) => ctx.services.jobs.retry(requireCaller(ctx), id),
  },
  ExtractionJob: {
    // Another subgraph's reference resolves only to a job the caller may see.
    __resolveReference: (ref, ctx) => ctx.loaders.jobById.load(ref.id),
    progress: (job) => ({ pagesDone: job.pagesDone, pagesTotal: job.pagesTotal }),
    durationMs: (job) => job.runMs,
    submission: (job) => ({ id: job.submissionId }),
    file: (job) => (job.fileId ? { id: job.fileId } : null),
  },
  Submission: {
    __resolveReference: (ref) => ({ id: ref.id }),
    extraction: (submission, _a, ctx) => ctx.loaders.newestBySubmission.load(submission.id),
  },
  File: {
    __resolveReference: (ref) => ({ id: ref.id }),
    extraction: (file, _a, ctx) => ctx.loaders.newestByFile.load(file.id),
  },
};
