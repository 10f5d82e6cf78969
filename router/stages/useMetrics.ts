import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { createOperationLabels, type OperationLabels } from '../../common/operation-labels.ts';
import { requestScope, type Outcome, type RequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';

export interface MetricsOptions {
  /** The router's own registry (never the global one, so several routers can live in one process). */
  registry: Registry;
  /** Where Prometheus scrapes. @default '/metrics' */
  path?: string;
  /** Distinct operation names labelled as themselves; later ones are `other` (common/operation-labels.ts). @default 100 */
  maxOperationNames?: number;
  /** The bounded labels themselves, when shared with another stage (cost); built from maxOperationNames if not. */
  operationLabels?: OperationLabels;
  /** Serve the metrics on the router's own port; false when a separate listener serves them. @default true */
  publicRoute?: boolean;
}

/** GET handler answering with the registry's metrics in Prometheus' text format. */
export function metricsHandler(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };
}

/** Prometheus metrics: requests, their duration and errors by code, and subgraph fetch durations. */
export function useMetrics(options: MetricsOptions): RouterStage {
  const registers = [options.registry];
  const maxOperationNames = options.maxOperationNames ?? 100;
  const requests = new Counter({
    name: 'router_requests_total',
    help: `GraphQL requests by operation name (the first ${maxOperationNames} that ran, then other) and outcome`,
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'router_request_duration_seconds',
    help: 'GraphQL request duration by operation name (as router_requests_total) and outcome',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const subgraphDuration = new Histogram({
    name: 'router_subgraph_fetch_duration_seconds',
    help: 'Duration of fetches to each subgraph',
    labelNames: ['subgraph'],
    registers,
  });
  const errors = new Counter({
    name: 'router_errors_total',
    help: 'Errors sent to clients by code',
    labelNames: ['code'],
    registers,
  });

  const operationLabel = options.operationLabels ?? createOperationLabels(maxOperationNames);
  // Apollo Server names a request's operation only once it resolved against the schema (passed validation).
  const operationOf = (state: RequestState) => {
    const name = state.operationName ?? '';
    return name === '' ? '' : operationLabel(name, true);
  };

  return {
    name: 'metrics',
    routes(app) {
      if (options.publicRoute !== false)
        app.get(options.path ?? '/metrics', metricsHandler(options.registry));
    },
    onFinish(state, statusCode) {
      state.outcome ??= statusCode >= 400 ? 'error' : 'success';
      const labels = { operation: operationOf(state), outcome: state.outcome };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - state.startedAt) / 1e9);
      for (const code of state.errorCodes) errors.inc({ code });
    },
    plugin: {
      async requestDidStart() {
        return {
          async willSendResponse({ operationName, response }) {
            const state = requestScope.getStore();
            if (!state) return;
            state.operationName = operationName ?? undefined;
            const body =
              response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
            const outcome: Outcome = !body.errors?.length ? 'success' : body.data ? 'partial' : 'error';
            state.outcome = outcome;
          },
        };
      },
    },
    formatError(formatted) {
      requestScope.getStore()?.errorCodes.push(String(formatted.extensions?.code ?? 'UNKNOWN'));
      return formatted;
    },
    subgraph: {
      async wrapFetch(fetch, next) {
        const end = subgraphDuration.startTimer({ subgraph: fetch.subgraph });
        try {
          return await next();
        } finally {
          end();
        }
      },
    },
  };
}
