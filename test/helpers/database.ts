// A fresh, migrated database for one test file, cloned from the run's template (see test/global-setup.ts).
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { dropDatabase, ensureDatabase, withDatabase } from '../../scripts/embedded-postgres.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(domain: string): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl)
    throw new Error('this test needs PostgreSQL: name its file *.int.test.ts (vitest.config.ts)');
  const template = inject('templateDatabases')[domain];
  if (!template)
    throw new Error(`no migrated template for domain '${domain}' (is prisma/${domain} missing?)`);
  const name = `test_${domain}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await ensureDatabase(adminUrl, name, template);
  return { url: withDatabase(adminUrl, name), drop: () => dropDatabase(adminUrl, name) };
}
