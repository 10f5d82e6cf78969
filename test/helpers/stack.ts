// The whole stack (every subgraph + the router, scripts/stack.ts) on fresh test databases and free ports.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { startStack, type RunningStack } from '../../scripts/stack.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestStack extends RunningStack {
  admin: { email: string; password: string };
  /** domain -> URL of its test database */
  databaseUrls: Record<string, string>;
}

/** `logger`: the router's (default: its own, at LOG_LEVEL silent). */
export async function startTestStack(env: NodeJS.ProcessEnv = {}, logger?: Logger): Promise<TestStack> {
  const databases: TestDatabase[] = await Promise.all(listDomains().map((d) => createTestDatabase(d)));
  const databaseUrls = Object.fromEntries(listDomains().map((d, i) => [d, databases[i]!.url]));
  const admin = { email: 'admin@lab.test', password: randomBytes(18).toString('base64url') };
  const filesDir = await mkdtemp(path.join(tmpdir(), 'stack-files-'));
  const dropAll = async () => {
    await Promise.all(databases.map((db) => db.drop()));
    await rm(filesDir, { recursive: true, force: true });
  };
  try {
    const stack = await startStack({
      databaseUrls,
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        FILES_DIR: filesDir,
        ...env,
      },
      routerPort: 0,
      subgraphPort: () => 0,
      logger,
    });
    return {
      ...stack,
      admin,
      databaseUrls,
      async close() {
        await stack.close();
        await dropAll();
      },
    };
  } catch (error) {
    await dropAll();
    throw error;
  }
}
