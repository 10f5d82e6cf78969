// A fresh, migrated auth database for one benchmark run: on BENCH_DATABASE_URL / TEST_DATABASE_URL (an admin
// URL) when set, else on an embedded PostgreSQL under the OS temp dir. drop() removes all of it.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, ensureDatabase, startEmbeddedPostgres } from '../scripts/embedded-postgres.ts';
import { migrateDatabase } from '../scripts/migrate.ts';
import { freePort } from './processes.ts';

export interface BenchDatabase {
  /** URL of the migrated database. */
  url: string;
  /** Where the PostgreSQL server came from, for the report. */
  source: 'BENCH_DATABASE_URL' | 'TEST_DATABASE_URL' | 'embedded';
  /** Drops the database and stops an embedded server; safe to call twice. */
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createBenchDatabase(domain: string): Promise<BenchDatabase> {
  const variable = process.env.BENCH_DATABASE_URL
    ? 'BENCH_DATABASE_URL'
    : process.env.TEST_DATABASE_URL
      ? 'TEST_DATABASE_URL'
      : undefined;
  let adminUrl = variable ? process.env[variable] : undefined;
  let stopServer = async () => {};
  if (!adminUrl) {
    // Under the OS temp dir, which the `postgres` user can always reach (unlike a checkout under /root).
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nanopore-bench-pg-'));
    await chmod(dir, 0o755);
    try {
      const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), persistent: false });
      adminUrl = server.url('postgres');
      stopServer = async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const admin = adminUrl;
  const name = `bench_${domain}_${randomBytes(6).toString('hex')}`;
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      try {
        await dropDatabase(admin, name);
      } finally {
        await stopServer();
      }
    })());
  try {
    await ensureDatabase(admin, name);
    const url = withDatabase(admin, name);
    await migrateDatabase(domain, url);
    return { url, source: variable ?? 'embedded', drop };
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
}
