// Date ranges as clients write them (the DateRange input, sampleAnalytics' and the audit filters' from/to/last),
// resolved to the half-open interval [from, to) every query runs on:
//
// - from: a date-time, or a date meaning 00:00 UTC of that day (inclusive);
// - to: a date-time (exclusive), or a date meaning up to the end of that UTC day (inclusive of the whole day,
//   so the interval ends at 00:00 UTC of the next day): `from: 2026-11-01, to: 2026-11-30` is all of November;
// - last: an ISO 8601 duration (P30D, P2W, PT12H, P1M) meaning the period up to now: [now - last, now).
//   Years and months are calendar ones, the day clamped to the target month (P1M from 31 March is 28 or 29
//   February, same time); weeks, days, hours are exact (UTC has no daylight saving). Not with from or to.
//
// Mistakes are BAD_USER_INPUT naming the field and the rule: RANGE_CONFLICT (last with from/to), RANGE_ORDER
// (to not after from), PERIOD_TOO_LONG (a period longer than MAX_PERIOD_YEARS).
import type { DateBound, Duration } from '../../common/scalars.ts';
import { badUserInput } from './errors.ts';

/** The longest `last` period, in calendar years. */
export const MAX_PERIOD_YEARS = 5;

const DAY_MS = 86_400_000;

export interface DateRangeInput {
  from?: DateBound | null;
  to?: DateBound | null;
  last?: Duration | null;
}

/** [from, to); null: unbounded on that side. */
export interface ResolvedRange {
  from: Date | null;
  to: Date | null;
}

/** `now` minus `duration`: calendar years and months first, then exact weeks, days, hours, minutes, seconds. */
export function subtractDuration(now: Date, duration: Duration): Date {
  const months = now.getUTCFullYear() * 12 + now.getUTCMonth() - duration.years * 12 - duration.months;
  const [year, month] = [Math.floor(months / 12), months % 12];
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const date = new Date(now.getTime());
  date.setUTCFullYear(year, month, Math.min(now.getUTCDate(), lastDay));
  const exactMs =
    ((duration.weeks * 7 + duration.days) * 24 * 3600 +
      duration.hours * 3600 +
      duration.minutes * 60 +
      duration.seconds) *
    1000;
  return new Date(date.getTime() - exactMs);
}

/** A bound written as a date-time stays that instant; a date is its day's start (`from`) or end (`to`). */
export function resolveBound(bound: DateBound, side: 'from' | 'to'): Date {
  if (!bound.dateOnly || side === 'from') return bound.at;
  return new Date(bound.at.getTime() + DAY_MS);
}

/**
 * The interval a range input means at `now`; `field` prefixes the fields named in errors (e.g. `created`).
 * An empty input is unbounded on both sides.
 */
export function resolveDateRange(input: DateRangeInput, now: Date, field?: string): ResolvedRange {
  const name = (part: string) => (field ? `${field}.${part}` : part);
  if (input.last) {
    if (input.from || input.to) {
      throw badUserInput('last is a period up to now: give either last, or from and/or to', {
        field: name('last'),
        rule: 'RANGE_CONFLICT',
      });
    }
    const from = subtractDuration(now, input.last);
    const limit = new Date(now.getTime());
    limit.setUTCFullYear(limit.getUTCFullYear() - MAX_PERIOD_YEARS);
    if (from.getTime() < limit.getTime()) {
      throw badUserInput(`last must be at most ${MAX_PERIOD_YEARS} years`, {
        field: name('last'),
        rule: 'PERIOD_TOO_LONG',
      });
    }
    return { from, to: now };
  }
  const from = input.from ? resolveBound(input.from, 'from') : null;
  const to = input.to ? resolveBound(input.to, 'to') : null;
  if (from && to && !(from.getTime() < to.getTime())) {
    throw badUserInput('to must be after from', { field: name('to'), rule: 'RANGE_ORDER' });
  }
  return { from, to };
}
