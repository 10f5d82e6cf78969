// `npm start` as a user runs it: a child process, the router URL on stdout, login through it, then stopped the
// ways an operator stops it (Ctrl-C in a terminal, SIGTERM or SIGINT to the npm process, the supervisor killed
// outright), after which no process it started may be left. Ports come from PORT_BASE, or from each variable.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createClient, LoginDocument, MeDocument } from '../../client/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { eventually } from '../helpers/eventually.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { PORT_OFFSETS } from '../../scripts/ports.ts';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';

// Generous waits: the suite runs many stacks and databases in parallel on two shared cores (load 10 and more),
// where a cold start with its migrations has taken over a minute.
const READY_TIMEOUT_MS = 240_000;
const GONE_TIMEOUT_MS = 60_000;

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
    const timer = setTimeout(
      () => reject(new Error(`npm start did not get ready:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    child.stdout!.on('data', () => {
      const match = /supergraph ready in [\d.]+ s: (\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, routerUrl, output: () => output };
}

/** pid -> parent pid of every process now running, from /proc. */
function parentPids(): Map<number, { ppid: number; zombie: boolean }> {
  const table = new Map<number, { ppid: number; zombie: boolean }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(ppid), zombie: state === 'Z' });
    } catch {
      // Gone while we read.
    }
  }
  return table;
}

/** `pid` and every process below it: npm, the supervisor, its lifeline, PostgreSQL and its backends, Chroma. */
function processTree(pid: number): number[] {
  const table = parentPids();
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) {
    for (const [child, { ppid }] of table) if (ppid === tree[i]) tree.push(child);
  }
  return tree;
}

/** Which of `pids` still run (a zombie has ended: it only waits to be reaped). */
function stillRunning(pids: number[]): number[] {
  const table = parentPids();
  return pids.filter((pid) => table.has(pid) && !table.get(pid)!.zombie);
}

/** Waits until none of `pids` runs; fails naming those left, with their command lines. */
async function allGone(pids: number[], output: () => string): Promise<void> {
  try {
    await eventually(() => stillRunning(pids).length === 0 || undefined, {
      what: 'every process of the stack to end',
      timeoutMs: GONE_TIMEOUT_MS,
    });
  } catch {
    const left = stillRunning(pids).map((pid) => {
      try {
        return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
      } catch {
        return String(pid);
      }
    });
    throw new Error(`left running:\n${left.join('\n')}\n\noutput:\n${output()}`);
  }
}

/**
 * Sends `signal` to the npm process alone (`group`: to its whole process group, as Ctrl-C in a terminal does),
 * waits until every process the stack had is gone, and returns what the script said from 'stopping' on, log lines
 * aside, and the notice of a process given up on after its grace period (when PostgreSQL went first under
 * Ctrl-C, a database call in flight may never settle).
 */
async function stopWith(started: Started, signal: NodeJS.Signals, group = false): Promise<string[]> {
  const pids = processTree(started.child.pid!);
  // 'close', not 'exit': npm may end first; the script still writes to the same pipe until it is done.
  const closed = new Promise((resolve) => started.child.once('close', resolve));
  process.kill(group ? -started.child.pid! : started.child.pid!, signal);
  await closed;
  await allGone(pids, started.output);
  const lines = started.output().split('\n');
  return lines
    .slice(lines.findIndex((l) => l.endsWith(': stopping')))
    .filter((l) => !l.startsWith('{') && !l.includes('did not stop within'));
}

const stoppedCleanly = (signal: string) => [`${signal}: stopping`, 'stopped', ''];

async function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(true))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * A PORT_BASE whose ports (base .. base + the largest offset) are free now. Below Linux's ephemeral range
 * (32768 and up), so no outgoing connection of the tests running beside this one takes one of them meanwhile.
 */
async function freePortBase(): Promise<number> {
  const span = Math.max(...Object.values(PORT_OFFSETS)) + 1;
  for (;;) {
    const base = randomInt(20_000, 32_768 - span);
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if (!(await Promise.all(ports.map(portIsOpen))).includes(true)) return base;
  }
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

/** Every *_DATABASE_URL, pointing at a fresh migrated test database each. */
async function testDatabaseUrls(): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  for (const domain of listDomains()) {
    const db = await createTestDatabase(domain);
    cleanup.push(() => db.drop());
    urls[databaseUrlVariable(domain)] = db.url;
  }
  return urls;
}

async function tempDataDir(): Promise<string> {
  // Reachable by the postgres user, which embedded PostgreSQL runs as under root.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'nanopore-start-'));
  await chmod(dataDir, 0o755);
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

/** Settings of a stack with its own databases given: nothing written to this checkout's ./.data. */
const givenKeys = () => ({
  AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
});

describe('npm start', () => {
  test('with every *_DATABASE_URL set it starts nothing embedded, serves the router, and stops on Ctrl-C', async () => {
    // Every port by its own variable, which overrides PORT_BASE.
    const base = await freePortBase();
    const ports = Object.fromEntries(
      Object.entries(PORT_OFFSETS).map(([variable, offset]) => [variable, String(base + offset)]),
    );
    const started = await npmStart({
      ...(await testDatabaseUrls()),
      PORT_BASE: '1',
      ...ports,
      DATA_DIR: await tempDataDir(),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      ...givenKeys(),
      LOG_LEVEL: 'warn',
    });
    expect(started.routerUrl).toBe(`http://localhost:${ports.ROUTER_PORT}/graphql`);
    expect(started.output()).not.toContain('embedded PostgreSQL');
    expect(await portIsOpen(Number(ports.EMBEDDED_PG_PORT))).toBe(false);
    expect(await loginAndMe(started.routerUrl)).toBe(admin.email);
    expect(await stopWith(started, 'SIGINT', true), started.output()).toEqual(stoppedCleanly('SIGINT'));
  }, 600_000);

  test('with no database URL it runs on embedded PostgreSQL; a second stack runs beside it on another PORT_BASE; SIGTERM, SIGINT or SIGKILL leave no process behind; a restart reuses the data', async () => {
    const dataDir = await tempDataDir();
    const base = await freePortBase();
    const env = {
      ...Object.fromEntries(listDomains().map((d) => [databaseUrlVariable(d), ''])),
      DATA_DIR: dataDir,
      PORT_BASE: String(base),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: 'warn',
    };
    const cold = await npmStart(env);
    expect(cold.routerUrl).toBe(`http://localhost:${base}/graphql`);
    expect(cold.output()).toContain(
      `embedded PostgreSQL on 127.0.0.1:${base + PORT_OFFSETS.EMBEDDED_PG_PORT}`,
    );
    expect(await loginAndMe(cold.routerUrl)).toBe(admin.email);

    // A second stack: only PORT_BASE differs among the ports (its own databases and data directory).
    const secondBase = await freePortBase();
    const second = await npmStart({
      ...(await testDatabaseUrls()),
      DATA_DIR: await tempDataDir(),
      PORT_BASE: String(secondBase),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      ...givenKeys(),
      LOG_LEVEL: 'warn',
    });
    expect(second.routerUrl).toBe(`http://localhost:${secondBase}/graphql`);
    expect(await loginAndMe(second.routerUrl)).toBe(admin.email);
    expect(await loginAndMe(cold.routerUrl)).toBe(admin.email);
    // The supervisor killed outright: its lifeline stops Chroma, npm ends with its child.
    const supervisor = processTree(second.child.pid!).find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.js'),
    );
    expect(supervisor).toBeDefined();
    const secondPids = processTree(second.child.pid!);
    process.kill(supervisor!, 'SIGKILL');
    await allGone(secondPids, second.output);
    expect(second.output()).toContain('the supervisor died; stopping what it started');
    expect(await loginAndMe(cold.routerUrl)).toBe(admin.email);

    expect(await stopWith(cold, 'SIGTERM'), cold.output()).toEqual(stoppedCleanly('SIGTERM'));
    expect(await portIsOpen(base + PORT_OFFSETS.EMBEDDED_PG_PORT)).toBe(false);
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
    expect(await stopWith(warm, 'SIGINT'), warm.output()).toEqual(stoppedCleanly('SIGINT'));
    expect(await Promise.all(keyFiles.map((f) => readFile(f, 'utf8')))).toEqual(keys);
  }, 900_000);

  test('a port in use stops the start before anything runs, naming the variable to change', async () => {
    const base = await freePortBase();
    const samplesPort = base + PORT_OFFSETS.SAMPLES_PORT;
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(samplesPort, '127.0.0.1', done));
    cleanup.push(() => new Promise((done) => blocker.close(done)));
    const child = spawn('npm', ['start'], {
      env: { ...process.env, PORT_BASE: String(base), DATA_DIR: await tempDataDir(), LOG_LEVEL: 'warn' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(output).toContain(
      `port ${samplesPort} (SAMPLES_PORT, from PORT_BASE=${base}) is in use: set PORT_BASE or SAMPLES_PORT`,
    );
    expect(output).not.toContain('embedded PostgreSQL');
    expect(code).not.toBe(0);
  }, 120_000);
});
