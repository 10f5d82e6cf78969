// Our custom scalars, shared: the subgraphs resolve them (kit/scalars.ts) and the router checks their input
// values itself (router/installScalars.ts), so a bad value is refused before anything is planned.
import { GraphQLScalarType, Kind } from 'graphql';
import { codedError } from './errors.ts';

function parseDate(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw codedError('BAD_USER_INPUT', 'DateTime must be an ISO 8601 date-time string');
  }
  return new Date(value);
}

/** ISO 8601 date-time; output from Date or string, input parsed to a Date. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO 8601 date-time string with time zone, e.g. 2026-03-01T09:30:00.000Z.',
  serialize(value) {
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    // An output value is ours: not a client's mistake, so no code (masked and logged).
    if (!date || Number.isNaN(date.getTime())) throw new Error('DateTime cannot represent this value');
    return date.toISOString();
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw codedError('BAD_USER_INPUT', 'DateTime must be a string');
    return parseDate(ast.value);
  },
});

/**
 * A bound of a date range as a client wrote it: an instant (a date-time) or a whole UTC day (`YYYY-MM-DD`).
 * What a day means depends on the side of the range (kit/date-range.ts): its start for `from`, its end for `to`.
 */
export interface DateBound {
  /** The instant, or 00:00 UTC of the day. */
  at: Date;
  /** Written as a date (`YYYY-MM-DD`), not a date-time. */
  dateOnly: boolean;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDateBound(value: unknown): DateBound {
  const match = typeof value === 'string' ? DATE_ONLY.exec(value) : null;
  if (match) {
    const at = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    // 2026-02-30 would roll over to March: a day that does not exist is refused, not moved.
    if (at.toISOString().slice(0, 10) !== value) {
      throw codedError('BAD_USER_INPUT', 'DateBound: no such date');
    }
    return { at, dateOnly: true };
  }
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw codedError('BAD_USER_INPUT', 'DateBound must be a date (YYYY-MM-DD) or an ISO 8601 date-time');
  }
  return { at: new Date(value), dateOnly: false };
}

/** Input only: a date (`2026-11-01`, a whole UTC day) or an ISO 8601 date-time. */
export const DateBoundScalar = new GraphQLScalarType<DateBound, string>({
  name: 'DateBound',
  description:
    'A bound of a date range: a date (YYYY-MM-DD, a whole UTC day) or an ISO 8601 date-time with time zone.',
  serialize(value) {
    const bound = value as DateBound;
    if (!(bound?.at instanceof Date)) throw new Error('DateBound cannot represent this value');
    return bound.dateOnly ? bound.at.toISOString().slice(0, 10) : bound.at.toISOString();
  },
  parseValue: parseDateBound,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw codedError('BAD_USER_INPUT', 'DateBound must be a string');
    return parseDateBound(ast.value);
  },
});

/** An ISO 8601 duration's parts (each 0 when absent). */
export interface Duration {
  text: string;
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

// Integer parts only, each at most a few digits (the length of a period is bounded again where it is used).
const DURATION =
  /^P(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$/;

function parseDuration(value: unknown): Duration {
  const match = typeof value === 'string' && !value.endsWith('T') ? DURATION.exec(value) : null;
  if (!match) {
    throw codedError('BAD_USER_INPUT', 'Duration must be an ISO 8601 duration such as P30D, P2W or PT12H');
  }
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((n) => Number(n ?? 0));
  const duration = { text: value as string, years, months, weeks, days, hours, minutes, seconds } as Duration;
  if ([years, months, weeks, days, hours, minutes, seconds].every((n) => n === 0)) {
    throw codedError('BAD_USER_INPUT', 'Duration must be longer than zero');
  }
  return duration;
}

/** Input only: an ISO 8601 duration (P30D, P2W, PT12H, P1M, P1DT6H), integer parts. */
export const DurationScalar = new GraphQLScalarType<Duration, string>({
  name: 'Duration',
  description: 'An ISO 8601 duration with integer parts, e.g. P30D, P2W, PT12H, P1M or P1DT6H.',
  serialize(value) {
    const text = (value as Duration)?.text ?? value;
    if (typeof text !== 'string') throw new Error('Duration cannot represent this value');
    return text;
  },
  parseValue: parseDuration,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw codedError('BAD_USER_INPUT', 'Duration must be a string');
    return parseDuration(ast.value);
  },
});

/** The scalars whose input the router checks, by name. */
export const checkedScalars: readonly GraphQLScalarType[] = [DateTimeScalar, DateBoundScalar, DurationScalar];
