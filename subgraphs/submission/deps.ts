// What the submission services share: built once per subgraph in server.ts.
import type { PrismaClient } from '../../generated/prisma/submission/client.ts';
import type { Logger } from '../kit/logger.ts';
import type { SubmissionConfig } from './config.ts';
import type { FileStore } from './file-store.ts';
import type { ImportQueue } from './import-queue.ts';

export const SERVICE_NAME = 'submission';

/**
 * Interactive-transaction limits for the writes whose size grows with the sheet (importing up to 10,000 rows,
 * accepting as many sample commands): Prisma's default of 5 s is for small changes and ends such a transaction
 * half-way under load.
 */
export const LARGE_TRANSACTION = { maxWait: 10_000, timeout: 120_000 } as const;

export interface SubmissionDeps {
  prisma: PrismaClient;
  config: SubmissionConfig;
  /** The clock; injectable for tests. */
  now: () => Date;
  log: Logger;
  /** Where the original files go: the files subgraph. */
  files: FileStore;
  /** Where uploaded documents are read: worker threads behind a bounded queue. */
  documents: ImportQueue;
}

/**
 * Who is asking: the verified caller's id, roles and scopes, the request id copied onto every outbox event, and
 * the bearer header passed on to the files subgraph.
 */
export interface Caller {
  userId: string;
  roles: string[];
  scopes: string[];
  requestId: string | null;
  /** Set for a caller who sees only their own submissions (a SUBMITTER); null: sees every submission. */
  ownerId: string | null;
  authorization: string | undefined;
}
