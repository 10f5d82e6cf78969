// createAuditSubgraph: the audit subgraph, built from its config without listening (tests and the embedded stack
// call listen themselves). Serves /graphql (read-only), POST /internal/audit/events (signed ingestion from the
// outbox relays, with their delivery status), /health, /ready, /metrics (audit_delivery_* per service).
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { PrismaClient } from '../../generated/prisma/audit/client.ts';
import type { JwtVerifierOptions, VerifyToken } from '../kit/identity.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import { prismaReadiness } from '../kit/readiness.ts';
import { createSubgraphServer, type RunningServer } from '../kit/server.ts';
import { auditResolvers } from './audit.resolvers.ts';
import { createAuditMetrics } from './audit-metrics.ts';
import { createChainService } from './chain.service.ts';
import { createCheckpointKeys } from './checkpoint.ts';
import type { AuditConfig } from './config.ts';
import { createContextFactory, type Context } from './context.ts';
import type { AuditDeps } from './deps.ts';
import { createDeliveryService, registerDeliveryMetrics } from './delivery.service.ts';
import { createEventsService } from './events.service.ts';
import { mountIngestion } from './ingest.ts';
import { permissions } from './permissions.ts';
import { createRetentionService, type RetentionService } from './retention.service.ts';
import { trailResolvers } from './trail.resolvers.ts';
import { createDatabaseAdapter } from '../kit/database.ts';

export const AUDIT_TYPE_DEFS = readFileSync(new URL('../../schema/audit.graphql', import.meta.url), 'utf8');

export interface AuditSubgraphDeps {
  /** The clock; default the system's. Tests move it to age events past their retention. */
  now?: () => Date;
  /** Default: a pino logger named audit at config.logLevel. */
  log?: Logger;
  /** How to verify access tokens; default config.jwt (the auth subgraph's JWKS). Tests pass createTestSigner().auth. */
  auth?: JwtVerifierOptions | { verify: VerifyToken };
  /** Rows per batch when verifying the chain; default 1000. */
  verifyBatchSize?: number;
}

export interface AuditSubgraph {
  app: Express;
  prisma: PrismaClient;
  deps: AuditDeps;
  retention: RetentionService;
  /** Starts (on first call) and listens; port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Stops the server and disconnects from the database; safe to call twice. */
  close(): Promise<void>;
}

export async function createAuditSubgraph(
  config: AuditConfig,
  options: AuditSubgraphDeps = {},
): Promise<AuditSubgraph> {
  const log = options.log ?? createLogger({ name: 'audit', level: config.logLevel });
  const prisma = new PrismaClient({ adapter: createDatabaseAdapter(config.databaseUrl) });
  const { signingKey, every, previousPublicKeys, intervalSeconds } = config.checkpoints;
  const checkpoints = createCheckpointKeys(signingKey, every, previousPublicKeys);
  const deps: AuditDeps = { prisma, now: options.now ?? (() => new Date()), log, checkpoints };
  const chain = createChainService(deps, { batchSize: options.verifyBatchSize });
  // Cover what arrived while no process signed (and a chain from before checkpoints existed), then keep the
  // unsigned tail short. A failure (the database is down) is logged, and the next tick tries again.
  const signCheckpoint = () =>
    chain.checkpoint().catch((error: unknown) => log.error({ err: error }, 'audit checkpoint failed'));
  await signCheckpoint();
  const checkpointTimer = setInterval(() => void signCheckpoint(), intervalSeconds * 1000);
  checkpointTimer.unref();
  const delivery = createDeliveryService(deps, config.delivery);
  const services = {
    chain,
    delivery,
    events: createEventsService(deps, { exportMaxRows: config.exportMaxRows }),
  };
  const subgraph = createSubgraphServer<Context>({
    name: 'audit',
    typeDefs: AUDIT_TYPE_DEFS,
    resolvers: [auditResolvers, trailResolvers],
    permissions,
    createContext: createContextFactory(prisma, services),
    readiness: { database: prismaReadiness(prisma) },
    logger: log,
    auth: options.auth ?? config.jwt,
    limits: config.limits,
  });
  const metrics = createAuditMetrics(subgraph.metrics.registry, async () => {
    const head = await prisma.auditChainHead.findUnique({ where: { id: 1 } });
    return head?.sequence ?? 0n;
  });
  registerDeliveryMetrics(subgraph.metrics.registry, delivery, deps);
  mountIngestion(subgraph.app, { secret: config.relaySecret, chain, delivery, metrics, log });

  let closed = false;
  return {
    app: subgraph.app,
    prisma,
    deps,
    retention: createRetentionService(deps, config),
    listen: (port = config.port, host = config.host) => subgraph.listen(port, host),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(checkpointTimer);
      await subgraph.stop();
      await prisma.$disconnect();
    },
  };
}
