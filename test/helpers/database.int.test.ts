import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('auth');
});
afterAll(() => db.drop());

test('a test database is a migrated clone of its domain template', async () => {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query(
    'SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL',
  );
  await client.end();
  expect(rows[0].n).toBeGreaterThan(0);
});
