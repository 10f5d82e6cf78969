// What a list of samples is narrowed and ordered by (SampleFilter and SampleOrder of the SDL) as Prisma where and
// orderBy, and the opaque cursors of its pages. samples, intakeQueue, Project.samples, myWork, the dashboard and
// exportSamples all build their WHERE here, so a filter, and a SUBMITTER's own-samples rule, means the same in each.
import type {
  FlowCellFormat,
  Prisma,
  Priority,
  QcStatus,
  SampleStatus,
  Stage,
} from '../../generated/prisma/samples/client.ts';
import { badUserInput } from '../kit/errors.ts';
import { isUuid } from '../kit/uuid.ts';
import type { Caller } from './deps.ts';
import { CLOSED_STATUSES } from './turnaround.ts';
import { visibleSampleWhere } from './visibility.ts';

/** A resolved range (kit/date-range.ts turns the client's dates and periods into it). */
export interface DateRange {
  /** Inclusive. */
  from?: Date | null;
  /** Exclusive. */
  to?: Date | null;
}

/** Every given condition must hold; a list matches any of its values (so an empty list matches none). */
export interface SampleFilter {
  status?: readonly SampleStatus[] | null;
  stage?: readonly Stage[] | null;
  priority?: readonly Priority[] | null;
  qcStatus?: readonly QcStatus[] | null;
  assigneeId?: string | null;
  /** true: no assignee; false: some assignee. */
  unassigned?: boolean | null;
  projectId?: string | null;
  submissionId?: string | null;
  /** Loaded on this run. */
  runId?: string | null;
  flowCellFormat?: readonly FlowCellFormat[] | null;
  /** Case-insensitive equality. */
  libraryKit?: string | null;
  overdue?: boolean | null;
  isControl?: boolean | null;
  created?: DateRange | null;
  due?: DateRange | null;
  received?: DateRange | null;
  completed?: DateRange | null;
  /** The requester's lab, case-insensitive equality (not a substring: `search` is for that). */
  lab?: string | null;
  /** Case-insensitive substring of the name, lab sample id, requester name or email, or lab. */
  search?: string | null;
}

export type SampleOrderField =
  'QUEUE' | 'CREATED_AT' | 'UPDATED_AT' | 'DUE_AT' | 'NAME' | 'LAB_SAMPLE_ID' | 'ROW_NUMBER';

export interface SampleOrder {
  field: SampleOrderField;
  /** Default ASC. */
  direction?: 'ASC' | 'DESC' | null;
}

/** Work over or never to happen: never overdue, not open. The same list as turnaround.ts's isOverdue uses. */

export const MAX_PAGE_SIZE = 500;
const MAX_SEARCH_LENGTH = 200;
/** As long as a sample's lab may be (sample-input.ts). */
export const MAX_LAB_LENGTH = 200;

/** A page size within 1..MAX_PAGE_SIZE, or BAD_USER_INPUT. */
export function assertPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, { field: 'first', rule: 'PAGE_SIZE' });
  }
  return first;
}

/** Opaque to clients: the base64url of the last sample's id (the ordering is re-read from that row). */
export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

export function decodeCursor(after: string | null | undefined): string | null {
  if (after == null) return null;
  const id = Buffer.from(after, 'base64url').toString('utf8');
  if (!isUuid(id) || encodeCursor(id) !== after) {
    throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
  }
  return id;
}

/** `dueAt < now` and still open: turnaround.ts's isOverdue as a WHERE. */
export function overdueWhere(now: Date): Prisma.SampleWhereInput {
  return { dueAt: { lt: now }, status: { notIn: [...CLOSED_STATUSES] } };
}

// The complement spelled out: NOT (due_at < now AND ...) is NULL, not true, for a sample with no due date.
function notOverdueWhere(now: Date): Prisma.SampleWhereInput {
  return { OR: [{ dueAt: null }, { dueAt: { gte: now } }, { status: { in: [...CLOSED_STATUSES] } }] };
}

function assertId(field: string, id: string): string {
  if (!isUuid(id)) throw badUserInput(`${field} is not an id`, { field, rule: 'ID' });
  return id;
}

function rangeWhere(range: DateRange): { gte?: Date; lt?: Date } {
  return { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) };
}

function assertLab(lab: string): string {
  const text = lab.trim();
  if (!text || text.length > MAX_LAB_LENGTH) {
    throw badUserInput(`lab must be 1 to ${MAX_LAB_LENGTH} characters`, {
      field: 'lab',
      rule: 'FILTER_LENGTH',
    });
  }
  return text;
}

// ILIKE's wildcards and its escape character, taken literally.
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

// Prisma runs a case-insensitive `equals` as ILIKE on PostgreSQL: without escaping, a `%` or `_` in the value
// would be a wildcard, and `lab: "%"` would match every lab.
const insensitiveEquals = (text: string) => ({ equals: escapeLike(text), mode: 'insensitive' as const });

function searchWhere(search: string): Prisma.SampleWhereInput | null {
  const text = search.trim();
  if (!text) return null;
  if (text.length > MAX_SEARCH_LENGTH) {
    throw badUserInput(`search must be at most ${MAX_SEARCH_LENGTH} characters`, {
      field: 'search',
      rule: 'FILTER_LENGTH',
    });
  }
  const contains = { contains: escapeLike(text), mode: 'insensitive' as const };
  return {
    OR: [
      { name: contains },
      { labSampleId: contains },
      { requesterName: contains },
      { requesterEmail: contains },
      { lab: contains },
    ],
  };
}

/** The samples matching `filter` that `caller` may see (a SUBMITTER: only their own). */
export function toSampleWhere(
  filter: SampleFilter | null | undefined,
  caller: Caller,
  now: Date,
): Prisma.SampleWhereInput {
  const f = filter ?? {};
  const and: Prisma.SampleWhereInput[] = [];
  and.push(visibleSampleWhere(caller));
  if (f.status) and.push({ status: { in: [...f.status] } });
  if (f.stage) and.push({ stage: { in: [...f.stage] } });
  if (f.priority) and.push({ priority: { in: [...f.priority] } });
  if (f.qcStatus) and.push({ qcStatus: { in: [...f.qcStatus] } });
  if (f.flowCellFormat) and.push({ flowCellFormat: { in: [...f.flowCellFormat] } });
  if (f.assigneeId != null) and.push({ assigneeId: assertId('assigneeId', f.assigneeId) });
  if (f.unassigned != null) and.push({ assigneeId: f.unassigned ? null : { not: null } });
  if (f.projectId != null) and.push({ projectId: assertId('projectId', f.projectId) });
  if (f.submissionId != null) and.push({ submissionId: assertId('submissionId', f.submissionId) });
  if (f.runId != null) and.push({ runs: { some: { runId: assertId('runId', f.runId) } } });
  if (f.libraryKit != null) and.push({ libraryKit: insensitiveEquals(f.libraryKit) });
  if (f.isControl != null) and.push({ isControl: f.isControl });
  if (f.overdue != null) and.push(f.overdue ? overdueWhere(now) : notOverdueWhere(now));
  if (f.created) and.push({ createdAt: rangeWhere(f.created) });
  if (f.due) and.push({ dueAt: rangeWhere(f.due) });
  if (f.received) and.push({ receivedAt: rangeWhere(f.received) });
  if (f.completed) and.push({ completedAt: rangeWhere(f.completed) });
  if (f.lab != null) and.push({ lab: insensitiveEquals(assertLab(f.lab)) });
  const search = f.search == null ? null : searchWhere(f.search);
  if (search) and.push(search);
  return { AND: and };
}

type SortOrder = 'asc' | 'desc';
// Nullable columns sort their nulls last in both directions: a sample without a due date (or lab id) is never
// the most urgent one.
const ORDER_COLUMNS: Record<SampleOrderField, (d: SortOrder) => Prisma.SampleOrderByWithRelationInput[]> = {
  // Priority is a PostgreSQL enum, which sorts in declaration order: URGENT first.
  QUEUE: (d) => [{ priority: d }, { createdAt: d }],
  CREATED_AT: (d) => [{ createdAt: d }],
  UPDATED_AT: (d) => [{ updatedAt: d }],
  DUE_AT: (d) => [{ dueAt: { sort: d, nulls: 'last' } }],
  NAME: (d) => [{ name: d }],
  LAB_SAMPLE_ID: (d) => [{ labSampleId: { sort: d, nulls: 'last' } }],
  ROW_NUMBER: (d) => [{ rowNumber: { sort: d, nulls: 'last' } }],
};

/** Default: newest first. The id always ends the order, so that pages are stable under ties. */
export function toSampleOrderBy(
  order: SampleOrder | null | undefined,
): Prisma.SampleOrderByWithRelationInput[] {
  const field = order?.field ?? 'CREATED_AT';
  const direction: SortOrder = order ? (order.direction === 'DESC' ? 'desc' : 'asc') : 'desc';
  return [...ORDER_COLUMNS[field](direction), { id: direction }];
}

export const QUEUE_ORDER: SampleOrder = { field: 'QUEUE', direction: 'ASC' };
