// The extraction jobs for Prometheus, read from the database when scraped (one query per scrape, as the outbox
// gauges): right on every replica, whichever process ran the jobs, and across restarts.
import { Gauge, type Registry } from 'prom-client';
import { ExtractionKind, ExtractionStatus, type PrismaClient } from '../../../generated/prisma/ai/client.ts';
import type { Logger } from '../../kit/logger.ts';

interface JobCounts {
  byStatus: { status: string; kind: string; n: bigint }[];
  oldestQueuedAt: Date | null;
}

export function registerJobMetrics(
  registry: Registry,
  deps: { prisma: PrismaClient; now: () => Date; log: Logger },
): void {
  const { prisma, log } = deps;
  // Both gauges share one read per scrape (prom-client collects them concurrently).
  let scrape: Promise<JobCounts | undefined> | undefined;
  const counts = () =>
    (scrape ??= (async () => {
      const [byStatus, [oldest]] = await Promise.all([
        prisma.$queryRaw<JobCounts['byStatus']>`
          SELECT status::text AS status, kind::text AS kind, count(*) AS n FROM extraction_job GROUP BY 1, 2`,
        prisma.$queryRaw<{ at: Date | null }[]>`
          SELECT min(queued_at) AS at FROM extraction_job WHERE status = 'QUEUED'`,
      ]);
      return { byStatus, oldestQueuedAt: oldest?.at ?? null };
    })()
      .catch((error: unknown) => {
        log.warn({ err: error }, 'ai: reading the extraction jobs for metrics failed');
        return undefined;
      })
      .finally(() => {
        scrape = undefined;
      }));

  new Gauge({
    name: 'ai_extraction_jobs',
    help: 'Extraction jobs by status (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED) and kind.',
    labelNames: ['status', 'kind'],
    registers: [registry],
    async collect() {
      const c = await counts();
      if (!c) return;
      // Every status and kind, 0 included, so rates and alerts work before the first job of each.
      for (const status of Object.values(ExtractionStatus))
        for (const kind of Object.values(ExtractionKind)) this.set({ status, kind }, 0);
      for (const row of c.byStatus) this.set({ status: row.status, kind: row.kind }, Number(row.n));
    },
  });
  new Gauge({
    name: 'ai_extraction_oldest_queued_age_seconds',
    help: 'Age of the oldest queued extraction job (0 when none is queued).',
    registers: [registry],
    async collect() {
      const c = await counts();
      if (!c) return;
      const age = c.oldestQueuedAt ? (deps.now().getTime() - c.oldestQueuedAt.getTime()) / 1000 : 0;
      this.set(Math.max(0, age));
    },
  });
}
