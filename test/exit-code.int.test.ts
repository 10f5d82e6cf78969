// A failing run must fail: `npm test` exits non-zero when any test fails, with the embedded PostgreSQL (whose
// exit hook once turned a failing run into exit 0) and with TEST_DATABASE_URL alike; `npm start` exits non-zero
// when the stack cannot start.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../scripts/free-port.ts';

interface Exited {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Exited> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const failingRun = (env: NodeJS.ProcessEnv) =>
  run(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/failing-run/vitest.config.ts'],
    env,
  );

const withoutDatabaseUrl = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.TEST_DATABASE_URL;
  return env;
};

describe('a failing run exits non-zero', () => {
  test('vitest with the embedded PostgreSQL', { timeout: 180_000 }, async () => {
    const exited = await failingRun(withoutDatabaseUrl());
    expect(exited.output).toContain('Tests: 0 passed, 1 failed, 0 skipped');
    expect(exited.code).toBe(1);
  });

  test.runIf(process.env.TEST_DATABASE_URL)(
    'vitest with TEST_DATABASE_URL',
    { timeout: 120_000 },
    async () => {
      const exited = await failingRun(process.env);
      expect(exited.output).toContain('Tests: 0 passed, 1 failed, 0 skipped');
      expect(exited.code).toBe(1);
    },
  );
});

describe('npm start that cannot start exits non-zero', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test(
    'a subgraph setting is invalid, found after the embedded PostgreSQL started',
    { timeout: 180_000 },
    async () => {
      // A data directory the postgres user can reach (embedded PostgreSQL runs as that user under root).
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'start-fails-'));
      await chmod(dataDir, 0o755);
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const pgPort = await freePort();
      const env = {
        ...withoutDatabaseUrl(),
        DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(pgPort),
        ROUTER_PORT: '0',
        ...Object.fromEntries(
          ['AUTH', 'SAMPLES', 'SUBMISSION', 'FILES', 'AUDIT', 'AI'].map((n) => [`${n}_PORT`, '0']),
        ),
        CHROMA_PORT: String(await freePort()),
        // Read by the auth subgraph's config, which the stack loads after the databases are up.
        LOGIN_MAX_FAILURES: 'many',
        LOG_LEVEL: 'silent',
      };
      const exited = await run('npm', ['start'], env);
      expect(exited.output).toContain('starting embedded PostgreSQL');
      expect(exited.output).toMatch(/LOGIN_MAX_FAILURES/);
      // What had started was stopped.
      const probe: Server = createServer();
      await new Promise<void>((done, fail) => probe.once('error', fail).listen(pgPort, '127.0.0.1', done));
      await new Promise((done) => probe.close(done));
      expect(exited.code).toBe(1);
    },
  );
});
