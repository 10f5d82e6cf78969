// Applies the committed Prisma migrations of each domain database (`npm run migrate`, `npm start`, tests).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { databaseUrlVariable } from '../prisma/prisma-config.ts';

// The checkout, or dist/ when run from the build (npm run build copies the migrations there, beside the
// compiled prisma.config.js files).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ext = path.extname(fileURLToPath(import.meta.url));
const prismaCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('prisma/package.json')),
  'build/index.js',
);
const run = promisify(execFile);

/** Every domain with a Prisma schema, i.e. every subgraph that owns a database. */
export function listDomains(): string[] {
  return readdirSync(path.join(root, 'prisma'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, 'prisma', d.name, 'schema.prisma')))
    .map((d) => d.name)
    .sort();
}

/** True when every committed migration of `domain` is applied to `url`: then the CLI need not start at all. */
async function isUpToDate(domain: string, url: string): Promise<boolean> {
  const dir = path.join(root, 'prisma', domain, 'migrations');
  const committed = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return committed.every((d) => applied.has(d.name));
  } catch {
    return false; // no _prisma_migrations table yet: a new database
  } finally {
    await client.end();
  }
}

/**
 * `prisma migrate deploy` for one domain, offline, without the CLI's idle timer (see prisma-cli-preload).
 * Skipped when nothing is pending, which keeps a warm `npm start` quick.
 */
export async function migrateDatabase(domain: string, url: string): Promise<void> {
  if (await isUpToDate(domain, url)) return;
  const args = [
    '--import',
    path.join(root, 'scripts/prisma-cli-preload.mjs'),
    prismaCli,
    'migrate',
    'deploy',
  ];
  args.push('--config', path.join(root, 'prisma', domain, `prisma.config${ext}`));
  try {
    await run(process.execPath, args, {
      cwd: root,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', [databaseUrlVariable(domain)]: url },
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`migrating the ${domain} database failed:\n${stdout}${stderr}`, { cause: error });
  }
}

async function main(): Promise<void> {
  const missing: string[] = [];
  for (const domain of listDomains()) {
    const url = process.env[databaseUrlVariable(domain)];
    if (!url) {
      missing.push(databaseUrlVariable(domain));
      continue;
    }
    await migrateDatabase(domain, url);
    console.log(`${domain}: migrations applied`);
  }
  if (missing.length) {
    console.error(
      `not migrated (variable not set): ${missing.join(', ')}. npm start migrates the embedded databases itself.`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
