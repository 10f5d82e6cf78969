// DataLoaders, created per request: the rows of every submission on a page, in one query.
import DataLoader from 'dataloader';
import type { PrismaClient, SubmissionRow } from '../../generated/prisma/submission/client.ts';

export function createLoaders(prisma: PrismaClient) {
  return {
    /** Grid order. Keyed by submission id: the submission was already checked visible. */
    rowsBySubmission: new DataLoader<string, SubmissionRow[]>(async (ids) => {
      const rows = await prisma.submissionRow.findMany({
        where: { submissionId: { in: [...ids] } },
        orderBy: [{ submissionId: 'asc' }, { rowNumber: 'asc' }],
      });
      const map = new Map<string, SubmissionRow[]>(ids.map((id) => [id, []]));
      for (const row of rows) map.get(row.submissionId)?.push(row);
      return ids.map((id) => map.get(id)!);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
