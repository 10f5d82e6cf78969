// The webhook dispatcher's metrics: attempts by outcome, automatic disabling (alert on it), refused addresses,
// attempt durations, and gauges of pending deliveries and disabled subscriptions read from the database.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { Prisma } from '../../generated/prisma/audit/client.ts';
import type { AuditDeps } from './deps.ts';

export interface WebhookMetrics {
  deliveries: Counter<'outcome'>;
  disabled: Counter;
  refused: Counter;
  duration: Histogram;
}

export function createWebhookMetrics(registry: Registry, prisma: AuditDeps['prisma']): WebhookMetrics {
  const gauge = (name: string, help: string, sql: Prisma.Sql) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          const [row] = await prisma.$queryRaw<{ n: bigint }[]>(sql);
          this.set(Number(row?.n ?? 0));
        } catch {
          // The database is down: /ready says so; keep the last value.
        }
      },
    });
  gauge(
    'audit_webhook_pending_deliveries',
    'Webhook deliveries not yet delivered or failed (of any subscription).',
    Prisma.sql`SELECT count(*) AS n FROM webhook_delivery WHERE status = 'PENDING'`,
  );
  gauge(
    'audit_webhook_disabled_subscriptions',
    'Webhook subscriptions disabled after persistent failure (or an owner change) and not re-enabled.',
    Prisma.sql`SELECT count(*) AS n FROM webhook_subscription WHERE status = 'DISABLED'`,
  );
  return {
    deliveries: new Counter({
      name: 'audit_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retry (failed, will be retried), failed (given up).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    disabled: new Counter({
      name: 'audit_webhook_subscriptions_disabled_total',
      help: 'Webhook subscriptions disabled automatically after persistent failure (alert on any increase).',
      registers: [registry],
    }),
    refused: new Counter({
      name: 'audit_webhook_refused_addresses_total',
      help: 'Delivery attempts refused because the host resolved to a forbidden (private, loopback ...) address.',
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'audit_webhook_delivery_duration_seconds',
      help: 'Time of one webhook delivery attempt, connection to response.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
