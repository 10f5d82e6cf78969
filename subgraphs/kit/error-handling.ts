// Unknown errors are masked in exactly one place (formatError) and logged in full, with the request id, by the
// plugin below. Codes of the registry (common/errors.ts) pass through unchanged, and a response that is nothing
// but such errors takes the registry's HTTP status.
import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import type { ErrorRequestHandler } from 'express';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import {
  codedError,
  INTERNAL_SERVER_ERROR,
  isPassThroughCode,
  MASKED_MESSAGE,
  requestErrorCode,
  setFailedResponseStatus,
} from '../../common/errors.ts';
import { fromPrismaError } from './errors.ts';
import type { Logger } from './logger.ts';

export { MASKED_MESSAGE };

export function createFormatError(): NonNullable<ApolloServerOptions<never>['formatError']> {
  return (formatted, error): GraphQLFormattedError => {
    // A Prisma error no resolver mapped (such as a transaction that could not start under load) still gets its code.
    const cause = unwrapResolverError(error);
    const mapped = fromPrismaError(cause);
    if (mapped !== cause && mapped instanceof GraphQLError) {
      return {
        message: mapped.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: mapped.extensions,
      };
    }
    const code = requestErrorCode(error) ?? formatted.extensions?.code;
    if (isPassThroughCode(code)) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, code } };
    }
    return {
      message: MASKED_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: INTERNAL_SERVER_ERROR },
    };
  };
}

export function createErrorLogging<TContext extends { log?: Logger }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const log = contextValue?.log;
            if (!log) continue;
            if (isPassThroughCode(error.extensions?.code)) {
              log.debug({ code: error.extensions.code, path: error.path, operationName }, error.message);
            } else {
              log.error(
                { err: error.originalError ?? error, path: error.path, operationName },
                'unexpected error',
              );
            }
          }
        },
        // A response with no data is a 4xx for the client's mistakes, a 500 for ours; partial data stays 200.
        async willSendResponse({ response }) {
          setFailedResponseStatus(response);
        },
      };
    },
  };
}

interface HttpError {
  status?: number;
  expose?: boolean;
  /** body-parser's kind of failure, e.g. entity.parse.failed, entity.too.large. */
  type?: string;
  message?: string;
}

/**
 * The errors of /graphql's body parsers (express.json, the multipart reader) as a GraphQL response: a body that
 * is not JSON or is too large, a malformed multipart request, is the client's mistake and gets its 4xx with a
 * code; anything else is masked and logged. Without this, express answers with an HTML page and a stack trace.
 */
export function createBodyErrorHandler(): ErrorRequestHandler {
  return (error: HttpError, _req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    const graphqlError =
      error?.type === 'entity.parse.failed'
        ? codedError('BAD_REQUEST', 'Request body is not valid JSON')
        : error?.type === 'entity.too.large'
          ? codedError('OPERATION_LIMIT_EXCEEDED', 'Request body is too large', {
              extensions: { limit: 'bodyLimit' },
            })
          : status === 413
            ? codedError('UPLOAD_LIMIT_EXCEEDED', String(error.message))
            : status >= 400 && status < 500 && error?.expose
              ? codedError('BAD_REQUEST', String(error.message))
              : undefined;
    if (!graphqlError) {
      res.locals.log?.error({ err: error }, 'request body could not be read');
      res
        .status(500)
        .json({ errors: [{ message: MASKED_MESSAGE, extensions: { code: INTERNAL_SERVER_ERROR } }] });
      return;
    }
    res
      .status(status)
      .json({ errors: [{ message: graphqlError.message, extensions: graphqlError.extensions }] });
  };
}
