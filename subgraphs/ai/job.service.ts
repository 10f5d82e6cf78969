// Reading, cancelling and retrying extraction jobs for a caller. Reads go through the caller's visibility (a job
// the caller may not see is absent, never an error); a cancel or retry of a job the caller may not see is
// NOT_FOUND, of one they see but may not change FORBIDDEN, of one in the wrong state its JobStateError's code.
import type {
  ExtractionJob,
  ExtractionKind,
  ExtractionStatus,
  Prisma,
} from '../../generated/prisma/ai/client.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';
import { isUuid } from '../kit/uuid.ts';
import type { AiDeps, Caller } from './deps.ts';
import { JobStateError } from './jobs/errors.ts';
import { JobNotFoundError } from './jobs/queue.ts';
import type { JobActor } from './jobs/types.ts';
import { visibleJobWhere } from './loaders.ts';

export const MAX_PAGE_SIZE = 200;
/** Most values of one list filter. */
export const MAX_FILTER_VALUES = 5;
const MAX_CURSOR_CHARS = 200;

export interface JobFilter {
  status?: readonly ExtractionStatus[] | null;
  kind?: readonly ExtractionKind[] | null;
  submissionId?: string | null;
  ownerId?: string | null;
  queuedAfter?: Date | string | null;
  queuedBefore?: Date | string | null;
}

export interface JobPage {
  edges: { cursor: string; node: ExtractionJob }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor) return null;
  const id = cursor.length <= MAX_CURSOR_CHARS ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!isUuid(id))
    throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
  return id;
}

function uuidArgument(value: string, field: string): string {
  if (!isUuid(value)) throw badUserInput(`${field} is not an id`, { field, rule: 'ID' });
  return value.toLowerCase();
}

function dateArgument(value: Date | string, field: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw badUserInput(`${field} is not a date-time`, { field, rule: 'DATE' });
  return date;
}

function toWhere(caller: Caller, filter: JobFilter | null | undefined): Prisma.ExtractionJobWhereInput {
  const and: Prisma.ExtractionJobWhereInput[] = [visibleJobWhere(caller)];
  if (!filter) return { AND: and };
  for (const field of ['status', 'kind'] as const) {
    if ((filter[field]?.length ?? 0) > MAX_FILTER_VALUES)
      throw badUserInput(`${field} has at most ${MAX_FILTER_VALUES} values`, { field, rule: 'LIST_LENGTH' });
  }
  if (filter.status?.length) and.push({ status: { in: [...filter.status] } });
  if (filter.kind?.length) and.push({ kind: { in: [...filter.kind] } });
  if (filter.submissionId) and.push({ submissionId: uuidArgument(filter.submissionId, 'submissionId') });
  if (filter.ownerId) {
    const ownerId = uuidArgument(filter.ownerId, 'ownerId');
    // A SUBMITTER asking for someone else's jobs gets none, as for any job they may not see.
    and.push({ ownerId });
  }
  const queuedAt: Prisma.DateTimeFilter = {};
  if (filter.queuedAfter) queuedAt.gt = dateArgument(filter.queuedAfter, 'queuedAfter');
  if (filter.queuedBefore) queuedAt.lt = dateArgument(filter.queuedBefore, 'queuedBefore');
  if (queuedAt.gt || queuedAt.lt) and.push({ queuedAt });
  return { AND: and };
}

const actorOf = (caller: Caller): JobActor => ({
  userId: caller.userId,
  roles: caller.roles,
  requestId: caller.requestId,
});

export function createJobService(deps: Pick<AiDeps, 'prisma' | 'queue'>) {
  const { prisma, queue } = deps;

  /** The job the caller may see, or NOT_FOUND. */
  async function visibleJob(caller: Caller, id: string): Promise<ExtractionJob> {
    const job = isUuid(id)
      ? await prisma.extractionJob.findFirst({ where: { id: id.toLowerCase(), ...visibleJobWhere(caller) } })
      : null;
    if (!job) throw ERRORS.NOT_FOUND.err('extraction job not found', { field: 'id' });
    return job;
  }

  /** A queue call, its caller-facing failures as coded GraphQL errors. */
  async function change(run: () => Promise<ExtractionJob>): Promise<ExtractionJob> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof JobStateError) throw ERRORS[error.code].err(error.message);
      if (error instanceof JobNotFoundError) throw ERRORS.NOT_FOUND.err('extraction job not found');
      throw error;
    }
  }

  return {
    async list(
      caller: Caller,
      filter: JobFilter | null | undefined,
      first: number,
      after: string | null | undefined,
    ): Promise<JobPage> {
      if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
        throw badUserInput(`first must be 0 to ${MAX_PAGE_SIZE}`, { field: 'first', rule: 'PAGE_SIZE' });
      const cursor = decodeCursor(after);
      const where = toWhere(caller, filter);
      const [rows, totalCount] = await Promise.all([
        prisma.extractionJob.findMany({
          where,
          orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
          take: first + 1,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        }),
        prisma.extractionJob.count({ where }),
      ]);
      const page = rows.slice(0, first);
      return {
        edges: page.map((node) => ({ cursor: encodeCursor(node.id), node })),
        pageInfo: {
          hasNextPage: rows.length > first,
          endCursor: page.length ? encodeCursor(page.at(-1)!.id) : null,
        },
        totalCount,
      };
    },

    /** STAFF and ADMIN cancel any job; a SUBMITTER their own. */
    async cancel(caller: Caller, id: string): Promise<ExtractionJob> {
      const job = await visibleJob(caller, id);
      if (!caller.manages && job.ownerId !== caller.userId)
        throw ERRORS.FORBIDDEN.err('only staff or the submitter may cancel this job');
      return change(() => queue.cancel(job.id, actorOf(caller)));
    },

    /** STAFF and ADMIN only. */
    async retry(caller: Caller, id: string): Promise<ExtractionJob> {
      const job = await visibleJob(caller, id);
      if (!caller.manages) throw ERRORS.FORBIDDEN.err('only staff may retry a job');
      return change(() => queue.retry(job.id, actorOf(caller)));
    },
  };
}

export type JobService = ReturnType<typeof createJobService>;
