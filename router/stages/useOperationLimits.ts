import type { GraphQLFormattedError } from 'graphql';
import {
  checkOperationLimits,
  violationExtensions,
  defaultOperationLimits,
  type OperationLimits,
} from '../../common/operation-limits.ts';
import { createDocumentCache } from '../documentCache.ts';
import { routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';

export interface OperationLimitsOptions extends Partial<OperationLimits> {
  /** Most lexical tokens the parser reads before giving up. @default 15_000 */
  maxTokens?: number;
}

// graphql 16 words it "more that N tokens".
const tooManyTokens = /Document contains more th(?:an|at) \d+ tokens/;

/**
 * Refuses operations that are too big before anything is planned; each limit has its own `extensions.limit`.
 * Depth, aliases, root fields and selections are measured with fragments expanded (common/operation-limits.ts,
 * linear in the document), introspection fields included, so the planner never sees an exponential document.
 */
export function useOperationLimits(options: OperationLimitsOptions = {}): RouterStage {
  const maxTokens = options.maxTokens ?? 15_000;
  const limits: OperationLimits = {
    maxDepth: options.maxDepth ?? defaultOperationLimits.maxDepth,
    maxAliases: options.maxAliases ?? defaultOperationLimits.maxAliases,
    maxRootFields: options.maxRootFields ?? defaultOperationLimits.maxRootFields,
    maxSelections: options.maxSelections ?? defaultOperationLimits.maxSelections,
  };
  const violations = createDocumentCache<ReturnType<typeof checkOperationLimits>>();
  return {
    name: 'operationLimits',
    parseOptions: { maxTokens },
    // Apollo Server reports the parser's token limit as a syntax error; give it the limit's code.
    formatError(formatted): GraphQLFormattedError {
      if (formatted.extensions?.code !== 'GRAPHQL_PARSE_FAILED' || !tooManyTokens.test(formatted.message)) {
        return formatted;
      }
      return {
        message: `Operation has more than ${maxTokens} tokens`,
        extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxTokens', max: maxTokens },
      };
    },
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ document, operation }) {
            if (!operation) return;
            const violation = violations.get(document, operation.name?.value ?? '', () =>
              checkOperationLimits(document, operation, limits),
            );
            if (!violation) return;
            throw routerError('OPERATION_LIMIT_EXCEEDED', violation.message, {
              extensions: violationExtensions(violation),
            });
          },
        };
      },
    },
  };
}
