// Waiting in tests for what happens after a response: a relay's delivery, a file watcher, a cleaned-up file.
import { vi } from 'vitest';

export interface EventuallyOptions {
  /** What is awaited, for the failure message. */
  what?: string;
  /** @default 10_000 */
  timeoutMs?: number;
}

/**
 * Polls `check` until it returns something other than `false` or `undefined`, and returns that; fails after
 * `timeoutMs` naming what it waited for.
 */
export function eventually<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  { what = 'the condition', timeoutMs = 10_000 }: EventuallyOptions = {},
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (value === false || value === undefined) throw new Error(`timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}
