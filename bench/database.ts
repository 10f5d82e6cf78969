// Fresh, migrated databases for one benchmark run: on BENCH_DATABASE_URL / TEST_DATABASE_URL (an admin URL)
// when set, else on an embedded PostgreSQL under the OS temp dir. drop() removes all of it.
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

export interface BenchDatabases {
  /** URLs of the migrated databases, in the order of the domains asked for. */
  urls: string[];
  source: BenchDatabase['source'];
  /** Drops every database and stops an embedded server; safe to call twice. */
  drop(): Promise<void>;
}

export async function createBenchDatabase(domain: string): Promise<BenchDatabase> {
  const { urls, source, drop } = await createBenchDatabases([domain]);
  return { url: urls[0]!, source, drop };
}

/** One database per entry of `domains` (a domain may appear twice: two databases), all on one server. */
export async function createBenchDatabases(domains: readonly string[]): Promise<BenchDatabases> {
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
  const names = domains.map((domain) => `bench_${domain}_${randomBytes(6).toString('hex')}`);
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      // Every database is tried, even after one fails; the first failure is thrown at the end.
      let failure: unknown;
      for (const name of names) {
        try {
          await dropDatabase(admin, name);
        } catch (error) {
          failure ??= error;
        }
      }
      await stopServer();
      if (failure) throw failure;
    })());
  try {
    for (const name of names) await ensureDatabase(admin, name);
    const urls = names.map((name) => withDatabase(admin, name));
    // Migrated side by side (each is a prisma CLI process); every one has ended before a failure is thrown.
    const migrations = await Promise.allSettled(
      domains.map((domain, i) => migrateDatabase(domain, urls[i]!)),
    );
    const failed = migrations.find((m) => m.status === 'rejected');
    if (failed) throw failed.reason;
    return { urls, source: variable ?? 'embedded', drop };
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
}
