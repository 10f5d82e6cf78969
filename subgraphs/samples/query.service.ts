// Reading samples: filtered pages (keyset, by Prisma's cursor), the intake queue, a member of staff's work, the
// dashboard's counts (exports: export.service.ts). Every read goes through toSampleWhere with the caller, so a SUBMITTER
// sees only their own samples everywhere; a sample they may not see is simply absent (null), never an error.
import type { Prisma, Priority, Sample, SampleStatus, Stage } from '../../generated/prisma/samples/client.ts';
import type { Caller, SamplesDeps } from './deps.ts';
import {
  assertPageSize,
  decodeCursor,
  encodeCursor,
  overdueWhere,
  QUEUE_ORDER,
  toSampleOrderBy,
  toSampleWhere,
  type SampleFilter,
  type SampleOrder,
} from './sample-filter.ts';
import { STAGES, STATUSES } from './stages.ts';
import { CLOSED_STATUSES, isOverdue, PRIORITIES } from './turnaround.ts';

export interface SamplePage {
  edges: { cursor: string; node: Sample }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export interface WorkGroup {
  /** Null: received, not yet in a stage. */
  stage: Stage | null;
  count: number;
  samples: Sample[];
}

export interface Dashboard {
  total: number;
  byStatus: { status: SampleStatus; count: number }[];
  byStage: { stage: Stage; count: number }[];
  byPriority: { priority: Priority; count: number }[];
  overdue: number;
  completedToday: number;
}

/** Most samples myWork lists (counts stay exact beyond it): a work list longer than this is not read anyway. */
export const MY_WORK_MAX_SAMPLES = 1000;

/** Statuses whose samples sit in a stage: working, or held there. FAILED and CANCELLED keep a stage but left it. */
const IN_STAGE_STATUSES: SampleStatus[] = ['IN_PREP', 'SEQUENCING', 'ANALYSIS', 'ON_HOLD'];

/** A groupBy's counts by its `field`, zero for a value it did not find. */
function countOf<F extends string, K extends string>(
  rows: readonly (Record<F, K | null> & { _count: { _all: number } })[],
  field: F,
): (key: K | null) => number {
  const counts = new Map<K | null, number>(rows.map((row) => [row[field], row._count._all]));
  return (key) => counts.get(key) ?? 0;
}

const startOfUtcDay = (date: Date) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));

export function createQueryService(deps: SamplesDeps) {
  const { prisma } = deps;

  async function page(
    where: Prisma.SampleWhereInput,
    orderBy: Prisma.SampleOrderByWithRelationInput[],
    first: number,
    after: string | null | undefined,
  ): Promise<SamplePage> {
    assertPageSize(first);
    const cursor = decodeCursor(after);
    const [rows, totalCount] = await Promise.all([
      prisma.sample.findMany({
        where,
        orderBy,
        // One more than asked: it only says whether there is a next page.
        take: first + 1,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      }),
      prisma.sample.count({ where }),
    ]);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount,
    };
  }

  const visibleTo = (caller: Caller) => toSampleWhere(null, caller, deps.now());

  return {
    isVisible: (caller: Caller, sample: Pick<Sample, 'ownerId'>): boolean =>
      caller.ownerId === null || sample.ownerId === caller.ownerId,

    /** turnaround.ts's rule on the service's clock. */
    isOverdue: (sample: Pick<Sample, 'status' | 'dueAt'>): boolean => isOverdue(sample, deps.now()),

    getSampleByLabId: (caller: Caller, labSampleId: string): Promise<Sample | null> =>
      prisma.sample.findFirst({ where: { AND: [{ labSampleId }, visibleTo(caller)] } }),

    /** Default order: newest first. Project.samples calls it with `{ projectId }`. */
    listSamples(
      caller: Caller,
      filter: SampleFilter | null | undefined,
      orderBy: SampleOrder | null | undefined,
      first: number,
      after?: string | null,
    ): Promise<SamplePage> {
      return page(toSampleWhere(filter, caller, deps.now()), toSampleOrderBy(orderBy), first, after);
    },

    /** Waiting for the lab (SUBMITTED, RECEIVED): urgent first, then oldest. */
    intakeQueue(caller: Caller, first: number, after?: string | null): Promise<SamplePage> {
      const where = toSampleWhere({ status: ['SUBMITTED', 'RECEIVED'] }, caller, deps.now());
      return page(where, toSampleOrderBy(QUEUE_ORDER), first, after);
    },

    /** The caller's assigned open samples by stage in workflow order (no stage first), each in queue order. */
    async myWork(caller: Caller): Promise<WorkGroup[]> {
      const where: Prisma.SampleWhereInput = {
        AND: [visibleTo(caller), { assigneeId: caller.userId }, { status: { notIn: [...CLOSED_STATUSES] } }],
      };
      const [samples, byStage] = await Promise.all([
        prisma.sample.findMany({ where, orderBy: toSampleOrderBy(QUEUE_ORDER), take: MY_WORK_MAX_SAMPLES }),
        prisma.sample.groupBy({ by: ['stage'], where, _count: { _all: true } }),
      ]);
      const count = countOf(byStage, 'stage');
      return [null, ...STAGES]
        .map((stage) => ({ stage, count: count(stage), samples: samples.filter((s) => s.stage === stage) }))
        .filter((group) => group.count > 0);
    },

    /** Counts for the lab's overview; every list has each value, in enum order, zero included. */
    async dashboard(caller: Caller): Promise<Dashboard> {
      const now = deps.now();
      const visible = visibleTo(caller);
      const within = (...and: Prisma.SampleWhereInput[]) => ({ AND: [visible, ...and] });
      const [total, byStatus, byStage, byPriority, overdue, completedToday] = await Promise.all([
        prisma.sample.count({ where: visible }),
        prisma.sample.groupBy({ by: ['status'], where: visible, _count: { _all: true } }),
        prisma.sample.groupBy({
          by: ['stage'],
          where: within({ stage: { not: null } }, { status: { in: IN_STAGE_STATUSES } }),
          _count: { _all: true },
        }),
        prisma.sample.groupBy({
          by: ['priority'],
          where: within({ status: { notIn: [...CLOSED_STATUSES] } }),
          _count: { _all: true },
        }),
        prisma.sample.count({ where: within(overdueWhere(now)) }),
        prisma.sample.count({ where: within({ completedAt: { gte: startOfUtcDay(now) } }) }),
      ]);
      const [ofStatus, ofStage, ofPriority] = [
        countOf(byStatus, 'status'),
        countOf(byStage, 'stage'),
        countOf(byPriority, 'priority'),
      ];
      return {
        total,
        byStatus: STATUSES.map((status) => ({ status, count: ofStatus(status) })),
        byStage: STAGES.map((stage) => ({ stage, count: ofStage(stage) })),
        byPriority: PRIORITIES.map((priority) => ({ priority, count: ofPriority(priority) })),
        overdue,
        completedToday,
      };
    },
  };
}

export type QueryService = ReturnType<typeof createQueryService>;
