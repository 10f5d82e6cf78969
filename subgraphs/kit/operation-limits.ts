// The router's operation limits, enforced again by every subgraph on its own port: a client that goes around the
// router meets the same depth, alias, root-field, selection and cost limits (common/ measures both).
import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import {
  computeCost,
  defaultCostLimits,
  readCostDirectives,
  SlicingArgumentError,
  type CostDirectives,
  type CostLimits,
} from '../../common/operation-cost.ts';
import {
  checkOperationLimits,
  violationExtensions,
  defaultOperationLimits,
  type OperationLimits,
} from '../../common/operation-limits.ts';
import { codedError } from '../../common/errors.ts';

export interface SubgraphLimits extends OperationLimits, CostLimits {}

/**
 * The router's defaults, but for the selection count: the router's plan adds `__typename` and the key fields
 * wherever an operation crosses into another subgraph (and `__typename` to abstract selection sets), at most a
 * few per client selection, so a subgraph allows 2.5 times the router's 2,000 and never refuses a plan of an
 * operation the router let through.
 */
export const defaultSubgraphLimits: Readonly<SubgraphLimits> = {
  ...defaultOperationLimits,
  maxSelections: 5_000,
  ...defaultCostLimits,
};

/** The name a federation directive has in a subgraph's SDL: as imported by its federation @link, else namespaced. */
export function federationDirectiveName(typeDefs: DocumentNode, directive: string): string {
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const args = Object.fromEntries(
        (link.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
      );
      if (typeof args.url !== 'string' || !args.url.startsWith('https://specs.apollo.dev/federation/'))
        continue;
      for (const entry of (args.import as unknown[] | undefined) ?? []) {
        if (entry === `@${directive}`) return directive;
        if (entry && typeof entry === 'object' && (entry as { name?: unknown }).name === `@${directive}`)
          return String((entry as { as?: unknown }).as ?? directive).replace(/^@/, '');
      }
      return `${typeof args.as === 'string' ? args.as : 'federation'}__${directive}`;
    }
  }
  return `federation__${directive}`;
}

/** How many entities `_entities` is asked for: the real size of that list, wherever the estimate would guess. */
function representationCount(field: FieldNode, variables: Readonly<Record<string, unknown>>): number {
  const node = field.arguments?.find((a) => a.name.value === 'representations')?.value;
  const value = node?.kind === Kind.VARIABLE ? variables[node.name.value] : node && valueFromASTUntyped(node);
  return Array.isArray(value) ? value.length : 0;
}

/** The largest `_entities` list of an operation (the router asks for one per fetch). */
function entitiesSize(
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  let size = 0;
  for (const selection of operation.selectionSet.selections)
    if (selection.kind === Kind.FIELD && selection.name.value === '_entities')
      size = Math.max(size, representationCount(selection, variables));
  return size;
}

/**
 * Refuses an operation over a limit (OPERATION_LIMIT_EXCEEDED, HTTP 400) or with a slicing argument outside
 * 0..maxListSize (BAD_USER_INPUT, HTTP 400) after validation and before any resolver runs.
 */
export function operationLimitsPlugin<TContext extends object>(
  typeDefs: DocumentNode,
  limits: Readonly<SubgraphLimits>,
): ApolloServerPlugin<TContext> {
  const directives: CostDirectives = readCostDirectives(typeDefs, {
    cost: federationDirectiveName(typeDefs, 'cost'),
    listSize: federationDirectiveName(typeDefs, 'listSize'),
  });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const violation = checkOperationLimits(document, operation, limits);
          if (violation) {
            throw codedError('OPERATION_LIMIT_EXCEEDED', violation.message, {
              extensions: violationExtensions(violation),
              httpStatus: true,
            });
          }
          const variables = request.variables ?? {};
          let cost: number;
          try {
            cost = computeCost({
              schema,
              document,
              operation,
              variables,
              directives: {
                cost: directives.cost,
                listSize: new Map([
                  ...directives.listSize,
                  ['Query._entities', { assumedSize: entitiesSize(operation, variables) }],
                ]),
              },
              limits,
            });
          } catch (error) {
            if (!(error instanceof SlicingArgumentError)) throw error;
            throw codedError('BAD_USER_INPUT', error.message, {
              extensions: { field: error.field, argument: error.argument, max: error.max },
              httpStatus: true,
            });
          }
          if (cost > limits.maxCost)
            throw codedError('OPERATION_LIMIT_EXCEEDED', `Operation cost ${cost} exceeds ${limits.maxCost}`, {
              extensions: { limit: 'maxCost', max: limits.maxCost, actual: cost },
              httpStatus: true,
            });
        },
      };
    },
  };
}
