import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';

/**
 * What graphql-js checks when it executes, which the gateway path skips or reports as an internal error: the
 * operation to run must be resolvable from `operationName`, and every variable sent must be declared by it
 * (an undeclared one would be dropped silently). Both are the client's mistake: 400 with the real message.
 */
export function useRequestValidation(): RouterStage {
  return {
    name: 'requestValidation',
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ document, operation, request }) {
            if (!operation) {
              throw routerError(
                'OPERATION_RESOLUTION_FAILURE',
                unresolvedOperation(document, request.operationName),
              );
            }
            const unknown = undeclaredVariables(operation, request.variables ?? {});
            if (unknown.length > 0) {
              const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : '';
              throw routerError(
                'BAD_USER_INPUT',
                `Variable "$${unknown[0]}" is not declared by the operation${more}`,
                {
                  extensions: { rule: 'UNKNOWN_VARIABLE', variables: unknown.slice(0, 10) },
                },
              );
            }
          },
        };
      },
    },
  };
}

/** The variables sent that the operation does not declare, in the order sent. */
export function undeclaredVariables(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string[] {
  const declared = new Set(operation.variableDefinitions?.map((v) => v.variable.name.value));
  return Object.keys(variables).filter((name) => !declared.has(name));
}

/** graphql-js's own words for an operation it cannot choose (getOperationAST returned nothing). */
export function unresolvedOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): string {
  if (operationName) return `Unknown operation named "${operationName}".`;
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  return operations > 1
    ? 'Must provide operation name if query contains multiple operations.'
    : 'Must provide an operation.';
}
