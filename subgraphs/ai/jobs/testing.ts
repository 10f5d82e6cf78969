// Test support for the extraction job runner: a fresh ai database with a Prisma client, jobs inserted as the
// queue leaves them, extractors that do as a test says, and what a job left in the outboxes.
import { randomBytes, randomUUID } from 'node:crypto';
import { PrismaClient, type ExtractionJob, type Prisma } from '../../../generated/prisma/ai/client.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import { createDatabaseAdapter } from '../../kit/database.ts';
import { createLogger } from '../../kit/logger.ts';
import type { ExtractionOutput } from './types.ts';

export interface JobsTestDatabase {
  db: TestDatabase;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export async function createJobsTestDatabase(): Promise<JobsTestDatabase> {
  const db = await createTestDatabase('ai');
  const prisma = new PrismaClient({ adapter: createDatabaseAdapter(db.url) });
  return {
    db,
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

/** Quiet unless LOG_LEVEL says otherwise. */
export const testLog = createLogger({ level: process.env.LOG_LEVEL ?? 'silent', name: 'ai-jobs-test' });

/** A QUEUED job as the queue writes it (queue.ts), for a new submission. */
export function insertJob(
  prisma: PrismaClient,
  data: Partial<Prisma.ExtractionJobUncheckedCreateInput> = {},
): Promise<ExtractionJob> {
  return prisma.extractionJob.create({
    data: {
      kind: 'SCANNED_QUOTE',
      submissionId: randomUUID(),
      ownerId: randomUUID(),
      fileName: 'quote.png',
      mediaType: 'image/png',
      byteSize: 3,
      sha256: randomBytes(32).toString('hex'),
      ...data,
    },
  });
}

/** Inserts `count` QUEUED jobs in one statement (for throughput tests). */
export async function insertJobs(prisma: PrismaClient, count: number): Promise<string[]> {
  const rows = Array.from({ length: count }, () => ({
    kind: 'DOCUMENT' as const,
    submissionId: randomUUID(),
    ownerId: randomUUID(),
    fileName: 'notes.txt',
    mediaType: 'text/plain',
    byteSize: 3,
    sha256: randomBytes(32).toString('hex'),
  }));
  const jobs = await prisma.extractionJob.createManyAndReturn({ data: rows, select: { id: true } });
  return jobs.map((j) => j.id);
}

/** A PAGES result with no pages, as an OCR extractor of an empty scan would return. */
export const EMPTY_PAGES: ExtractionOutput = {
  result: { kind: 'PAGES', ocrVersion: 'test-ocr 1', pages: [] },
  versions: { ocrVersion: 'test-ocr 1' },
};

/** A DRAFT result with one value. */
export const ONE_VALUE_DRAFT: ExtractionOutput = {
  result: {
    kind: 'DRAFT',
    model: 'test-model',
    promptVersion: 'p1',
    values: [{ path: 'form.lab', value: 'Jones Lab', confidence: 0.9, source: null, method: 'LLM' }],
    issues: [],
  },
  versions: { model: 'test-model', promptVersion: 'p1' },
};

/** Resolves when the signal aborts (an extractor that runs until cancelled, timed out or stopped). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

export interface RecordedRow {
  type: string;
  entityId: string;
  ownerId: string | null;
  actorId: string | null;
  service: string;
  changes: Record<string, unknown>;
  payload: Record<string, unknown> | null;
}

/** A job's audit events, in order. */
export function jobEvents(prisma: PrismaClient, jobId: string): Promise<RecordedRow[]> {
  return prisma.$queryRaw<RecordedRow[]>`
    SELECT type, entity_id AS "entityId", owner_id AS "ownerId", actor_id AS "actorId", service, changes, payload
      FROM outbox_event WHERE entity_type = 'ExtractionJob' AND entity_id = ${jobId} ORDER BY sequence`;
}

/** The EXTRACTION_FINISHED notices of a submission, in order. */
export function submissionNotices(prisma: PrismaClient, submissionId: string): Promise<RecordedRow[]> {
  return prisma.$queryRaw<RecordedRow[]>`
    SELECT type, entity_id AS "entityId", owner_id AS "ownerId", actor_id AS "actorId", service, changes, payload
      FROM extraction_notice WHERE entity_id = ${submissionId} ORDER BY sequence`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
