// Scanned documents are rendered in a render worker: the calling thread keeps running, and a document past its
// time is refused and its worker replaced.
import { afterAll, describe, expect, it } from 'vitest';
import { readFixture, SCAN_CLEAN, SCAN_NOISY } from '../../../test/helpers/fixtures.ts';
import { OcrError } from './errors.ts';
import { readScan } from './read-scan.ts';
import { RenderPool } from './render-pool.ts';

const pool = new RenderPool({ size: 1, memoryLimitMb: 256 });
afterAll(() => pool.close());

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OcrError);
  return { code: (error as OcrError).code, message: (error as OcrError).message };
}

describe('the render worker', () => {
  it('renders and straightens a page while the calling thread keeps running', async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    // The page is rendered at 300 dpi and straightened in the worker; its recognition is then cut short.
    const started = performance.now();
    const rendered = refusal(readScan(readFixture(SCAN_CLEAN), { pool, pageTimeoutMs: 1 }));
    expect(await rendered).toMatchObject({ code: 'PAGE_TIMEOUT' });
    clearInterval(timer);
    const gaps = ticks.map((tick, i) => tick - (ticks[i - 1] ?? started));
    // Rendering the page holds its thread for about 350 ms and straightening it for 80 more (measured on one
    // idle core); on the calling thread no tick waited that long.
    expect(Math.max(...gaps)).toBeLessThan(200);
  }, 60_000);

  it('refuses a document not rendered in time with RENDER_TIMEOUT, and replaces the worker', async () => {
    const started = pool.started;
    expect(await refusal(readScan(readFixture(SCAN_CLEAN), { pool, renderTimeoutMs: 100 }))).toEqual({
      code: 'RENDER_TIMEOUT',
      message: 'The document was not rendered within 100 ms.',
    });
    expect(pool.started).toBe(started + 1);
    // The new worker reads the next document.
    expect(await refusal(readScan(readFixture(SCAN_NOISY), { pool, maxPages: 4 }))).toEqual({
      code: 'TOO_MANY_PAGES',
      message: 'The document has 5 pages; at most 4 are read.',
    });
  }, 60_000);
});
