// Purges expired audit events (the oldest end of the chain only) and records the anchor and an audit.purged
// event: `tsx subgraphs/audit/purge.ts [--by <who>]`, e.g. daily from cron or a Kubernetes CronJob.
// Reads AUDIT_DATABASE_URL, AUDIT_SIGNING_KEY (it signs a checkpoint after the audit.purged event),
// AUDIT_CHECKPOINT_PUBLIC_KEYS, AUDIT_CHECKPOINT_EVERY, AUDIT_RETENTION_DAYS, AUDIT_RETENTION_OVERRIDES, LOG_LEVEL.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { PrismaClient } from '../../generated/prisma/audit/client.ts';
import { ConfigError } from '../kit/config.ts';
import { createLogger } from '../kit/logger.ts';
import { loadRetentionConfig } from './config.ts';
import { createCheckpointKeys } from './checkpoint.ts';
import { createRetentionService } from './retention.service.ts';
import { createDatabaseAdapter } from '../kit/database.ts';

try {
  const config = loadRetentionConfig();
  const { values } = parseArgs({ options: { by: { type: 'string' } } });
  const log = createLogger({ name: 'audit-purge', level: config.logLevel });
  const prisma = new PrismaClient({ adapter: createDatabaseAdapter(config.databaseUrl) });
  try {
    const { signingKey, every, previousPublicKeys } = config.checkpoints;
    const checkpoints = createCheckpointKeys(signingKey, every, previousPublicKeys);
    const retention = createRetentionService({ prisma, now: () => new Date(), log, checkpoints }, config);
    await retention.purgeExpired({ purgedBy: values.by ?? `cli:${os.userInfo().username}` });
  } finally {
    await prisma.$disconnect();
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`audit purge: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
