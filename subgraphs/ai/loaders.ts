// DataLoaders, created per request for one caller: a page of submissions or files asks for their extractions in
// one query, and every read applies the caller's visibility in the same statement (a SUBMITTER: own jobs only).
import DataLoader from 'dataloader';
import type { ExtractionJob, Prisma, PrismaClient } from '../../generated/prisma/ai/client.ts';
import { isUuid } from '../kit/uuid.ts';
import type { Caller } from './deps.ts';

/** The jobs the caller may see: all, or (a SUBMITTER) their own. */
export function visibleJobWhere(caller: Caller): Prisma.ExtractionJobWhereInput {
  return caller.ownerId === null ? {} : { ownerId: caller.ownerId };
}

/** The newest visible job per key of `column`, one query for the whole batch. */
function newestBy(prisma: PrismaClient, getCaller: () => Caller, column: 'submissionId' | 'fileId') {
  return new DataLoader<string, ExtractionJob | null>(async (keys) => {
    const valid = [...new Set(keys.filter(isUuid).map((k) => k.toLowerCase()))];
    const rows = valid.length
      ? await prisma.extractionJob.findMany({
          where: { [column]: { in: valid }, ...visibleJobWhere(getCaller()) },
          orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
        })
      : [];
    const newest = new Map<string, ExtractionJob>();
    for (const row of rows) {
      const key = row[column]!;
      if (!newest.has(key)) newest.set(key, row);
    }
    return keys.map((k) => newest.get(k.toLowerCase()) ?? null);
  });
}

export function createLoaders(prisma: PrismaClient, getCaller: () => Caller) {
  return {
    /** Visible jobs by id (null otherwise). */
    jobById: new DataLoader<string, ExtractionJob | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length
        ? await prisma.extractionJob.findMany({
            where: { id: { in: valid }, ...visibleJobWhere(getCaller()) },
          })
        : [];
      const map = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => map.get(id.toLowerCase()) ?? null);
    }),
    newestBySubmission: newestBy(prisma, getCaller, 'submissionId'),
    newestByFile: newestBy(prisma, getCaller, 'fileId'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
