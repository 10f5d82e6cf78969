// Prometheus metrics, one registry per server (several subgraphs may share a process).
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { createOperationLabels } from '../../common/operation-labels.ts';

export interface Metrics {
  registry: Registry;
  /** Express middleware counting and timing every HTTP request by method, route and status. */
  http: RequestHandler;
  /** Apollo plugin counting and timing GraphQL operations by name, type and outcome. */
  graphql: ApolloServerPlugin;
}

export interface MetricsOptions {
  /** Added as a `subgraph` label to every metric. */
  name: string;
  /** Collect prom-client's default process metrics; default true. */
  defaultMetrics?: boolean;
  /** Distinct operation names labelled as themselves; later ones are `other`. Default 100. */
  maxOperationNames?: number;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ subgraph: options.name });
  const operationLabel = createOperationLabels(options.maxOperationNames);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations by operation name (the first that ran, then other), type and outcome (success, partial, error).',
    labelNames: ['operation', 'type', 'outcome'],
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operation duration by operation name, type and outcome.',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const http: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route's pattern, never the raw path: unmatched paths must not create label values.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      httpRequests.inc(labels);
      end(labels);
    });
    next();
  };

  const graphql: ApolloServerPlugin = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, operationName, errors, response }) {
          const body = response.body;
          const data = body.kind === 'single' ? body.singleResult.data : undefined;
          const outcome = !errors?.length ? 'success' : data ? 'partial' : 'error';
          const labels = {
            // An operation that resolved passed validation; one that did not never ran.
            operation: operationLabel(operationName ?? operation?.name?.value ?? 'anonymous', !!operation),
            type: operation?.operation ?? 'unknown',
            outcome,
          };
          operations.inc(labels);
          operationDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };

  return { registry, http, graphql };
}

/** What countDatabaseQueries needs of a Prisma client created with `log: [{ emit: 'event', level: 'query' }]`. */
interface QueryEventSource {
  $on(event: 'query', listener: (e: { duration: number }) => void): void;
}

/**
 * `db_queries_total` and `db_query_duration_seconds`: every SQL statement the client sends. Besides operations
 * use, it is how tests and benchmarks prove that a page costs a constant number of queries (no N+1).
 */
export function countDatabaseQueries(prisma: QueryEventSource, registry: Registry): void {
  const queries = new Counter({
    name: 'db_queries_total',
    help: 'SQL statements sent to the database.',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Duration of SQL statements as the database client measured them.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  prisma.$on('query', (e) => {
    queries.inc();
    duration.observe(e.duration / 1000);
  });
}
