import { Histogram, type Registry } from 'prom-client';
import { createOperationLabels, type OperationLabels } from '../subgraphs/kit/metrics.ts';
import { computeCost } from './computeCost.ts';
import { routerError } from './errors.ts';
import type { RouterStage } from './stage.ts';
import type { SupergraphMetadata } from './supergraphMetadata.ts';

export interface CostOptions {
  /** Highest estimated cost an operation may have. @default 10_000 */
  maxCost?: number;
  /** `enforce` refuses costlier operations; `measure` only logs them and records the metric. @default 'enforce' */
  mode?: 'enforce' | 'measure';
  /** Items assumed in a list field without @listSize or slicing argument. @default 10 */
  defaultListSize?: number;
  /** Where `router_operation_cost` is registered. */
  registry: Registry;
  /** The bounded operation-name labels, shared with the metrics stage. @default its own, of 100 names */
  operationLabels?: OperationLabels;
}

/** Demand control: estimates each operation's cost from the supergraph's @cost/@listSize before planning. */
export function useCost(options: CostOptions): RouterStage {
  const maxCost = options.maxCost ?? 10_000;
  const operationLabels = options.operationLabels ?? createOperationLabels();
  const mode = options.mode ?? 'enforce';
  let metadata: Pick<SupergraphMetadata, 'cost' | 'listSize'> = { cost: new Map(), listSize: new Map() };
  const histogram = new Histogram({
    name: 'router_operation_cost',
    help: 'Estimated cost of operations (demand control)',
    labelNames: ['operation'],
    buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000, 50000],
    registers: [options.registry],
  });
  return {
    name: 'cost',
    onSupergraph(next) {
      metadata = next;
    },
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ schema, document, operation, request, operationName, contextValue }) {
            if (!operation) return;
            const variables = request.variables ?? {};
            const cost = computeCost({
              schema,
              document,
              operation,
              variables,
              metadata,
              defaultListSize: options.defaultListSize ?? 10,
            });
            histogram.observe({ operation: operationName ? operationLabels(operationName, true) : '' }, cost);
            if (cost <= maxCost) return;
            contextValue.logger.warn({ stage: 'cost', cost, maxCost, mode }, 'operation exceeds maxCost');
            if (mode === 'enforce') {
              throw routerError('OPERATION_LIMIT_EXCEEDED', `Operation cost ${cost} exceeds ${maxCost}`, {
                extensions: { limit: 'maxCost', max: maxCost, actual: cost },
              });
            }
          },
        };
      },
    },
  };
}
