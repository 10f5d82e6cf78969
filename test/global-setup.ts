// One PostgreSQL server per test run: TEST_DATABASE_URL when set, else an embedded one. Each domain gets a
// migrated template database once; every test file then clones a fresh database from it (fast, isolated).
import type { TestProject } from 'vitest/node';
import {
  dropDatabase,
  ensureDatabase,
  startThrowawayPostgres,
  withDatabase,
} from '../scripts/embedded-postgres.ts';
import { listDomains, migrateDatabase } from '../scripts/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test server, database part replaced per use. */
    postgresAdminUrl: string;
    /** domain -> name of its migrated template database */
    templateDatabases: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!adminUrl) {
    const server = await startThrowawayPostgres();
    adminUrl = server.url('postgres');
    stopServer = server.stop;
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
