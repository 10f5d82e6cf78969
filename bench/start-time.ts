// Time from `npm start` to a ready router (GET /ready = 200), cold (empty DATA_DIR) and warm (reused data).
// Run: npx tsx bench/start-time.ts
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const routerPort = 4400;

async function timeToReady(env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn('npm', ['start'], { env: { ...process.env, ...env }, detached: true, stdio: 'ignore' });
  try {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${routerPort}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error('not ready after 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const closed = new Promise((r) => child.once('close', r));
    process.kill(-child.pid!, 'SIGINT');
    await closed;
  }
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'nanopore-start-bench-'));
await chmod(dataDir, 0o755);
const env = {
  DATA_DIR: dataDir,
  EMBEDDED_PG_PORT: '54440',
  ROUTER_PORT: String(routerPort),
  AUTH_PORT: '4401',
  AUDIT_PORT: '4405',
  ADMIN_PASSWORD: 'a benchmark operator passphrase',
  LOG_LEVEL: 'warn',
};
try {
  const cold = await timeToReady(env);
  const warm = [await timeToReady(env), await timeToReady(env), await timeToReady(env)];
  console.log('| start | time to ready (s) |\n|---|---|');
  console.log(`| cold (new data dir: initdb, create database, migrate) | ${(cold / 1000).toFixed(2)} |`);
  for (const w of warm) console.log(`| warm (reused data) | ${(w / 1000).toFixed(2)} |`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
