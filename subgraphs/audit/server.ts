// createAuditSubgraph: the audit subgraph, built from its config without listening (tests and the embedded stack
// call listen themselves). Serves /graphql (the log read-only; webhook subscriptions managed), POST
// /internal/audit/events (signed ingestion from the outbox relays, with their delivery status), GET
// /exports/audit/* (signed export links), /health, /ready, /metrics (audit_delivery_* per service,
// audit_webhook_*); runs the webhook dispatcher.
import { createExportLinks } from '../kit/export-link.ts';
import { readFileSync } from 'node:fs';
import { PrismaClient } from '../../generated/prisma/audit/client.ts';
import { createSubgraph, type Subgraph, type SubgraphOptions } from '../kit/subgraph.ts';
import { auditResolvers } from './audit.resolvers.ts';
import { createAuditMetrics } from './audit-metrics.ts';
import { startChainMonitor, type ChainMonitor } from './chain-monitor.ts';
import { createChainService } from './chain.service.ts';
import { createCheckpointKeys } from './checkpoint.ts';
import type { AuditConfig } from './config.ts';
import { createContextFactory } from './context.ts';
import { SERVICE_NAME, type AuditDeps } from './deps.ts';
import { createDeliveryService, registerDeliveryMetrics } from './delivery.service.ts';
import { createEventsService } from './events.service.ts';
import { mountIngestion } from './ingest.ts';
import { permissions } from './permissions.ts';
import { createRetentionService, type RetentionService } from './retention.service.ts';
import { trailResolvers } from './trail.resolvers.ts';
import { createWebhookService } from './webhook.service.ts';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhook-dispatcher.ts';
import { webhookResolvers } from './webhook.resolvers.ts';
import type { Lookup } from './webhook-address.ts';

export const AUDIT_TYPE_DEFS = readFileSync(new URL('../../schema/audit.graphql', import.meta.url), 'utf8');

export interface AuditSubgraphDeps extends SubgraphOptions {
  /** Rows per batch when verifying the chain; default 1000. */
  verifyBatchSize?: number;
  /** Resolves webhook hosts; default the system resolver (tests pass one to play DNS rebinding). */
  webhookLookup?: Lookup;
}

export interface AuditSubgraph extends Subgraph<PrismaClient> {
  deps: AuditDeps;
  retention: RetentionService;
  /** Delivers webhooks (started with the subgraph unless AUDIT_WEBHOOK_CONCURRENCY is 0). */
  webhooks: WebhookDispatcher;
  /** Verifies the chain on a timer for the audit_chain_* metrics. */
  chainMonitor: ChainMonitor;
}

export async function createAuditSubgraph(
  config: AuditConfig,
  options: AuditSubgraphDeps = {},
): Promise<AuditSubgraph> {
  return createSubgraph({
    name: SERVICE_NAME,
    config,
    options,
    PrismaClient,
    async build({ prisma, log, now, onClose }) {
      const { signingKey, every, previousPublicKeys, intervalSeconds } = config.checkpoints;
      const checkpoints = createCheckpointKeys(signingKey, every, previousPublicKeys);
      const deps: AuditDeps = { prisma, now, log, checkpoints };
      const chain = createChainService(deps, { batchSize: options.verifyBatchSize });
      // Cover what arrived while no process signed (and a chain from before checkpoints existed), then keep the
      // unsigned tail short. A failure (the database is down) is logged, and the next tick tries again.
      const signCheckpoint = () =>
        chain.checkpoint().catch((error: unknown) => log.error({ err: error }, 'audit checkpoint failed'));
      await signCheckpoint();
      const checkpointTimer = setInterval(() => void signCheckpoint(), intervalSeconds * 1000);
      checkpointTimer.unref();
      onClose(() => clearInterval(checkpointTimer));
      const delivery = createDeliveryService(deps, config.delivery);
      let dispatcher: WebhookDispatcher | undefined;
      let chainMonitor: ChainMonitor | undefined;
      const services = {
        chain,
        delivery,
        events: createEventsService(deps, {
          exportMaxRows: config.exportMaxRows,
          exportLinks: createExportLinks({ ...config.exportLinks, now }),
        }),
        webhooks: createWebhookService(deps, config.webhooks, {
          lookup: options.webhookLookup,
          notify: () => dispatcher?.notify(),
        }),
        now,
      };
      // Stored events may have queued deliveries: look for them at once.
      const ingestChain = {
        append: async (events: Parameters<typeof chain.append>[0]) => {
          const appended = await chain.append(events);
          dispatcher?.notify();
          return appended;
        },
      };
      return {
        server: {
          typeDefs: AUDIT_TYPE_DEFS,
          resolvers: [auditResolvers, trailResolvers, webhookResolvers],
          permissions,
          createContext: createContextFactory(prisma, services),
        },
        mount({ app, metrics: { registry } }) {
          const metrics = createAuditMetrics(registry, async () => {
            const head = await prisma.auditChainHead.findUnique({ where: { id: 1 } });
            return head?.sequence ?? 0n;
          });
          registerDeliveryMetrics(registry, delivery, deps);
          chainMonitor = startChainMonitor({
            chain,
            registry,
            intervalSeconds: config.verifyIntervalSeconds,
            now,
            log,
          });
          onClose(() => chainMonitor?.stop());
          mountIngestion(app, { secret: config.relaySecret, chain: ingestChain, delivery, metrics, log });
          services.events.mountExport(app);
          dispatcher = createWebhookDispatcher(deps, config.webhooks, registry, {
            lookup: options.webhookLookup,
          });
          dispatcher.start();
          onClose(() => dispatcher?.stop());
        },
        fields: {
          deps,
          retention: createRetentionService(deps, config),
          get webhooks() {
            return dispatcher!;
          },
          get chainMonitor() {
            return chainMonitor!;
          },
        },
      };
    },
  });
}
