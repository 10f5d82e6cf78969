// A runner in its own process, for the test that kills one mid-job (runner.int.test.ts): it claims jobs from
// TEST_WORKER_DATABASE_URL with the default lease, reports progress, prints `running <jobId>` and then works on
// the job until it is killed. Never used outside tests.
import { PrismaClient } from '../../../generated/prisma/ai/client.ts';
import { createDatabaseAdapter } from '../../kit/database.ts';
import { createLogger } from '../../kit/logger.ts';
import { createJobRunner } from './runner.ts';
import type { Extractor } from './types.ts';

const url = process.env.TEST_WORKER_DATABASE_URL;
const workerId = process.env.TEST_WORKER_ID;
if (!url || !workerId) throw new Error('test-worker needs TEST_WORKER_DATABASE_URL and TEST_WORKER_ID');

const prisma = new PrismaClient({ adapter: createDatabaseAdapter(url) });

/** Reads one page of three, then never finishes (until the signal aborts). */
const stuck: Extractor = ({ job, signal, progress }) => {
  progress(1, 3);
  process.stdout.write(`running ${job.id}\n`);
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
};

createJobRunner({
  prisma,
  extractors: { SCANNED_QUOTE: stuck, DOCUMENT: stuck },
  fetchDocument: () => Promise.resolve(new Uint8Array([1, 2, 3])),
  workerId,
  pollMs: 100,
  log: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'test-worker' }),
}).start();
