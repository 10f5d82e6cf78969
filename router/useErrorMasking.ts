import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { passThroughCodes } from './errors.ts';
import { requestScope } from './requestState.ts';
import type { RouterStage } from './stage.ts';

export interface ErrorMaskingOptions {
  /** Used when an error happens outside a request. */
  logger: Logger;
}

/** Extensions that would tell clients about subgraphs or internals. */
const internalExtensions = new Set(['serviceName', 'stacktrace', 'exception', 'response', 'http']);
const mentionsInternals = /https?:\/\/|Error fetching from|subgraph "|service "/i;

/**
 * The one place where errors are masked. Known codes keep their message (without internal extensions); anything
 * else becomes `Internal server error` with the request id, and the full error goes to the log.
 */
export function useErrorMasking(options: ErrorMaskingOptions): RouterStage {
  return {
    name: 'errorMasking',
    formatError(formatted, original): GraphQLFormattedError {
      const state = requestScope.getStore();
      const code = String(formatted.extensions?.code ?? '');
      if (passThroughCodes.has(code) && !mentionsInternals.test(formatted.message)) {
        const extensions = Object.fromEntries(
          Object.entries(formatted.extensions ?? {}).filter(([key]) => !internalExtensions.has(key)),
        );
        return { ...formatted, extensions };
      }
      const logger = state?.logger ?? options.logger;
      const cause = (original as { originalError?: unknown })?.originalError ?? original;
      logger.error(
        { stage: 'errorMasking', err: cause, code, path: formatted.path, extensions: formatted.extensions },
        formatted.message,
      );
      return {
        message: 'Internal server error',
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: state?.requestId },
      };
    },
  };
}
