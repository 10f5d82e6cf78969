import type { GraphQLError } from 'graphql';
import { codedError, errorCodes, type CodedErrorOptions, type ErrorCode } from '../common/errors.ts';

export interface RouterErrorOptions extends Omit<CodedErrorOptions, 'httpStatus'> {
  /** Overrides the registry's HTTP status; `null` keeps the response status unchanged (a field's error). */
  httpStatus?: number | null;
}

/**
 * Builds the GraphQLError for a registered code (common/errors.ts). The registry's HTTP status rides in
 * `extensions.http`, which Apollo Server applies to the response and strips, unless `httpStatus: null`.
 */
export function routerError(
  code: ErrorCode,
  message: string,
  options: RouterErrorOptions = {},
): GraphQLError {
  const { httpStatus, ...rest } = options;
  return codedError(code, message, {
    ...rest,
    httpStatus: httpStatus === null ? undefined : (httpStatus ?? errorCodes[code].httpStatus),
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
