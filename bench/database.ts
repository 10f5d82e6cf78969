// A fresh, migrated auth database for one benchmark run: on BENCH_DATABASE_URL / TEST_DATABASE_URL (an admin
// URL) when set, else on an embedded PostgreSQL under the OS temp dir. drop() removes all of it.
import { randomBytes } from 'node:crypto';
import {
  dropDatabase,
  ensureDatabase,
  startThrowawayPostgres,
  withDatabase,
} from '../scripts/embedded-postgres.ts';
import { migrateDatabase } from '../scripts/migrate.ts';

export interface BenchDatabase {
  /** URL of the migrated database. */
  url: string;
  /** Where the PostgreSQL server came from, for the report. */
  source: 'BENCH_DATABASE_URL' | 'TEST_DATABASE_URL' | 'embedded';
  /** Drops the database and stops an embedded server; safe to call twice. */
  drop(): Promise<void>;
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
    const server = await startThrowawayPostgres();
    adminUrl = server.url('postgres');
    stopServer = server.stop;
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
