// Builders for the codes of the shared registry (common/errors.ts), the only codes a subgraph puts on the wire
// (Apollo's internals-js/src/error.ts is the model). Anything thrown that is not built here is masked by formatError.
import type { GraphQLError } from 'graphql';
import { codedError, errorCodes, type ErrorCode, type ErrorCodeDefinition } from '../../common/errors.ts';

type Extensions = Record<string, unknown>;

/** A registered code, and a builder for the GraphQLError that carries it. */
export interface ErrorBuilder extends ErrorCodeDefinition {
  code: ErrorCode;
  /**
   * A field's error: no HTTP status of its own. A response that has no data at all takes the registry's status
   * (error-handling.ts); partial data keeps 200.
   */
  err(message: string, extensions?: Extensions): GraphQLError;
}

export const ERRORS = Object.fromEntries(
  Object.entries(errorCodes).map(([code, definition]) => [
    code,
    {
      code,
      ...definition,
      err: (message: string, extensions: Extensions = {}) =>
        codedError(code as ErrorCode, message, { extensions }),
    },
  ]),
) as Record<ErrorCode, ErrorBuilder>;

export type { ErrorCode };

/** A BAD_USER_INPUT naming the argument and the rule it broke. */
export function badUserInput(message: string, details: { field?: string; rule?: string } & Extensions = {}) {
  return ERRORS.BAD_USER_INPUT.err(message, details);
}

interface PrismaKnownError {
  name: string;
  code: string;
  meta?: Record<string, unknown>;
}

function isPrismaKnownError(error: unknown): error is PrismaKnownError {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/**
 * Maps Prisma's known request errors to domain errors (P2002 unique violation -> CONFLICT, P2025 record not found
 * -> NOT_FOUND, P2028 transaction not started in time -> SERVICE_UNAVAILABLE). Anything else is returned unchanged, to be masked and logged by formatError.
 */
export function fromPrismaError(error: unknown, entity = 'record'): unknown {
  if (!isPrismaKnownError(error)) return error;
  // P2028: no transaction could start in time (pool exhausted under load). Retrying helps; masking would not.
  if (error.code === 'P2028') return ERRORS.SERVICE_UNAVAILABLE.err('the service is busy: retry shortly');
  if (error.code === 'P2002') {
    const target =
      error.meta?.target ??
      (error.meta?.driverAdapterError as { cause?: { constraint?: unknown } })?.cause?.constraint;
    return ERRORS.CONFLICT.err(`a ${entity} with this value already exists`, {
      rule: 'UNIQUE',
      ...(target ? { target } : {}),
    });
  }
  if (error.code === 'P2025') return ERRORS.NOT_FOUND.err(`${entity} not found`);
  return error;
}

/** `await withPrismaErrors(() => prisma.x.create(...), 'user')`: runs and maps Prisma errors on the way out. */
export async function withPrismaErrors<T>(run: () => Promise<T>, entity?: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fromPrismaError(error, entity);
  }
}

/**
 * Optimistic concurrency at the API: CONFLICT (`rule: STALE_VERSION`) when the caller passed the version they
 * read and the record has moved on since. No expected version: nothing to check (the write itself is still
 * versioned, see staleVersion).
 */
export function assertExpectedVersion(
  entity: string,
  actualVersion: number,
  expectedVersion: number | null | undefined,
  extensions: Extensions = {},
): void {
  if (expectedVersion === null || expectedVersion === undefined || expectedVersion === actualVersion) return;
  throw ERRORS.CONFLICT.err(`the ${entity} was changed since you read it; reload and retry`, {
    ...extensions,
    rule: 'STALE_VERSION',
    expectedVersion,
    actualVersion,
  });
}

/**
 * The CONFLICT of a versioned write that matched nothing: someone else changed the record between this
 * request's read and its write. The same rule as a stale expected version, since the client does the same.
 */
export function staleVersion(entity: string, readVersion: number): GraphQLError {
  return ERRORS.CONFLICT.err(`the ${entity} was changed at the same time; reload and retry`, {
    rule: 'STALE_VERSION',
    expectedVersion: readVersion,
  });
}
