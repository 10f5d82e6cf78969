import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import {
  INTERNAL_SERVER_ERROR,
  isPassThroughCode,
  MASKED_MESSAGE,
  requestErrorCode,
  setFailedResponseStatus,
} from '../../common/errors.ts';
import { requestScope } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';

export interface ErrorMaskingOptions {
  /** Used when an error happens outside a request. */
  logger: Logger;
}

/** Extensions that would tell clients about subgraphs or internals. */
const internalExtensions = new Set(['serviceName', 'stacktrace', 'exception', 'response', 'http']);
const mentionsInternals = /https?:\/\/|Error fetching from|subgraph "|service "/i;

/**
 * The one place where errors are masked. Codes of the registry (common/errors.ts) keep their message (without
 * internal extensions); anything else becomes `Internal server error` with the request id, and the full error
 * goes to the log. A response that is nothing but client errors takes the registry's 4xx status.
 */
export function useErrorMasking(options: ErrorMaskingOptions): RouterStage {
  return {
    name: 'errorMasking',
    formatError(formatted, original): GraphQLFormattedError {
      const state = requestScope.getStore();
      const code = requestErrorCode(original) ?? String(formatted.extensions?.code ?? '');
      if (isPassThroughCode(code) && !mentionsInternals.test(formatted.message)) {
        const extensions = Object.fromEntries(
          Object.entries(formatted.extensions ?? {}).filter(([key]) => !internalExtensions.has(key)),
        );
        return { ...formatted, extensions: { ...extensions, code } };
      }
      const log = state?.log ?? options.logger;
      const cause = (original as { originalError?: unknown })?.originalError ?? original;
      log.error(
        { stage: 'errorMasking', err: cause, code, path: formatted.path, extensions: formatted.extensions },
        formatted.message,
      );
      return {
        message: MASKED_MESSAGE,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: INTERNAL_SERVER_ERROR, requestId: state?.requestId },
      };
    },
    plugin: {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            setFailedResponseStatus(response);
          },
        };
      },
    },
  };
}
