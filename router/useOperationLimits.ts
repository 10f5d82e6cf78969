import type { GraphQLFormattedError } from 'graphql';
import { routerError } from './errors.ts';
import { measureOperation } from './measureOperation.ts';
import type { RouterStage } from './stage.ts';

export interface OperationLimitsOptions {
  /** Most lexical tokens the parser reads before giving up. @default 15_000 */
  maxTokens?: number;
  /** Deepest field nesting (root fields are depth 1; introspection not counted). @default 15 */
  maxDepth?: number;
  /** Most aliased fields, counting each fragment spread. @default 30 */
  maxAliases?: number;
  /** Most fields in the root selection set. @default 20 */
  maxRootFields?: number;
}

// graphql 16 words it "more that N tokens".
const tooManyTokens = /Document contains more th(?:an|at) \d+ tokens/;

/** Refuses operations that are too big before anything is planned; each limit has its own `extensions.limit`. */
export function useOperationLimits(options: OperationLimitsOptions = {}): RouterStage {
  const maxTokens = options.maxTokens ?? 15_000;
  const limits = {
    maxDepth: options.maxDepth ?? 15,
    maxAliases: options.maxAliases ?? 30,
    maxRootFields: options.maxRootFields ?? 20,
  };
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
            const measured = measureOperation(document, operation);
            const actual = {
              maxDepth: measured.depth,
              maxAliases: measured.aliases,
              maxRootFields: measured.rootFields,
            };
            for (const [limit, max] of Object.entries(limits) as Array<[keyof typeof limits, number]>) {
              if (actual[limit] > max) {
                throw routerError(
                  'OPERATION_LIMIT_EXCEEDED',
                  `Operation exceeds ${limit} (${actual[limit]} > ${max})`,
                  {
                    extensions: { limit, max, actual: actual[limit] },
                  },
                );
              }
            }
          },
        };
      },
    },
  };
}
