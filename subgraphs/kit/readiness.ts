// Readiness checks for /ready: each a named async function that throws when its dependency is unusable.

export type ReadinessCheck = () => Promise<unknown>;

/** `SELECT 1` through any Prisma client (structural, so every domain's generated client fits). */
export function prismaReadiness(prisma: {
  $queryRawUnsafe(query: string): PromiseLike<unknown>;
}): ReadinessCheck {
  return async () => prisma.$queryRawUnsafe('SELECT 1');
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | 'failed' | 'timeout'>;
}

/** Runs every check in parallel, each bounded by timeoutMs; failures are reported, their details logged. */
export async function runReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
  onFailure: (name: string, error: unknown) => void,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const result = await Promise.race([check().then(() => 'ok' as const), timeout]);
        if (result === 'timeout') onFailure(name, new Error(`timed out after ${timeoutMs} ms`));
        return [name, result] as const;
      } catch (error) {
        onFailure(name, error);
        return [name, 'failed' as const] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: entries.every(([, r]) => r === 'ok'), checks: Object.fromEntries(entries) };
}
