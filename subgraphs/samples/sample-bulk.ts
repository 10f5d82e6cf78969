// Bulk changes: the same change applied to each sample on its own (its own transaction), so one refused sample
// never sinks the others. Results come back one per id, in the order given.
import { GraphQLError } from 'graphql';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import { badUserInput, fromPrismaError } from '../kit/errors.ts';
import type { Logger } from '../kit/logger.ts';
import { MAX_BULK_IDS } from './deps.ts';

/**
 * Samples changed at once. Each change holds a pooled connection for its transaction; the pool has 10, so 8 leaves
 * room for the other requests the subgraph serves meanwhile.
 */
export const BULK_CONCURRENCY = 8;

export interface SampleError {
  code: string;
  rule: string | null;
  message: string;
}

export interface SampleResult {
  id: string;
  ok: boolean;
  sample: Sample | null;
  error: SampleError | null;
}

export interface BulkResult {
  succeeded: number;
  failed: number;
  results: SampleResult[];
}

/** 1 to MAX_BULK_IDS distinct ids; a repeated id would race with itself, so it is refused. */
export function assertBulkIds(ids: readonly string[]): void {
  if (ids.length < 1 || ids.length > MAX_BULK_IDS) {
    throw badUserInput(`give 1 to ${MAX_BULK_IDS} sample ids, not ${ids.length}`, {
      field: 'ids',
      rule: 'BULK_SIZE',
    });
  }
  if (new Set(ids).size !== ids.length) {
    throw badUserInput('each sample id may appear only once', { field: 'ids', rule: 'DUPLICATE_IDS' });
  }
}

/** A coded error as it is, a known Prisma error by its code; anything else is logged and not described. */
function toSampleError(id: string, error: unknown, log: Logger): SampleError {
  const mapped = fromPrismaError(error);
  if (mapped instanceof GraphQLError && typeof mapped.extensions.code === 'string') {
    const rule = mapped.extensions.rule;
    return {
      code: mapped.extensions.code,
      rule: typeof rule === 'string' ? rule : null,
      message: mapped.message,
    };
  }
  log.error({ err: error, sampleId: id }, 'bulk change: unexpected error');
  return { code: 'INTERNAL_SERVER_ERROR', rule: null, message: 'internal error' };
}

/** Runs `change` on every id, BULK_CONCURRENCY at a time. */
export async function runBulk(
  ids: readonly string[],
  change: (id: string) => Promise<Sample>,
  log: Logger,
): Promise<BulkResult> {
  assertBulkIds(ids);
  const results = new Array<SampleResult>(ids.length);
  let next = 0;
  async function worker() {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index]!;
      try {
        results[index] = { id, ok: true, sample: await change(id), error: null };
      } catch (error) {
        results[index] = { id, ok: false, sample: null, error: toSampleError(id, error, log) };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, ids.length) }, worker));
  const succeeded = results.filter((result) => result.ok).length;
  return { succeeded, failed: results.length - succeeded, results };
}
