// The error codes every subgraph may put on the wire, each with a description and a builder (Apollo's
// internals-js/src/error.ts is the model). Anything thrown that is not built here is masked by formatError.
import { GraphQLError } from 'graphql';

type Extensions = Record<string, unknown>;

/** An error code: what it means, and a builder for the GraphQLError that carries it. */
export interface ErrorCodeDefinition {
  code: string;
  description: string;
  /** HTTP status Apollo Server uses when this error ends the whole request (e.g. in context creation). */
  httpStatus?: number;
  err(message: string, extensions?: Extensions): GraphQLError;
}

const registry = new Map<string, ErrorCodeDefinition>();

function define(code: string, description: string, httpStatus?: number): ErrorCodeDefinition {
  const definition: ErrorCodeDefinition = {
    code,
    description,
    httpStatus,
    err: (message, extensions = {}) =>
      new GraphQLError(message, {
        extensions: { ...extensions, code, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
      }),
  };
  registry.set(code, definition);
  return definition;
}

export const ERRORS = {
  BAD_USER_INPUT: define('BAD_USER_INPUT', 'The arguments are invalid; extensions name the field and rule.'),
  NOT_FOUND: define('NOT_FOUND', 'The entity does not exist (or the caller may not know it exists).'),
  FORBIDDEN: define('FORBIDDEN', 'The caller is signed in but may not do this.'),
  UNAUTHENTICATED: define('UNAUTHENTICATED', 'No valid identity: the token is missing, invalid or expired.'),
  CONFLICT: define(
    'CONFLICT',
    'The change conflicts with the current state, e.g. a unique value already used.',
  ),
  INVALID_TRANSITION: define(
    'INVALID_TRANSITION',
    'The workflow does not allow this change from this state.',
  ),
  TOO_MANY_REQUESTS: define(
    'TOO_MANY_REQUESTS',
    'Throttled; extensions.retryAfterSeconds says when to retry.',
  ),
  SERVICE_UNAVAILABLE: define(
    'SERVICE_UNAVAILABLE',
    'Busy, or a dependency did not answer in time (e.g. no database connection); retry shortly.',
  ),
  UNSUPPORTED_FILE_TYPE: define(
    'UNSUPPORTED_FILE_TYPE',
    'The uploaded bytes are of a type that is refused (executables).',
  ),
  ACCOUNT_LOCKED: define(
    'ACCOUNT_LOCKED',
    'Too many failed sign-ins for this email; says nothing about whether the account exists.',
  ),
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** Codes Apollo Server itself produces for malformed requests; safe to show. */
const APOLLO_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Whether a code is one we chose to send (registry or Apollo's request errors), i.e. not to be masked. */
export function isKnownErrorCode(code: unknown): boolean {
  return typeof code === 'string' && (registry.has(code) || APOLLO_CODES.has(code));
}

/** Every registered code, for documentation and tests. */
export function listErrorCodes(): ErrorCodeDefinition[] {
  return [...registry.values()];
}

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
 * Optimistic concurrency at the API: CONFLICT when the caller passed the version they read and the record has
 * moved on since. No expected version: nothing to check (the write itself is still versioned).
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
    expectedVersion,
    actualVersion,
  });
}
