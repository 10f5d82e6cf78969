// Reading submissions. Every read goes through the caller: a SUBMITTER sees only the submissions they imported
// (a submission they may not see is simply absent, never an error); STAFF, ADMIN and VIEWER see all.
import type {
  Prisma,
  Submission,
  SubmissionSource,
  SubmissionStatus,
} from '../../generated/prisma/submission/client.ts';
import { badUserInput } from '../kit/errors.ts';
import { isUuid } from '../kit/uuid.ts';
import type { Caller, SubmissionDeps } from './deps.ts';
import { isVisible } from './submission-store.ts';

export interface SubmissionFilter {
  status?: SubmissionStatus[] | null;
  source?: SubmissionSource[] | null;
  search?: string | null;
}

export interface SubmissionPage {
  edges: { cursor: string; node: Submission }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const MAX_PAGE_SIZE = 200;

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id))
    throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
  return id;
}

function toWhere(caller: Caller, filter: SubmissionFilter | null | undefined): Prisma.SubmissionWhereInput {
  const and: Prisma.SubmissionWhereInput[] = [];
  if (caller.ownerId !== null) and.push({ submittedById: caller.ownerId });
  if (filter?.status?.length) and.push({ status: { in: filter.status } });
  if (filter?.source?.length) and.push({ source: { in: filter.source } });
  const search = filter?.search?.trim();
  if (search) {
    if (search.length > 200)
      throw badUserInput('search has at most 200 characters', { field: 'search', rule: 'TEXT_LENGTH' });
    const contains = { contains: search, mode: 'insensitive' as const };
    and.push({
      OR: [
        { quoteIdentifier: contains },
        { requesterName: contains },
        { requesterEmail: contains },
        { lab: contains },
        { fileName: contains },
      ],
    });
  }
  return and.length ? { AND: and } : {};
}

export function createQueryService(deps: SubmissionDeps) {
  const { prisma } = deps;

  return {
    isVisible,

    async byQuoteId(caller: Caller, quoteIdentifier: string): Promise<Submission | null> {
      const key = quoteIdentifier.trim().toUpperCase();
      if (!key || key.length > 100) return null;
      const row = await prisma.submission.findUnique({ where: { quoteIdentifier: key } });
      return row && isVisible(caller, row) ? row : null;
    },

    async list(
      caller: Caller,
      filter: SubmissionFilter | null | undefined,
      first: number,
      after: string | null | undefined,
    ): Promise<SubmissionPage> {
      if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
        throw badUserInput(`first must be 0 to ${MAX_PAGE_SIZE}`, { field: 'first', rule: 'PAGE_SIZE' });
      }
      const cursor = decodeCursor(after);
      const where = toWhere(caller, filter);
      const [rows, totalCount] = await Promise.all([
        prisma.submission.findMany({
          where,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: first + 1,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        }),
        prisma.submission.count({ where }),
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
  };
}

export type QueryService = ReturnType<typeof createQueryService>;
