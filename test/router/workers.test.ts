import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';
import { composeSupergraphSdl, startJwks, type LogLine, type TestKeys } from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let dir: string;
let primary: ChildProcess;
const lines: LogLine[] = [];
let port: number;
let metricsPort: number;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  dir = await mkdtemp(path.join(tmpdir(), 'router-workers-'));
  const supergraph = path.join(dir, 'supergraph.graphql');
  await writeFile(supergraph, composeSupergraphSdl([graphs.users, graphs.samples]));
  [port, metricsPort] = [await freePort(), await freePort()];
  primary = spawn(process.execPath, ['--import', 'tsx', 'router/index.ts', '--supergraph', supergraph], {
    env: {
      PATH: process.env.PATH,
      ROUTER_PORT: String(port),
      ROUTER_HOST: '127.0.0.1',
      ROUTER_WORKERS: '2',
      ROUTER_METRICS_PORT: String(metricsPort),
      JWKS_URL: keys.jwksUrl,
      APOLLO_TELEMETRY_DISABLED: '1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rest = '';
  primary.stdout!.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as LogLine);
  });
  await until('two listening workers', () =>
    lines.filter((l) => l.msg === 'router listening').length === 2 ? true : undefined,
  );
}, 90_000);

afterAll(async () => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
  await Promise.all([graphs?.close(), keys?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ROUTER_WORKERS', () => {
  it('serves one port from two processes, counts every request in the primary metrics, and stops them all', async () => {
    const send = (i: number) =>
      fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `query Hello${i % 2} { hello }` }),
      }).then((r) => r.json());
    // New connections each time (fetch's pool would keep one): node:cluster spreads connections, not requests.
    for (let i = 0; i < 40; i += 1) expect(await send(i)).toEqual({ data: { hello: 'world' } });

    const served = lines.filter((l) => l.stage === 'accessLog');
    const pids = [...new Set(served.map((l) => l.pid as number))];
    expect(pids.length).toBe(2);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const counted = [...metrics.matchAll(/^router_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, [, n]) => sum + Number(n),
      0,
    );
    expect(counted, metrics).toBe(40);
    // The workers do not serve metrics on the public port.
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);

    const exited = new Promise((done) => primary.once('exit', done));
    primary.kill('SIGTERM');
    await exited;
    await until('the workers to exit', () => (pids.every((pid) => !alive(pid)) ? true : undefined));
  }, 60_000);
});
