import { Histogram, type Registry } from 'prom-client';
import { createOperationLabels, type OperationLabels } from '../../common/operation-labels.ts';
import {
  computeCost,
  defaultCostLimits,
  SlicingArgumentError,
  type CostDirectives,
  type CostLimits,
} from '../../common/operation-cost.ts';
import { createDocumentCache } from '../documentCache.ts';
import { routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';

export interface CostOptions extends Partial<CostLimits> {
  /** `enforce` refuses costlier operations; `measure` only logs them and records the metric. @default 'enforce' */
  mode?: 'enforce' | 'measure';
  /** Where `router_operation_cost` is registered. */
  registry: Registry;
  /** The bounded operation-name labels, shared with the metrics stage. @default its own, of 100 names */
  operationLabels?: OperationLabels;
}

/**
 * Demand control: estimates each operation's cost from the supergraph's @cost/@listSize before planning
 * (maxCost 50,000, defaultListSize 10, maxListSize 1,000 unless configured). A slicing argument outside
 * 0..maxListSize is BAD_USER_INPUT in both modes: it would make the estimate meaningless (a negative `first`
 * cancels its siblings' cost).
 */
export function useCost(options: CostOptions): RouterStage {
  const maxCost = options.maxCost ?? defaultCostLimits.maxCost;
  const operationLabels = options.operationLabels ?? createOperationLabels();
  const mode = options.mode ?? 'enforce';
  const limits = {
    defaultListSize: options.defaultListSize ?? defaultCostLimits.defaultListSize,
    maxListSize: options.maxListSize ?? defaultCostLimits.maxListSize,
  };
  let directives: CostDirectives = { cost: new Map(), listSize: new Map() };
  // The estimate depends on the document, the operation chosen and the variables (slicing arguments).
  const costs = createDocumentCache<number>();
  const histogram = new Histogram({
    name: 'router_operation_cost',
    help: 'Estimated cost of operations (demand control)',
    labelNames: ['operation'],
    buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000, 50000],
    registers: [options.registry],
  });
  return {
    name: 'cost',
    onSupergraph(metadata) {
      directives = metadata;
      costs.clear();
    },
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ schema, document, operation, request, operationName, contextValue }) {
            if (!operation) return;
            let cost: number;
            try {
              const variables = request.variables ?? {};
              cost = costs.get(document, JSON.stringify([operationName, variables]), () =>
                computeCost({ schema, document, operation, variables, directives, limits }),
              );
            } catch (error) {
              if (!(error instanceof SlicingArgumentError)) throw error;
              throw routerError('BAD_USER_INPUT', error.message, {
                extensions: { field: error.field, argument: error.argument, max: error.max },
              });
            }
            histogram.observe({ operation: operationName ? operationLabels(operationName, true) : '' }, cost);
            if (cost <= maxCost) return;
            contextValue.log.warn({ stage: 'cost', cost, maxCost, mode }, 'operation exceeds maxCost');
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
