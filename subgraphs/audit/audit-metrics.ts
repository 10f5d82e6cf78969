// The audit subgraph's own Prometheus metrics, on the kit's registry (served at /metrics with the rest).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AuditMetrics {
  /** Events by outcome of ingestion: stored, duplicate, rejected. */
  events: Counter<'outcome'>;
  /** Seconds to ingest one request (validation, append, commit). */
  ingestDuration: Histogram;
}

export function createAuditMetrics(registry: Registry, chainTip: () => Promise<bigint>): AuditMetrics {
  new Gauge({
    name: 'audit_chain_length',
    help: 'Sequence of the chain tip: events appended since the chain began (purged ones included).',
    registers: [registry],
    async collect() {
      try {
        this.set(Number(await chainTip()));
      } catch {
        // The database is down: /ready reports it; keep the last value.
      }
    },
  });
  return {
    events: new Counter({
      name: 'audit_events_ingested_total',
      help: 'Audit events received, by outcome (stored, duplicate, rejected).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    ingestDuration: new Histogram({
      name: 'audit_ingest_duration_seconds',
      help: 'Time to ingest one request: validation, append to the chain, commit.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
