// DataLoaders, created per request: every entity a page of samples refers to is read once per page, in one
// query per kind, whatever the page size.
import DataLoader from 'dataloader';
import type {
  PrismaClient,
  Project,
  Run,
  RunSample,
  Sample,
  SampleHistory,
  SampleNote,
} from '../../generated/prisma/samples/client.ts';
import type { SamplesServices } from './context.ts';
import type { Caller } from './deps.ts';
import { isUuid } from '../kit/uuid.ts';
import { visibleProjectWhere, visibleRunWhere, visibleSampleWhere } from './visibility.ts';

/** Rows in the order of `ids` (null where none), as DataLoader wants them. */
function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => map.get(id) ?? null);
}

/** The rows of each sample of `ids` (keeping the rows' order), an empty list for a sample with none. */
function bySample<T extends { sampleId: string }>(ids: readonly string[], rows: T[]): T[][] {
  const map = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) map.get(row.sampleId)?.push(row);
  return ids.map((id) => map.get(id)!);
}

/**
 * `getCaller` is asked only by the loaders that depend on who is asking (a SUBMITTER counts and sees only their
 * own samples); it throws UNAUTHENTICATED for an anonymous request.
 */
export function createLoaders(prisma: PrismaClient, services: SamplesServices, getCaller: () => Caller) {
  return {
    /** Unfiltered: callers apply visibility (a SUBMITTER's own samples) themselves. */
    sampleById: new DataLoader<string, Sample | null>(async (ids) =>
      byId(ids, await prisma.sample.findMany({ where: { id: { in: [...ids] } } })),
    ),
    /** Null for a project the caller may not see (visibility.ts), as for one that does not exist. */
    projectById: new DataLoader<string, Project | null>(async (ids) =>
      byId(
        ids,
        await prisma.project.findMany({
          where: { AND: [{ id: { in: ids.filter(isUuid) } }, visibleProjectWhere(getCaller())] },
        }),
      ),
    ),
    /** Null for a run the caller may not see (visibility.ts), as for one that does not exist. */
    runById: new DataLoader<string, Run | null>(async (ids) =>
      byId(
        ids,
        await prisma.run.findMany({
          where: { AND: [{ id: { in: ids.filter(isUuid) } }, visibleRunWhere(getCaller())] },
        }),
      ),
    ),
    /** Oldest first. Keyed by sample id: the sample was already checked visible. */
    historyBySample: new DataLoader<string, SampleHistory[]>(async (ids) =>
      bySample(
        ids,
        await prisma.sampleHistory.findMany({
          where: { sampleId: { in: [...ids] } },
          orderBy: [{ at: 'asc' }, { id: 'asc' }],
        }),
      ),
    ),
    /** Oldest first. */
    notesBySample: new DataLoader<string, SampleNote[]>(async (ids) =>
      bySample(
        ids,
        await prisma.sampleNote.findMany({
          where: { sampleId: { in: [...ids] } },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        }),
      ),
    ),
    /** The runs a sample was loaded on, oldest run first (one query: the order joins run). */
    runSamplesBySample: new DataLoader<string, RunSample[]>(async (ids) =>
      bySample(
        ids,
        await prisma.runSample.findMany({
          where: { sampleId: { in: [...ids] } },
          orderBy: [{ run: { createdAt: 'asc' } }, { runId: 'asc' }],
        }),
      ),
    ),
    /** The caller's visible samples per project. */
    sampleCountByProject: new DataLoader<string, number>(async (ids) => {
      const counts = await services.projects.countSamples(getCaller(), ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    /** The samples loaded on each run, in load order; for a SUBMITTER only their own. */
    entriesByRun: new DataLoader<string, RunSample[]>(async (ids) => {
      const byRun = await services.runs.listEntries(getCaller(), ids);
      return ids.map((id) => byRun.get(id) ?? []);
    }),
    /**
     * The samples of each submission, in grid order (row number, then name); for a SUBMITTER only their own. Keyed
     * by submission id (upper or lower case); an id that cannot be one has no samples.
     */
    samplesBySubmission: new DataLoader<string, Sample[]>(async (ids) => {
      const visible = visibleSampleWhere(getCaller());
      const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
      const rows = valid.length
        ? await prisma.sample.findMany({
            where: { submissionId: { in: valid }, ...visible },
            orderBy: [{ rowNumber: { sort: 'asc', nulls: 'last' } }, { name: 'asc' }],
          })
        : [];
      const map = new Map<string, Sample[]>(valid.map((id) => [id, []]));
      for (const row of rows) map.get(row.submissionId!)?.push(row);
      return ids.map((id) => map.get(id.toLowerCase()) ?? []);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
