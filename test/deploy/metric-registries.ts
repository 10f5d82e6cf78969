// Every metric name the processes of the stack export, collected from the code's own registries: the router as
// createRouter builds it from a config, and each subgraph's registry filled by the same factories its server
// calls (kit metrics, database query counts, its outbox relays, its own metrics). Only names are read: nothing
// is collected, so the database handles the gauges would query are never used.
import { tmpdir } from 'node:os';
import express from 'express';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { createRouter } from '../../router/createRouter.ts';
import type { RouterConfig } from '../../router/config.ts';
import { mountCommandIntake } from '../../subgraphs/ai/command-intake.ts';
import { registerJobMetrics } from '../../subgraphs/ai/jobs/job-metrics.ts';
import { EXTRACTION_NOTICE_TABLE } from '../../subgraphs/ai/server.ts';
import { createAuditMetrics } from '../../subgraphs/audit/audit-metrics.ts';
import { startChainMonitor } from '../../subgraphs/audit/chain-monitor.ts';
import { createDeliveryService, registerDeliveryMetrics } from '../../subgraphs/audit/delivery.service.ts';
import { createWebhookMetrics } from '../../subgraphs/audit/webhook-metrics.ts';
import { registerDiskMetrics } from '../../subgraphs/files/disk-metrics.ts';
import { createLogger } from '../../subgraphs/kit/logger.ts';
import { countDatabaseQueries, createMetrics } from '../../subgraphs/kit/metrics.ts';
import { createOutboxRelay } from '../../subgraphs/kit/outbox-relay.ts';
import { createWorkflowMetrics } from '../../subgraphs/samples/workflow-metrics.ts';
import { EXTRACTION_COMMAND_TABLE } from '../../subgraphs/submission/extraction-commands.ts';
import { SAMPLE_COMMAND_TABLE } from '../../subgraphs/submission/server.ts';

/** Never dereferenced: the factories keep it for their scrape-time queries, which names alone never run. */
const unused = undefined as never;
const log = createLogger({ level: 'silent' });

/** Names as Prometheus stores them: a histogram is its _bucket, _sum and _count series. */
function seriesNames(registry: Registry): string[] {
  return registry.getMetricsAsArray().flatMap((metric) => {
    const { name, type } = metric as unknown as { name: string; type: string };
    return type === 'histogram' || type === 'summary'
      ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
      : [name];
  });
}

/** The relays' metrics for `tables` (undefined: the audit outbox), prefixed as createOutboxRelay prefixes them. */
function addRelays(registry: Registry, service: string, tables: (string | undefined)[]): void {
  for (const table of tables) {
    createOutboxRelay({
      // A pool is created but never connected: no batch runs.
      databaseUrl: 'postgresql://unused@127.0.0.1:1/unused',
      table,
      service,
      ingestUrl: 'http://127.0.0.1:1/',
      secret: 'x'.repeat(32),
      registry,
      logger: log,
    });
  }
}

function subgraphRegistry(name: string): Registry {
  const { registry } = createMetrics({ name });
  countDatabaseQueries({ $on: () => {} }, registry);
  addRelays(registry, name, [undefined]);
  return registry;
}

export function subgraphMetricNames(): Record<string, string[]> {
  const registries: Record<string, Registry> = {};
  for (const name of ['auth', 'samples', 'submission', 'files', 'audit', 'ai'])
    registries[name] = subgraphRegistry(name);

  addRelays(registries.submission!, 'submission', [SAMPLE_COMMAND_TABLE, EXTRACTION_COMMAND_TABLE]);
  addRelays(registries.ai!, 'ai', [EXTRACTION_NOTICE_TABLE]);
  mountCommandIntake(express(), {
    secret: undefined,
    queue: unused,
    retrieval: null,
    prisma: unused,
    registry: registries.ai!,
    log,
  });

  registerJobMetrics(registries.ai!, { prisma: unused, now: () => new Date(), log });
  createWorkflowMetrics().register(registries.samples!);
  registerDiskMetrics(registries.files!, tmpdir(), log);

  const audit = registries.audit!;
  createAuditMetrics(audit, unused);
  const auditDeps = { prisma: unused, now: () => new Date(), log, checkpoints: unused };
  registerDeliveryMetrics(
    audit,
    createDeliveryService(auditDeps, { expectedServices: [], staleAfterSeconds: 1, maxPendingAgeSeconds: 1 }),
    auditDeps,
  );
  createWebhookMetrics(audit, unused);
  // Its first verification (of no chain) fails at once and is logged, silently here; no timer with interval 0.
  void startChainMonitor({
    chain: unused,
    registry: audit,
    intervalSeconds: 0,
    now: () => new Date(),
    log,
  }).stop();

  return Object.fromEntries(Object.entries(registries).map(([name, r]) => [name, seriesNames(r)]));
}

/** The router's registry as createRouter builds it for `config` (closed again at once). */
export async function routerMetricNames(config: RouterConfig): Promise<string[]> {
  const router = await createRouter({ ...config.options, logger: pino({ level: 'silent' }) });
  router.ready.catch(() => {}); // rejected by close(): no supergraph is ever needed here
  const names = seriesNames(router.registry);
  await router.close();
  return names;
}
