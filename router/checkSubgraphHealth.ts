import { subgraphUrl } from './supergraphMetadata.ts';

export interface SubgraphHealthOptions {
  /** Per-subgraph timeout. @default 2000 */
  timeoutMs?: number;
  /** Subgraph URL overrides by subgraph name. @default {} */
  subgraphUrls?: Readonly<Record<string, string>>;
}

/**
 * Asks every subgraph whether it is up: GET <origin>/health, or a `{ __typename }` POST when /health is absent.
 * Resolves with the names of the subgraphs that did not answer (empty when all are healthy).
 */
export async function checkSubgraphHealth(
  subgraphs: ReadonlyArray<{ name: string; url: string }>,
  options: SubgraphHealthOptions = {},
): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const results = await Promise.all(
    subgraphs.map(async ({ name, url }) => {
      const target = subgraphUrl(name, url, options.subgraphUrls);
      return (await isHealthy(target, timeoutMs)) ? undefined : name;
    }),
  );
  return results.filter((name): name is string => name !== undefined);
}

async function isHealthy(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const health = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeoutMs) });
    await health.body?.cancel();
    if (health.status !== 404) return health.ok;
    const probe = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await probe.json().catch(() => undefined)) as
      { data?: { __typename?: string } } | undefined;
    return probe.ok && typeof body?.data?.__typename === 'string';
  } catch {
    return false;
  }
}
