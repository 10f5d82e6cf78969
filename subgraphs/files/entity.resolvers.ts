// Sample.files and Submission.files: this subgraph's fields on the other subgraphs' entities. The router sends
// a page of references at once (_entities); the loaders read all their files in one query.
import type { FileKind, Resolvers } from '../../generated/graphql/files.ts';
import type { File } from '../../generated/prisma/files/client.ts';
import type { Context } from './context.ts';

function ofKind(files: File[], kind: FileKind | null | undefined): File[] {
  return kind ? files.filter((file) => file.kind === kind) : files;
}

export const entityResolvers: Resolvers<Context> = {
  Sample: {
    __resolveReference: (ref) => ({ id: ref.id }),
    files: async (sample, { kind }, ctx) => ofKind(await ctx.loaders.filesBySample.load(sample.id), kind),
  },
  Submission: {
    __resolveReference: (ref) => ({ id: ref.id }),
    files: async (submission, { kind }, ctx) =>
      ofKind(await ctx.loaders.filesBySubmission.load(submission.id), kind),
  },
};
