// Priority, queue order and turnaround targets of docs/domain.md, as pure functions. Hour targets (URGENT, HIGH) are
// wall-clock; business-day targets (NORMAL, LOW) skip Saturdays and Sundays, counted on the UTC calendar, with no
// public holidays. The clock starts when the sample is received (the lab cannot work on what it does not hold).
import type { Status } from './stages.ts';

/** In queue order: URGENT first. */
export const PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type TurnaroundTarget = { hours: number } | { businessDays: number };
export const TURNAROUND_TARGETS: Readonly<Record<Priority, TurnaroundTarget>> = {
  URGENT: { hours: 24 },
  HIGH: { hours: 48 },
  NORMAL: { businessDays: 5 },
  LOW: { businessDays: 10 },
};

/** Statuses whose lab work is over (or will never happen): such a sample is never overdue, and is not open work. */
export const CLOSED_STATUSES = [
  'COMPLETED',
  'DISTRIBUTED',
  'ARCHIVED',
  'CANCELLED',
] as const satisfies readonly Status[];

const DAY_MS = 86_400_000;
const isWeekend = (date: Date) => date.getUTCDay() === 0 || date.getUTCDay() === 6;

/** `days` business days after `start`; a start on a weekend counts from the following Monday 00:00 UTC. */
export function addBusinessDays(start: Date, days: number): Date {
  let date = new Date(start.getTime());
  if (isWeekend(date)) {
    date = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
    while (isWeekend(date)) date = new Date(date.getTime() + DAY_MS);
  }
  for (let added = 0; added < days;) {
    date = new Date(date.getTime() + DAY_MS);
    if (!isWeekend(date)) added += 1;
  }
  return date;
}

/** When a sample of this priority, received at `receivedAt`, is due. */
export function getDueAt(priority: Priority, receivedAt: Date): Date {
  const target = TURNAROUND_TARGETS[priority];
  if ('hours' in target) return new Date(receivedAt.getTime() + target.hours * 3_600_000);
  return addBusinessDays(receivedAt, target.businessDays);
}

/**
 * Hours as the API shows them: to 0.1 h (6 minutes), finer than any target or stage's nominal time and coarser
 * than the noise of timestamps. Applied wherever a duration leaves the subgraph (analytics, history, exports).
 */
export function roundHours(hours: number): number;
export function roundHours(hours: number | null): number | null;
export function roundHours(hours: number | null): number | null {
  return hours === null ? null : Math.round(hours * 10) / 10;
}

/** Past its due time and still open (held and failed samples still count: they need someone's attention). */
export function isOverdue(sample: { status: Status; dueAt: Date | null }, now: Date): boolean {
  if (!sample.dueAt || (CLOSED_STATUSES as readonly Status[]).includes(sample.status)) return false;
  return now.getTime() > sample.dueAt.getTime();
}

/** Queue order for Array.sort: urgent, high, normal, low, then oldest first, then id for a stable order. */
export function compareQueueOrder(
  a: { priority: Priority; queuedAt: Date; id: string },
  b: { priority: Priority; queuedAt: Date; id: string },
): number {
  return (
    PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) ||
    a.queuedAt.getTime() - b.queuedAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
