// What the samples services share: built once per subgraph in server.ts.
import type { PrismaClient } from '../../generated/prisma/samples/client.ts';
import type { ExportLinks } from '../kit/export-link.ts';
import type { Logger } from '../kit/logger.ts';
import type { SamplesConfig } from './config.ts';
import type { WorkflowMetrics } from './workflow-metrics.ts';

export const SERVICE_NAME = 'samples';

/** Most ids one bulk change takes. */
export const MAX_BULK_IDS = 500;

export interface SamplesDeps {
  prisma: PrismaClient;
  config: SamplesConfig;
  /** The clock; injectable so tests can age samples past their due date and analytics can use fixed times. */
  now: () => Date;
  log: Logger;
  /** Signs and reads the links of export files. */
  exportLinks: ExportLinks;
  /** Throughput and turnaround for Prometheus; none in tests that build the services alone. */
  workflowMetrics?: WorkflowMetrics;
}

/**
 * Who is asking: the verified caller's id, roles and scopes, and the request id copied onto every outbox event.
 * `ownerId` is set for a caller who sees only their own samples (SUBMITTER: no STAFF, ADMIN or VIEWER role).
 */
export interface Caller {
  userId: string;
  roles: string[];
  requestId: string | null;
  /** Null: sees every sample. */
  ownerId: string | null;
}

/**
 * A Submission as this subgraph knows it: a reference (the submission subgraph owns the entity). Codegen's
 * mappers use it (codegen.ts).
 * @public
 */
export interface SubmissionRef {
  id: string;
}
