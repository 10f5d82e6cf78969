// What the audit services share: built once per subgraph in server.ts (or by purge.ts).
import type { PrismaClient } from '../../generated/prisma/audit/client.ts';
import type { Logger } from '../kit/logger.ts';
import type { CheckpointKeys } from './checkpoint.ts';

export const SERVICE_NAME = 'audit';

/** The scope `audit:read`: read every audit event (ADMIN, STAFF, VIEWER; see subgraphs/auth/scopes.ts). */
export const AUDIT_READ_SCOPE = 'audit:read';

export interface AuditDeps {
  prisma: PrismaClient;
  /** The clock; injectable so tests can age events without waiting. */
  now: () => Date;
  log: Logger;
  /** Signs and verifies chain checkpoints (AUDIT_SIGNING_KEY). */
  checkpoints: CheckpointKeys;
}

/**
 * Whose events a caller may read: `{ ownerId: null }` every event (audit:read), `{ ownerId }` only events of
 * entities that user owns.
 */
export interface ReadScope {
  ownerId: string | null;
}
