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

/** The scalars whose input the router checks, by name. */
export const checkedScalars: readonly GraphQLScalarType[] = [DateTimeScalar];
