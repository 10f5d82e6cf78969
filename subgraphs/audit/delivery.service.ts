// Whether every service's changes reach the log: what each relay reports about its outbox (pending, oldest
// pending, rejected; sent signed with its batches and as a heartbeat) and what ingestion refused from each
// service. A chain can be intact while events never arrived: auditDeliveryStatus and verifyAuditChain.complete
// say so, and so do the audit_delivery_* metrics.
import { Gauge, type Registry } from 'prom-client';
import { deliveryStatusSchema } from '../kit/outbox-wire.ts';
import type { AuditDeps } from './deps.ts';

export interface DeliveryStatus {
  service: string;
  pending: number;
  oldestPendingAt: Date | null;
  oldestPendingAgeSeconds: number | null;
  /**
   * Events that will not reach the log: those the service holds as rejected (its last report, which includes
   * what ingestion refused before it) plus those ingestion refused since.
   */
  rejected: number;
  /** Events of the service refused here at ingestion, since the log began (history, not state). */
  ingestRejected: number;
  lastIngestError: string | null;
  reportedAt: Date | null;
  lastDeliveryAt: Date | null;
  /** No report for longer than the stale limit (or never). */
  stale: boolean;
  /** Nothing rejected, nothing stuck beyond the pending-age limit, a recent report. */
  ok: boolean;
}

export interface DeliveryOptions {
  /** The services that must report (a service that never did shows as stale). */
  expectedServices: readonly string[];
  /** A report older than this is stale. */
  staleAfterSeconds: number;
  /** An oldest pending event older than this is not ok. */
  maxPendingAgeSeconds: number;
}

export interface BatchOutcome {
  /** Stored or acknowledged as duplicates. */
  acknowledged: number;
  rejected: number;
  lastError: string | null;
  /** The body's `status`, unvalidated. */
  status: unknown;
}

export function createDeliveryService(deps: AuditDeps, options: DeliveryOptions) {
  const { prisma } = deps;

  return {
    /**
     * Records one signed batch of `service`: its status report (if valid), its delivery time, what was refused.
     * A malformed report is ignored (logged): it must not cost the events of the batch.
     */
    async recordBatch(service: string, outcome: BatchOutcome): Promise<void> {
      const now = deps.now();
      const parsed =
        outcome.status === undefined ? undefined : deliveryStatusSchema.safeParse(outcome.status);
      if (parsed && !parsed.success)
        deps.log.warn({ service }, 'audit: a malformed delivery status was ignored');
      const report = parsed?.success ? parsed.data : undefined;
      if (!report && !outcome.acknowledged && !outcome.rejected) return;
      const reported = report
        ? {
            pending: report.pending,
            oldestPendingAt: report.oldestPendingAt ? new Date(report.oldestPendingAt) : null,
            rejected: report.rejected,
            // The receiver's clock: a sender's skewed clock must not make it look fresh or stale.
            reportedAt: now,
          }
        : {};
      const delivered = outcome.acknowledged ? { lastDeliveryAt: now } : {};
      const error = outcome.lastError ? { lastIngestError: outcome.lastError.slice(0, 1000) } : {};
      // A report was read before this batch's events were judged: it cannot include their refusals yet.
      const unreported = report
        ? { ingestRejectedUnreported: outcome.rejected }
        : outcome.rejected
          ? { ingestRejectedUnreported: { increment: outcome.rejected } }
          : {};
      await prisma.auditDeliveryStatus.upsert({
        where: { service },
        create: {
          service,
          ...reported,
          ...delivered,
          ...error,
          ingestRejected: BigInt(outcome.rejected),
          ingestRejectedUnreported: outcome.rejected,
        },
        update: {
          ...reported,
          ...delivered,
          ...error,
          ...unreported,
          ...(outcome.rejected ? { ingestRejected: { increment: BigInt(outcome.rejected) } } : {}),
        },
      });
    },

    /** Every service that reported or must report, by name. */
    async list(): Promise<DeliveryStatus[]> {
      const now = deps.now().getTime();
      const rows = await prisma.auditDeliveryStatus.findMany({ orderBy: { service: 'asc' } });
      const byService = new Map(rows.map((r) => [r.service, r]));
      const names = [...new Set([...options.expectedServices, ...byService.keys()])].sort();
      return names.map((service) => {
        const row = byService.get(service);
        const ingestRejected = Number(row?.ingestRejected ?? 0n);
        const rejected = (row?.rejected ?? 0) + (row?.ingestRejectedUnreported ?? 0);
        const oldestPendingAt = row?.oldestPendingAt ?? null;
        const age = oldestPendingAt ? Math.max(0, (now - oldestPendingAt.getTime()) / 1000) : null;
        const reportedAt = row?.reportedAt ?? null;
        const stale = !reportedAt || now - reportedAt.getTime() > options.staleAfterSeconds * 1000;
        return {
          service,
          pending: row?.pending ?? 0,
          oldestPendingAt,
          oldestPendingAgeSeconds: age === null ? null : Math.round(age),
          rejected,
          ingestRejected,
          lastIngestError: row?.lastIngestError ?? null,
          reportedAt,
          lastDeliveryAt: row?.lastDeliveryAt ?? null,
          stale,
          ok: !stale && rejected === 0 && (age === null || age <= options.maxPendingAgeSeconds),
        };
      });
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;

/**
 * audit_delivery_* gauges, per service, read from the table at scrape time: one scrape of the audit subgraph
 * covers every service, including one whose relay has stopped reporting (its report age keeps growing).
 */
export function registerDeliveryMetrics(
  registry: Registry,
  delivery: DeliveryService,
  deps: Pick<AuditDeps, 'log' | 'now'>,
) {
  const { log } = deps;
  let scrape: Promise<DeliveryStatus[] | undefined> | undefined;
  const statuses = () =>
    (scrape ??= delivery
      .list()
      .catch((error: unknown) => {
        log.warn({ err: error }, 'audit: reading the delivery status for metrics failed');
        return undefined;
      })
      .finally(() => {
        scrape = undefined;
      }));
  const gauge = (name: string, help: string, value: (s: DeliveryStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['service'],
      registers: [registry],
      async collect() {
        const list = await statuses();
        if (!list) return;
        this.reset();
        for (const s of list) this.set({ service: s.service }, value(s));
      },
    });
  const now = () => deps.now().getTime();
  gauge(
    'audit_delivery_rejected_events',
    'Events of the service that will not reach the log: rejected by its relay or refused at ingestion.',
    (s) => s.rejected,
  );
  gauge(
    'audit_delivery_pending_events',
    'Events the service reported as not yet delivered.',
    (s) => s.pending,
  );
  gauge(
    'audit_delivery_oldest_pending_age_seconds',
    'Age of the oldest event the service reported as pending (0 when none).',
    (s) => s.oldestPendingAgeSeconds ?? 0,
  );
  gauge(
    'audit_delivery_report_age_seconds',
    "Seconds since the service's relay last reported (+Inf when it never did).",
    (s) => (s.reportedAt ? (now() - s.reportedAt.getTime()) / 1000 : Infinity),
  );
}
