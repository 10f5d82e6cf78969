// Unknown errors are masked in exactly one place (formatError) and logged in full, with the request id, by the
// plugin below. Coded errors from the registry (and Apollo's request errors) pass through unchanged.
import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { fromPrismaError, isKnownErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';

export const MASKED_MESSAGE = 'Internal server error';

export function createFormatError(): NonNullable<ApolloServerOptions<never>['formatError']> {
  return (formatted, error): GraphQLFormattedError => {
    // A Prisma error no resolver mapped (such as a transaction that could not start under load) still gets its code.
    const mapped = fromPrismaError(unwrapResolverError(error));
    if (mapped instanceof GraphQLError) {
      return {
        message: mapped.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: mapped.extensions,
      };
    }
    if (isKnownErrorCode(formatted.extensions?.code)) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return {
      message: MASKED_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
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
            if (isKnownErrorCode(error.extensions?.code)) {
              log.debug({ code: error.extensions.code, path: error.path, operationName }, error.message);
            } else {
              log.error(
                { err: error.originalError ?? error, path: error.path, operationName },
                'unexpected error',
              );
            }
          }
        },
      };
    },
  };
}
