// The outbox relay's Prometheus metrics. The gauges read the table when scraped (one query per scrape), so they
// are right even on a replica whose relay is idle or backing off.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from './logger.ts';
import type { OutboxStats } from './outbox-relay-store.ts';

/** Why a whole batch failed: a small fixed set, so label values stay bounded. */
export const FAILURE_REASONS = [
  'unreachable',
  'timeout',
  'unauthorized',
  'too_large',
  'bad_request',
  'server_error',
  'bad_response',
  'database',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface OutboxRelayMetrics {
  delivered(result: 'stored' | 'duplicate', count: number): void;
  rejected(source: 'receiver' | 'relay', count: number): void;
  failure(reason: FailureReason): void;
  /** Starts the batch timer; call the result when the batch is done. */
  batchTimer(): () => void;
}

export function createOutboxRelayMetrics(options: {
  registry: Registry;
  service: string;
  /**
   * Start of every metric name; default 'outbox' (outbox_pending_events ...). A second relay in the same process
   * (another table) needs its own, or its metrics would be registered twice in the registry.
   */
  prefix?: string;
  stats: () => Promise<OutboxStats>;
  now: () => Date;
  log: Logger;
}): OutboxRelayMetrics {
  const { registry, service } = options;
  const prefix = options.prefix ?? 'outbox';
  const labels = { service };

  // The three gauges share one query per scrape (prom-client collects them concurrently).
  let scrape: Promise<OutboxStats | undefined> | undefined;
  const stats = () =>
    (scrape ??= options
      .stats()
      .catch((error: unknown) => {
        options.log.warn({ err: error }, 'outbox relay: reading the outbox for metrics failed');
        return undefined;
      })
      .finally(() => {
        scrape = undefined;
      }));

  new Gauge({
    name: `${prefix}_pending_events`,
    help: 'Outbox events not yet delivered (nor rejected).',
    labelNames: ['service'],
    registers: [registry],
    async collect() {
      const s = await stats();
      if (s) this.set(labels, s.pending);
    },
  });
  new Gauge({
    name: `${prefix}_oldest_pending_age_seconds`,
    help: 'Age of the oldest pending outbox event (0 when none is pending).',
    labelNames: ['service'],
    registers: [registry],
    async collect() {
      const s = await stats();
      if (!s) return;
      const age = s.oldestPendingAt ? (options.now().getTime() - s.oldestPendingAt.getTime()) / 1000 : 0;
      this.set(labels, Math.max(0, age));
    },
  });
  new Gauge({
    name: `${prefix}_rejected_events`,
    help: 'Outbox events rejected for good (kept in the table with last_error; never retried automatically).',
    labelNames: ['service'],
    registers: [registry],
    async collect() {
      const s = await stats();
      if (s) this.set(labels, s.rejected);
    },
  });
  const delivered = new Counter({
    name: `${prefix}_delivered_total`,
    help: 'Outbox events acknowledged by the receiver, by result (stored, duplicate).',
    labelNames: ['service', 'result'],
    registers: [registry],
  });
  const rejectedTotal = new Counter({
    name: `${prefix}_rejected_total`,
    help: 'Outbox events rejected, by source (receiver, relay: oversized or invalid before sending).',
    labelNames: ['service', 'source'],
    registers: [registry],
  });
  const failures = new Counter({
    name: `${prefix}_delivery_failures_total`,
    help: 'Failed delivery attempts of a whole batch, by reason; the batch stays pending and is retried.',
    labelNames: ['service', 'reason'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}_batch_duration_seconds`,
    help: 'Time of one relay batch: claim, send, mark.',
    labelNames: ['service'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Present from the start, so rate() and alerts work before the first failure.
  delivered.inc({ service, result: 'stored' }, 0);
  delivered.inc({ service, result: 'duplicate' }, 0);
  for (const reason of FAILURE_REASONS) failures.inc({ service, reason }, 0);

  return {
    delivered: (result, count) => delivered.inc({ service, result }, count),
    rejected: (source, count) => rejectedTotal.inc({ service, source }, count),
    failure: (reason) => failures.inc({ service, reason }),
    batchTimer: () => {
      const end = duration.startTimer(labels);
      return () => void end();
    },
  };
}
