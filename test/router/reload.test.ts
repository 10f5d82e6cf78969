import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraphSdl, startJwks, startRouter, type TestKeys, type TestRouter } from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';
import { eventually } from '../helpers/eventually.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let dir: string;
let file: string;
let router: TestRouter;

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  dir = await mkdtemp(join(tmpdir(), 'router-reload-'));
  file = join(dir, 'supergraph.graphql');
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const query = async (q: string) => (await router.post({ query: q })).body;
const hasPublicSamples = async () => JSON.stringify(await query('{ publicSamples { id } }')).includes('"s1"');

describe('supergraph hot reload', () => {
  it('is not ready before a supergraph is loaded, then loads the file once it appears', async () => {
    router = await startRouter({ supergraph: file, jwt: { jwksUrl: keys.jwksUrl } }, false);
    const ready = await fetch(`${router.origin}/ready`);
    expect(ready.status).toBe(503);
    const early = await router.post({ query: '{ hello }' });
    expect(early.status).toBe(503);
    expect(early.body.errors?.[0]?.extensions).toEqual({ code: 'SUPERGRAPH_UNAVAILABLE' });

    await writeFile(file, composeSupergraphSdl([graphs.users]));
    await router.router.ready;
    expect(await query('{ hello }')).toEqual({ data: { hello: 'world' } });
    expect((await fetch(`${router.origin}/ready`)).status).toBe(200);
  });

  it('picks up a new supergraph when the file changes', async () => {
    expect(await hasPublicSamples()).toBe(false);
    await writeFile(file, composeSupergraphSdl([graphs.users, graphs.samples]));
    await eventually(hasPublicSamples);
  });

  it('keeps the current supergraph when the new file is broken', async () => {
    await writeFile(
      file,
      'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query } type Query {',
    );
    await eventually(async () => router.logs.some((l) => /supergraph is invalid/.test(l.msg)));
    expect(await hasPublicSamples()).toBe(true);
  });

  it('keeps the current supergraph when a subgraph of the new one is not healthy', async () => {
    const down = { ...graphs.samples, url: 'http://127.0.0.1:9/graphql' };
    await writeFile(file, composeSupergraphSdl([graphs.users, down]));
    await eventually(async () => router.logs.some((l) => /not healthy/.test(l.msg)));
    expect(await hasPublicSamples()).toBe(true);
  });

  it('applies subgraph URL overrides to a loaded supergraph', async () => {
    const override = await startRouter({
      supergraph: {
        sdl: composeSupergraphSdl([graphs.users, { ...graphs.samples, url: 'http://127.0.0.1:9/graphql' }]),
      },
      subgraphUrls: { SAMPLES: graphs.samples.url },
      jwt: { jwksUrl: keys.jwksUrl },
    });
    try {
      const res = await override.post({ query: '{ publicSamples { id } }' });
      expect(res.body).toEqual({ data: { publicSamples: [{ id: 's1' }, { id: 's2' }] } });
    } finally {
      await override.close();
    }
  });
});
