import { Counter, Histogram, type Registry } from 'prom-client';
import { requestScope, type Outcome } from './requestState.ts';
import type { RouterStage } from './stage.ts';

export interface MetricsOptions {
  /** The router's own registry (never the global one, so several routers can live in one process). */
  registry: Registry;
  /** Where Prometheus scrapes. @default '/metrics' */
  path?: string;
}

/** Prometheus metrics: requests, their duration and errors by code, and subgraph fetch durations. */
export function useMetrics(options: MetricsOptions): RouterStage {
  const registers = [options.registry];
  const requests = new Counter({
    name: 'router_requests_total',
    help: 'GraphQL requests by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'router_request_duration_seconds',
    help: 'GraphQL request duration by operation name and outcome',
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

  return {
    name: 'metrics',
    routes(app) {
      app.get(options.path ?? '/metrics', async (_req, res) => {
        res.type(options.registry.contentType).send(await options.registry.metrics());
      });
    },
    onFinish(state, statusCode) {
      state.outcome ??= statusCode >= 400 ? 'error' : 'success';
      const labels = { operation: state.operationName ?? '', outcome: state.outcome };
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
