// `npm start` as a user runs it: a child process, the router URL on stdout, login through it, Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createClient, LoginDocument, MeDocument } from '../../client/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { freePort } from '../../scripts/free-port.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { subgraphs } from '../../scripts/stack.ts';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';

interface Started {
  child: ChildProcess;
  routerUrl: string;
  output: () => string;
}

/** Runs `npm start` in its own process group (as a terminal would) and waits for the router URL. */
async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], { env: { ...process.env, ...env }, detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const routerUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      const match = /supergraph ready in [\d.]+ s: (\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return { child, routerUrl, output: () => output };
}

/**
 * Ctrl-C: SIGINT to the whole process group, as a terminal sends it. npm itself then ends by that signal once
 * the script has exited, so what we check is the script's own words: 'stopped' after 'stopping', and no crash.
 * (PostgreSQL gets the same SIGINT and may end connections first; the log lines that causes may come after.)
 */
async function interrupt(started: Started): Promise<string[]> {
  // 'close', not 'exit': npm may end first; the script still writes to the same pipe until it is done.
  const exited = new Promise((resolve) => started.child.once('close', resolve));
  process.kill(-started.child.pid!, 'SIGINT');
  await exited;
  const lines = started.output().split('\n');
  // Log lines aside, and the notice of a process given up on after its grace period (when PostgreSQL went first,
  // a database call in flight may never settle), the script says exactly this.
  return lines
    .slice(lines.findIndex((l) => l.endsWith(': stopping')))
    .filter((l) => !l.startsWith('{') && !l.includes('did not stop within'));
}

const stoppedCleanly = ['SIGINT: stopping', 'stopped', ''];

async function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(true))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

const admin = { email: 'smoke@lab.test', password: 'a start-up check passphrase' };
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function loginAndMe(routerUrl: string): Promise<string | undefined> {
  const { login } = await createClient({ url: routerUrl }).request(LoginDocument, admin);
  const { me } = await createClient({ url: routerUrl, accessToken: login.accessToken }).request(MeDocument);
  return me?.email;
}

// A cold start migrates every database and starts every subgraph, twice per test: on a busy 2-core machine that
// takes more than the default 30 s.
/** `<NAME>_PORT` of every subgraph on a free port, so the test never meets a stack already running here. */
async function freeSubgraphPorts(): Promise<Record<string, string>> {
  const ports: Record<string, string> = {};
  for (const name of Object.keys(subgraphs)) ports[`${name.toUpperCase()}_PORT`] = String(await freePort());
  return ports;
}

describe('npm start', () => {
  test('with every *_DATABASE_URL set it starts nothing embedded, serves the router, and stops on Ctrl-C', async () => {
    const urls: Record<string, string> = {};
    for (const domain of listDomains()) {
      const db = await createTestDatabase(domain);
      cleanup.push(() => db.drop());
      urls[databaseUrlVariable(domain)] = db.url;
    }
    const pgPort = await freePort();
    const started = await npmStart({
      ...urls,
      EMBEDDED_PG_PORT: String(pgPort),
      ROUTER_PORT: String(await freePort()),
      ...(await freeSubgraphPorts()),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      // Given, so nothing is written to this checkout's ./.data.
      AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    });
    expect(started.output()).not.toContain('embedded PostgreSQL');
    expect(await portIsOpen(pgPort)).toBe(false);
    expect(await loginAndMe(started.routerUrl)).toBe(admin.email);
    expect(await interrupt(started), started.output()).toEqual(stoppedCleanly);
  }, 120_000);

  test('with no database URL it runs on embedded PostgreSQL, stops it on Ctrl-C and reuses the data', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'nanopore-start-'));
    await chmod(dataDir, 0o755);
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = {
      ...Object.fromEntries(listDomains().map((d) => [databaseUrlVariable(d), ''])),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      ROUTER_PORT: String(await freePort()),
      ...(await freeSubgraphPorts()),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: 'warn',
    };
    const cold = await npmStart(env);
    expect(cold.output()).toContain('embedded PostgreSQL');
    expect(await loginAndMe(cold.routerUrl)).toBe(admin.email);
    expect(await interrupt(cold), cold.output()).toEqual(stoppedCleanly);
    expect(await portIsOpen(Number(env.EMBEDDED_PG_PORT))).toBe(false);
    // The keys that must survive a restart were generated under DATA_DIR, readable by the owner only.
    const keyFiles = ['auth-key-encryption-key', 'audit-signing-key'].map((f) =>
      path.join(dataDir, 'keys', f),
    );
    for (const file of keyFiles) expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    const keys = await Promise.all(keyFiles.map((f) => readFile(f, 'utf8')));

    // Warm start: same cluster, the admin from the first start still signs in (no second bootstrap), with the
    // same keys (a new key-encryption key would not open the stored signing key).
    const warm = await npmStart({ ...env, ADMIN_PASSWORD: '' });
    expect(warm.output()).not.toContain('Created the first admin');
    expect(await loginAndMe(warm.routerUrl)).toBe(admin.email);
    expect(await interrupt(warm), warm.output()).toEqual(stoppedCleanly);
    expect(await Promise.all(keyFiles.map((f) => readFile(f, 'utf8')))).toEqual(keys);
  }, 120_000);
});
