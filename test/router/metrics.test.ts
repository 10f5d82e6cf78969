import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraphSdl, startRouter, type TestRouter } from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let sdl: string;
const routers: TestRouter[] = [];

beforeAll(async () => {
  graphs = await startTestGraphs();
  sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
});

afterAll(async () => {
  await Promise.all(routers.map((r) => r.close()));
  await graphs?.close();
});

async function start(options: Parameters<typeof startRouter>[0] = {}): Promise<TestRouter> {
  const router = await startRouter({ supergraph: { sdl }, ...options });
  routers.push(router);
  return router;
}

const scrape = async (origin: string) => (await fetch(`${origin}/metrics`)).text();

/** Distinct `operation` label values of router_requests_total. */
function operationLabels(metrics: string): Map<string, number> {
  const labels = new Map<string, number>();
  for (const match of metrics.matchAll(
    /^router_requests_total\{operation="([^"]*)",outcome="[^"]*"\} (\d+)/gm,
  )) {
    labels.set(match[1]!, (labels.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return labels;
}

describe('router metrics labels', () => {
  it('300 made-up operation names add at most 100 named series; the rest count as other', async () => {
    const router = await start();
    await router.post({ query: 'query Known { hello }' });
    const before = await scrape(router.origin);
    for (let i = 0; i < 300; i += 1) {
      const { status } = await router.post({ query: `query MadeUp${i} { hello }` });
      expect(status).toBe(200);
    }
    const after = await scrape(router.origin);
    const labels = operationLabels(after);
    expect(labels.size).toBe(101); // Known, 99 made-up names, other
    expect(labels.get('Known')).toBe(1);
    expect(labels.get('other')).toBe(201);
    expect(labels.has('MadeUp99')).toBe(false);
    // Every further made-up name costs nothing more.
    for (let i = 300; i < 350; i += 1) await router.post({ query: `query MadeUp${i} { hello }` });
    const later = await scrape(router.origin);
    expect(operationLabels(later).size).toBe(101);
    // The cost histogram shares the bound.
    const costLabels = new Set(
      [...later.matchAll(/^router_operation_cost_count\{operation="([^"]*)"\}/gm)].map((m) => m[1]),
    );
    expect(costLabels.size).toBe(101);
    expect(costLabels.has('other')).toBe(true);
    console.error(
      `/metrics: ${before.length} bytes before, ${after.length} after 300 names, ${later.length} after 350`,
    );
  });

  it('names of operations that failed validation never become labels (they count as unnamed)', async () => {
    const router = await start({ metrics: { maxOperationNames: 10 } });
    for (let i = 0; i < 5; i += 1) {
      const { status } = await router.post({ query: `query Junk${i} { nope${i} }` });
      expect(status).toBe(400);
    }
    await router.post({ query: 'query Real { hello }' });
    const labels = operationLabels(await scrape(router.origin));
    expect([...labels.keys()].sort()).toEqual(['', 'Real']);
    expect(labels.get('')).toBe(5);
  });

  it('a separate metrics listener serves /metrics, and the public port no longer does', async () => {
    const router = await start({ metrics: { listener: { port: 0, host: '127.0.0.1' } } });
    await router.post({ query: 'query Seen { hello }' });
    expect(router.metricsOrigin).not.toBe(router.origin);
    expect(router.metricsOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const publicPort = await fetch(`${router.origin}/metrics`);
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toContain('router_requests_total');
    const internal = await scrape(router.metricsOrigin);
    expect(operationLabels(internal).get('Seen')).toBe(1);
    // Nothing else is served there.
    expect((await fetch(`${router.metricsOrigin}/graphql`)).status).toBe(404);
    await router.close();
    await expect(fetch(`${router.metricsOrigin}/metrics`)).rejects.toThrow();
  });
});
