import { ERRORS } from '../subgraphs/kit/errors.ts';
import { GraphQLError } from 'graphql';

/** One entry of the router's error-code registry. */
export interface ErrorCodeDefinition {
  /** What the code means, for the README and for clients. */
  description: string;
  /** HTTP status the whole response takes when this error ends the request; undefined keeps the default. */
  httpStatus?: number;
}

/**
 * Codes the router itself produces. Every GraphQLError the router builds goes through `routerError`, so a code
 * that is not listed here cannot be produced by mistake.
 */
export const routerErrorCodes = {
  UNAUTHENTICATED: {
    description: 'The bearer token is missing where required, invalid or expired.',
    httpStatus: 401,
  },
  UNAUTHORIZED_FIELD_OR_TYPE: {
    description:
      'A field or type the caller may not see was removed (filter mode) or the operation was refused (reject mode).',
    httpStatus: 403,
  },
  OPERATION_LIMIT_EXCEEDED: {
    description:
      'The request exceeds a configured limit; `extensions.limit` names it (maxBodyBytes, maxTokens, maxDepth, maxAliases, maxRootFields, maxCost).',
    httpStatus: 400,
  },
  UPLOAD_LIMIT_EXCEEDED: {
    description:
      'A multipart upload exceeds a configured limit; `extensions.limit` names it (maxFileBytes, maxFiles, maxRequestBytes) and `extensions.max` gives it.',
    httpStatus: 413,
  },
  GATEWAY_TIMEOUT: { description: 'A subgraph did not answer within the configured time.' },
  BAD_GATEWAY: {
    description: 'A subgraph behind a plain HTTP route (file downloads) cannot be reached.',
    httpStatus: 502,
  },
  NOT_FOUND: {
    description: 'No such route (for example file downloads without a files subgraph).',
    httpStatus: 404,
  },
  SUPERGRAPH_UNAVAILABLE: { description: 'No supergraph is loaded yet.', httpStatus: 503 },
  SERVICE_UNAVAILABLE: {
    description: 'A dependency of the router (such as the JWKS) cannot be reached.',
    httpStatus: 503,
  },
  BAD_REQUEST: {
    description:
      'The HTTP request is malformed (invalid JSON, a multipart request without the CSRF preflight header, an upload used twice).',
    httpStatus: 400,
  },
  INTERNAL_SERVER_ERROR: {
    description: 'Anything unexpected; details are logged with the request id.',
    httpStatus: 500,
  },
} as const satisfies Record<string, ErrorCodeDefinition>;

export type RouterErrorCode = keyof typeof routerErrorCodes;

/**
 * Codes whose message reaches the client unchanged: the router's own, the domain codes of the subgraph kit's
 * registry (the only codes subgraphs put on the wire), and graphql-js / Apollo Server request errors.
 * Everything else is masked as INTERNAL_SERVER_ERROR.
 */
export const passThroughCodes: ReadonlySet<string> = new Set(
  [
    ...Object.keys(routerErrorCodes),
    ...Object.keys(ERRORS),
    'GRAPHQL_VALIDATION_FAILED',
    'GRAPHQL_PARSE_FAILED',
    'PERSISTED_QUERY_NOT_FOUND',
    'PERSISTED_QUERY_NOT_SUPPORTED',
    'OPERATION_RESOLUTION_FAILURE',
  ].filter((code) => code !== 'INTERNAL_SERVER_ERROR'),
);

export interface RouterErrorOptions {
  extensions?: Record<string, unknown>;
  path?: ReadonlyArray<string | number>;
  /** Overrides the registry's HTTP status; `null` keeps the response status unchanged. */
  httpStatus?: number | null;
}

/** Builds the GraphQLError for a registered code; the HTTP status rides in `extensions.http`, which Apollo Server strips. */
export function routerError(
  code: RouterErrorCode,
  message: string,
  options: RouterErrorOptions = {},
): GraphQLError {
  const definition: ErrorCodeDefinition = routerErrorCodes[code];
  const status = options.httpStatus === undefined ? definition.httpStatus : options.httpStatus;
  return new GraphQLError(message, {
    path: options.path,
    extensions: { code, ...options.extensions, ...(status ? { http: { status } } : {}) },
  });
}

/** The JSON body for errors the router answers itself, before Apollo Server runs. */
export function errorBody(error: GraphQLError): { errors: unknown[] } {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return { errors: [{ message: error.message, extensions }] };
}

export function httpStatusOf(error: GraphQLError): number {
  const http = error.extensions.http as { status?: number } | undefined;
  return http?.status ?? 500;
}
