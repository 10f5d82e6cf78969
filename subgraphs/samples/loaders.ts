// DataLoaders, created per request: every entity a page of samples refers to is read once per page, in one
// query per kind, whatever the page size.
import DataLoader from 'dataloader';
import type { PrismaClient, Project, Run, Sample } from '../../generated/prisma/samples/client.ts';

/** Rows in the order of `ids` (null where none), as DataLoader wants them. */
function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => map.get(id) ?? null);
}

export function createLoaders(prisma: PrismaClient) {
  return {
    /** Unfiltered: callers apply visibility (a SUBMITTER's own samples) themselves. */
    sampleById: new DataLoader<string, Sample | null>(async (ids) =>
      byId(ids, await prisma.sample.findMany({ where: { id: { in: [...ids] } } })),
    ),
    projectById: new DataLoader<string, Project | null>(async (ids) =>
      byId(ids, await prisma.project.findMany({ where: { id: { in: [...ids] } } })),
    ),
    runById: new DataLoader<string, Run | null>(async (ids) =>
      byId(ids, await prisma.run.findMany({ where: { id: { in: [...ids] } } })),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
