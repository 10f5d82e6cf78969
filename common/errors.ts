// The one error-code registry of the router and the subgraphs: every `extensions.code` either may put on the
// wire, what it means and the HTTP status of a response that is nothing but that error. Apollo Server's own
// codes come from ApolloServerErrorCode; README.md's table is generated from this file
// (`npx tsx scripts/error-table.ts --write`). Imports neither router/ nor subgraphs/.
import type { GraphQLResponse } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';

export interface ErrorCodeDefinition {
  /** What the code means, for the README and for clients. */
  description: string;
  /** The HTTP status of a response that is only this error (no data); partial data keeps 200. */
  httpStatus: number;
}

const apolloCodes = {
  [ApolloServerErrorCode.GRAPHQL_PARSE_FAILED]: {
    description: 'The document is not valid GraphQL syntax.',
    httpStatus: 400,
  },
  [ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED]: {
    description:
      'The document does not validate against the schema (unknown field, missing argument, a literal of the wrong type).',
    httpStatus: 400,
  },
  [ApolloServerErrorCode.BAD_USER_INPUT]: {
    description:
      'An argument or variable is invalid; `extensions.field` and `extensions.rule` name the field and the rule it broke.',
    httpStatus: 400,
  },
  [ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE]: {
    description:
      'The operation to run cannot be chosen: `operationName` names no operation of the document, or several operations and no name.',
    httpStatus: 400,
  },
  [ApolloServerErrorCode.BAD_REQUEST]: {
    description:
      'The HTTP request is malformed: not JSON, an unsupported content type, a mutation over GET, a persisted-query hash that does not match the query, a multipart request without the CSRF preflight header.',
    httpStatus: 400,
  },
  [ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND]: {
    description: 'The persisted-query hash is not known yet: send the query with it (Apollo APQ protocol).',
    httpStatus: 200,
  },
  [ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: {
    description: 'This server does not take persisted queries (Apollo APQ protocol).',
    httpStatus: 200,
  },
  [ApolloServerErrorCode.INTERNAL_SERVER_ERROR]: {
    description:
      'Anything unexpected. The message is always `Internal server error`; the details are logged with `extensions.requestId`.',
    httpStatus: 500,
  },
} as const satisfies Record<ApolloServerErrorCode, ErrorCodeDefinition>;

const ourCodes = {
  UNAUTHENTICATED: {
    description:
      'No valid identity: the bearer token is missing where required, invalid or expired; a failed sign-in.',
    httpStatus: 401,
  },
  ACCOUNT_LOCKED: {
    description: 'Too many failed sign-ins for this email; says nothing about whether the account exists.',
    httpStatus: 423,
  },
  FORBIDDEN: { description: 'The caller is signed in but may not do this.', httpStatus: 403 },
  UNAUTHORIZED_FIELD_OR_TYPE: {
    description:
      'A field or type the caller may not see was removed (filter mode: null at its path) or the operation was refused (reject mode).',
    httpStatus: 403,
  },
  NOT_FOUND: {
    description: 'The entity (or route) does not exist, or the caller may not know it exists.',
    httpStatus: 404,
  },
  CONFLICT: {
    description:
      'The change conflicts with the current state: `rule: UNIQUE` a value already used, `rule: STALE_VERSION` the record changed since it was read (reload and retry).',
    httpStatus: 409,
  },
  INVALID_TRANSITION: {
    description: 'The workflow does not allow this change from this state; `extensions.rule` names why.',
    httpStatus: 409,
  },
  OPERATION_LIMIT_EXCEEDED: {
    description:
      'The request exceeds a configured limit; `extensions.limit` names it (maxTokens, maxDepth, maxAliases, maxRootFields, maxSelections, maxCost; maxBodyBytes at the router and bodyLimit at a subgraph answer 413).',
    httpStatus: 400,
  },
  UPLOAD_LIMIT_EXCEEDED: {
    description:
      'A multipart upload exceeds a configured limit; `extensions.limit` names it (maxFileBytes, maxFiles, maxRequestBytes) and `extensions.max` gives it.',
    httpStatus: 413,
  },
  UNSUPPORTED_FILE_TYPE: {
    description: 'The uploaded bytes are of a type that is refused (executables).',
    httpStatus: 415,
  },
  TOO_MANY_REQUESTS: {
    description: 'Throttled; `extensions.retryAfterSeconds` says when to retry.',
    httpStatus: 429,
  },
  SERVICE_UNAVAILABLE: {
    description:
      'Busy, or a dependency did not answer in time (no database connection, the JWKS, a subgraph still starting); retry shortly.',
    httpStatus: 503,
  },
  JOB_NOT_CANCELLABLE: {
    description:
      'The extraction job has already finished (SUCCEEDED, FAILED or CANCELLED): nothing to cancel.',
    httpStatus: 409,
  },
  JOB_NOT_RETRYABLE: {
    description: 'Only a FAILED or CANCELLED extraction job can be retried.',
    httpStatus: 409,
  },
  RETRIEVAL_OFF: {
    description:
      'Retrieval (similar submissions, vocabulary suggestions) is not configured on this installation (CHROMA_URL unset).',
    httpStatus: 503,
  },
  LINK_INVALID: {
    description:
      'A signed download link (an export) was altered or not made by this service: ask the API for a new one.',
    httpStatus: 403,
  },
  LINK_EXPIRED: {
    description: 'A signed download link (an export) has expired: ask the API for a new one.',
    httpStatus: 410,
  },
  EXPORT_TOO_LARGE: {
    description:
      'An export link would now hold more rows than the configured maximum (more rows matched since it was made): narrow the filter.',
    httpStatus: 413,
  },
  SUPERGRAPH_UNAVAILABLE: { description: 'The router has no supergraph loaded yet.', httpStatus: 503 },
  PERSISTED_QUERY_NOT_IN_LIST: {
    description:
      'The router runs with trusted documents (`ROUTER_TRUSTED_DOCUMENTS=enforce`) and the document, or the id or hash sent for it, is not in its manifest; nothing was parsed or planned.',
    httpStatus: 403,
  },
  BAD_GATEWAY: {
    description: 'A subgraph behind a plain HTTP route (file downloads) cannot be reached.',
    httpStatus: 502,
  },
  GATEWAY_TIMEOUT: {
    description: 'A subgraph did not answer within the configured time (`extensions.timeoutMs`).',
    httpStatus: 504,
  },
} as const satisfies Record<string, ErrorCodeDefinition>;

/** Every code the router and the subgraphs may send, Apollo Server's first. */
export const errorCodes: Readonly<Record<ErrorCode, ErrorCodeDefinition>> = { ...apolloCodes, ...ourCodes };

export type ErrorCode = `${keyof typeof apolloCodes}` | keyof typeof ourCodes;

export const INTERNAL_SERVER_ERROR = ApolloServerErrorCode.INTERNAL_SERVER_ERROR;

/** The message every masked error carries. */
export const MASKED_MESSAGE = 'Internal server error';

/** Whether the code is one of the registry's, other than INTERNAL_SERVER_ERROR: its message may reach the client. */
export function isPassThroughCode(code: unknown): code is ErrorCode {
  return isErrorCode(code) && code !== INTERNAL_SERVER_ERROR;
}

export interface CodedErrorOptions {
  extensions?: Record<string, unknown>;
  path?: ReadonlyArray<string | number>;
  /**
   * Puts this HTTP status in `extensions.http`, which Apollo Server applies to the whole response (and strips):
   * for errors that end the request before or instead of execution. `true` takes the registry's status.
   * Errors of a single field leave it out: their response takes a status only when it has no data at all.
   */
  httpStatus?: number | true;
}

/** The GraphQLError for a registered code. */
export function codedError(code: ErrorCode, message: string, options: CodedErrorOptions = {}): GraphQLError {
  const status = options.httpStatus === true ? errorCodes[code].httpStatus : options.httpStatus;
  return new GraphQLError(message, {
    path: options.path,
    extensions: { ...options.extensions, code, ...(status ? { http: { status } } : {}) },
  });
}

interface ErrorWithCode {
  extensions?: { code?: unknown } | null;
}

/**
 * The HTTP status of a response with errors and no data, like Apollo Server's 400 for bad variables: 500 when
 * any error is masked (an internal failure), else the registry's status of its first error. Undefined when
 * a code is not in the registry (not yet formatted), which keeps Apollo's status.
 */
export function statusOfFailedResponse(errors: readonly ErrorWithCode[]): number | undefined {
  const codes = errors.map((error) => error.extensions?.code);
  if (codes.length === 0 || !codes.every(isErrorCode)) return undefined;
  const code = codes.includes(INTERNAL_SERVER_ERROR) ? INTERNAL_SERVER_ERROR : codes[0]!;
  return errorCodes[code].httpStatus;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCodes, code);
}

/**
 * Apollo Server reports a few malformed requests without a code, only an HTTP 4xx status (a persisted-query
 * hash that does not match its query, an unknown persisted-query version): they are the client's BAD_REQUEST.
 * Takes the error as thrown (formatError's second argument); undefined for anything else.
 */
export function requestErrorCode(error: unknown): ErrorCode | undefined {
  const { extensions, originalError } = (error ?? {}) as Partial<GraphQLError>;
  if (!extensions || extensions.code !== undefined || originalError) return undefined;
  const status = (extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : undefined;
}

/**
 * For a plugin's willSendResponse, after formatError: a response with no data takes the status of its errors
 * (statusOfFailedResponse). A status already set wins; partial data stays 200.
 */
export function setFailedResponseStatus(response: GraphQLResponse): void {
  if (response.body.kind !== 'single' || response.http.status !== undefined) return;
  const { data, errors } = response.body.singleResult;
  if (data !== null && data !== undefined) return;
  const status = statusOfFailedResponse(errors ?? []);
  if (status !== undefined) response.http.status = status;
}
