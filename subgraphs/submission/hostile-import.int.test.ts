// The hostile-document corpus imported over the submission subgraph's own HTTP: each is refused with
// BAD_USER_INPUT and its reader's code, /health answers while it is read, nothing is stored, and the main
// process does not take the document's memory. The import queue refuses what it cannot hold with
// TOO_MANY_REQUESTS and a retry hint.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSubmissionConfig } from './config.ts';
import { hostileDocuments, nestedFormAmplification, xobjectAmplification } from './quote-pdf/hostile.ts';
import { startSubmissionHarness, type SubmissionHarness } from './testing.ts';

let h: SubmissionHarness;
let submitter: Record<string, string>;

beforeAll(async () => {
  // One worker, nothing waiting, one import per caller: the queue's limits are reached with two uploads.
  h = await startSubmissionHarness({
    SUBMISSION_PARSE_WORKERS: '1',
    SUBMISSION_PARSE_QUEUE: '1',
    SUBMISSION_PARSE_PER_CALLER: '1',
    // Generous: the budget, not the clock, must be what refuses them, even on a loaded test machine.
    SUBMISSION_PARSE_TIMEOUT_MS: '120000',
  });
  submitter = await h.as(['SUBMITTER'], randomUUID());
});
afterAll(() => h?.close());

const counts = async () => ({
  submissions: Number((await h.sql<{ n: string }>('SELECT count(*) AS n FROM submission'))[0]!.n),
  files: Number((await h.files.sql<{ n: string }>('SELECT count(*) AS n FROM file'))[0]!.n),
});

describe.each(hostileDocuments().map((document) => [document.name, document] as const))(
  '%s',
  (_name, document) => {
    it(`is refused with ${document.expected.code}; /health answers meanwhile; nothing stored`, async () => {
      const before = await counts();
      const rssBefore = process.memoryUsage.rss();
      let peakRss = rssBefore;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
      const queue = h.subgraph.deps.documents;
      let settled = false;
      const importing = h.importFile(document.bytes, `${document.name}.pdf`, submitter).finally(() => {
        settled = true;
      });
      // While the document is read in its worker, the subgraph answers /health. The subgraph runs in this
      // process: a /health answered while the import queue still holds the document was answered during the
      // read (were the main thread reading it, /health would wait until the queue is empty). Probed until the
      // import ends, so a loaded machine only means more probes, never a race between two promises.
      const answers: { status: number; duringRead: boolean }[] = [];
      while (!settled) {
        const reading = queue.size > 0;
        const health = await fetch(`${h.url}/health`);
        answers.push({ status: health.status, duringRead: reading && queue.size > 0 });
        // A pause between probes, so the probes do not take the CPU the worker needs.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const { body } = await importing;
      clearInterval(sampler);

      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.some((a) => a.duringRead)).toBe(true);
      expect(body.data).toBeNull();
      expect(body.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        rule: document.expected.code,
        fileType: 'PDF',
      });
      if (document.expected.limit)
        expect(body.errors![0].extensions.detail).toMatchObject({ limit: document.expected.limit });
      expect(await counts()).toEqual(before);
      // The deflate bomb inflates to 1 GiB and is refused at 64 MiB, in the worker's memory: whatever the process
      // grows by (worker heaps included), it is far from the gigabyte.
      expect(peakRss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    }, 180_000);
  },
);

describe('the import queue', () => {
  it('refuses a second import from the same caller while the first is read: TOO_MANY_REQUESTS with a retry hint', async () => {
    const first = h.importFile(xobjectAmplification().bytes, 'first.pdf', submitter);
    // The first one is admitted before the second is sent (it is read for a while: its budget runs out).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await h.importFile(nestedFormAmplification().bytes, 'second.pdf', submitter);
    expect(second.body.errors![0].extensions).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      rule: 'PER_CALLER_IMPORTS',
    });
    expect(second.body.errors![0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another caller is not refused for it: one import waits for the worker (the queue holds one).
    const other = await h.as(['SUBMITTER'], randomUUID());
    const third = h.importFile(nestedFormAmplification().bytes, 'third.pdf', other);
    // A third caller finds the worker busy and the queue full.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fourth = await h.importFile(
      nestedFormAmplification().bytes,
      'fourth.pdf',
      await h.as(['SUBMITTER'], randomUUID()),
    );
    expect(fourth.body.errors![0].extensions).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      rule: 'IMPORT_QUEUE_FULL',
    });
    expect((await first).body.errors![0].extensions.rule).toBe('PARSE_BUDGET_EXCEEDED');
    expect((await third).body.errors![0].extensions.rule).toBe('PARSE_BUDGET_EXCEEDED');
  }, 180_000);
});

describe('settings', () => {
  it('are validated, naming the variable', () => {
    const base = { SUBMISSION_DATABASE_URL: 'postgresql://localhost/x' };
    expect(loadSubmissionConfig(base).parse).toEqual({
      workers: 1,
      maxQueued: 4,
      perCaller: 2,
      timeoutMs: 30_000,
      memoryLimitMb: 256,
      maxDecodedBytes: 64 * 1024 * 1024,
      maxOperations: 2_000_000,
    });
    expect(() => loadSubmissionConfig({ ...base, SUBMISSION_PARSE_WORKERS: '0' })).toThrow(
      /SUBMISSION_PARSE_WORKERS/,
    );
    expect(() => loadSubmissionConfig({ ...base, SUBMISSION_PARSE_MEMORY_MB: '8' })).toThrow(
      /SUBMISSION_PARSE_MEMORY_MB/,
    );
  });
});
