// One PostgreSQL server per test run: TEST_DATABASE_URL when set, else an embedded one. Each domain gets a
// migrated template database once; every test file then clones a fresh database from it (fast, isolated).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropDatabase, ensureDatabase, startEmbeddedPostgres } from '../scripts/embedded-postgres.ts';
import { listDomains, migrateDatabase } from '../scripts/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test server, database part replaced per use. */
    postgresAdminUrl: string;
    /** domain -> name of its migrated template database */
    templateDatabases: Record<string, string>;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!adminUrl) {
    // Under the OS temp dir, which the `postgres` user can always reach (unlike a checkout under /root).
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nanopore-test-pg-'));
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), persistent: false });
    adminUrl = server.url('postgres');
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const templates: Record<string, string> = {};
  await Promise.all(
    listDomains().map(async (domain) => {
      const name = `template_${domain}_${runId}`;
      await ensureDatabase(adminUrl, name);
      await migrateDatabase(domain, withDatabase(adminUrl, name));
      templates[domain] = name;
    }),
  );
  project.provide('postgresAdminUrl', adminUrl);
  project.provide('templateDatabases', templates);
  return async () => {
    for (const name of Object.values(templates)) await dropDatabase(adminUrl, name);
    await stopServer();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
