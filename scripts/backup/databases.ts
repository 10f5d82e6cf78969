// The databases a backup reads and a restore writes: the same ones the stack uses. A domain whose
// *_DATABASE_URL is set is that URL; the others live in the embedded cluster under DATA_DIR/postgres, as with
// `npm start`. A backup reaches that cluster where `npm start` is running it (the port in its postmaster.pid)
// and otherwise starts it on a free port for the duration; a restore refuses a running one (the stack would be
// writing beside it) and otherwise starts it, creating it and its databases when DATA_DIR is new.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';
import { poolSettings } from '../../subgraphs/kit/database.ts';
import { dataDirLayout } from '../data-dir.ts';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../embedded-postgres.ts';
import { freePort } from '../free-port.ts';
import { listDomains } from '../migrate.ts';

export interface OpenDatabases {
  /** domain -> URL */
  urls: Record<string, string>;
  /** What happened to the embedded cluster, for the log. */
  embedded: 'not used' | 'reached while npm start runs' | 'started for this run';
  close(): Promise<void>;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The superuser URL of the cluster `npm start` is running from `pgDir`, or null when none is. */
async function runningCluster(pgDir: string): Promise<string | null> {
  const pidFile = path.join(pgDir, 'cluster', 'postmaster.pid');
  const passwordFile = path.join(pgDir, 'superuser-password');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return null;
  // postmaster.pid: pid, data directory, start time, port, ... (one per line).
  const port = Number((await readFile(pidFile, 'utf8')).split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0) return null;
  const password = (await readFile(passwordFile, 'utf8')).trim();
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return (await canConnect(url)) ? url : null;
}

export async function openDatabases(options: {
  dataDir: string;
  purpose: 'backup' | 'restore';
  env?: NodeJS.ProcessEnv;
}): Promise<OpenDatabases> {
  const env = options.env ?? process.env;
  const urls: Record<string, string> = {};
  const embeddedDomains: string[] = [];
  for (const domain of listDomains()) {
    const url = env[databaseUrlVariable(domain)];
    // pg_dump and pg_restore refuse the pool-size parameter the stack reads from the URL.
    if (url) urls[domain] = poolSettings(url).connectionString;
    else embeddedDomains.push(domain);
  }
  if (!embeddedDomains.length) return { urls, embedded: 'not used', close: async () => {} };

  const pgDir = dataDirLayout(options.dataDir).postgres;
  const running = await runningCluster(pgDir);
  if (running && options.purpose === 'restore') {
    throw new Error(
      `the embedded PostgreSQL under ${pgDir} is running (npm start?): stop the stack before restoring into it`,
    );
  }
  if (running) {
    for (const domain of embeddedDomains) urls[domain] = withDatabase(running, domain);
    return { urls, embedded: 'reached while npm start runs', close: async () => {} };
  }
  if (options.purpose === 'backup' && !existsSync(path.join(pgDir, 'cluster', 'PG_VERSION'))) {
    throw new Error(
      `no embedded PostgreSQL cluster under ${pgDir} for ${embeddedDomains.join(', ')}: set DATA_DIR to the ` +
        `stack's data directory, or ${embeddedDomains.map(databaseUrlVariable).join(', ')} to its databases`,
    );
  }
  const server = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort() });
  try {
    for (const domain of embeddedDomains) {
      // A restore into a new DATA_DIR creates the (empty) databases, as npm start would.
      if (options.purpose === 'restore') await ensureDatabase(server.url('postgres'), domain);
      urls[domain] = server.url(domain);
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { urls, embedded: 'started for this run', close: () => server.stop() };
}
