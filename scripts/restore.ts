// `npm run restore -- <backup dir> [--force]`: a backup made by `npm run backup` back into the stack's databases
// (the same *_DATABASE_URL / DATA_DIR as the stack, the stack stopped) and files directory. In order, so that a
// refusal changes nothing: every checksum; the target databases and files directory empty (unless --force);
// then each database by pg_restore in one transaction, the files, and the row count of every table against the
// manifest.
//
// Owners and grants are restored as dumped, so the target must have the same roles: for the compose/production
// layout, a server prepared by deploy/postgres/create-databases.sql, restored with the migrator's URLs (the
// database owner, as for `npm run migrate`); the runtime roles then get back exactly the grants they had.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadBackupConfig, type BackupConfig } from './backup/config.ts';
import { openDatabases } from './backup/databases.ts';
import { extractFiles, hasNoBlobs } from './backup/files-archive.ts';
import { readManifest, verifyArtefacts, type Manifest } from './backup/manifest.ts';
import { connectionFor, findPgTool, parseMajor, runTool, serverVersion } from './backup/pg-tools.ts';
import { compareCounts, countRelations, countRows } from './backup/row-counts.ts';

const USAGE = `npm run restore -- <backup directory> [--force]

Restores every database and the files of a backup made by \`npm run backup\` into the stack's databases
(*_DATABASE_URL, else the embedded cluster under DATA_DIR) and FILES_DIR. Stop the stack first.
  --force   restore into databases or a files directory that are not empty (objects in the backup are
            dropped and recreated; files are added)`;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Names every target that already holds something: restoring over it needs --force. */
async function findNonEmpty(urls: Record<string, string>, filesDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const [domain, url] of Object.entries(urls)) {
    const relations = await withClient(url, countRelations);
    if (relations) found.push(`the ${domain} database (${relations} tables, sequences or views)`);
  }
  if (!(await hasNoBlobs(filesDir))) found.push(`the files directory ${filesDir}`);
  return found;
}

async function restoreDatabase(
  domain: string,
  url: string,
  entry: Manifest['databases'][string],
  dir: string,
  options: { force: boolean; pgBinDir: string | undefined },
): Promise<void> {
  const server = await withClient(url, serverVersion);
  const pgRestore = await findPgTool('pg_restore', server.major, options.pgBinDir);
  const dumpedBy = parseMajor(entry.pgDumpVersion);
  if (dumpedBy > pgRestore.major) {
    throw new Error(
      `the ${domain} dump was made by ${entry.pgDumpVersion}; ${pgRestore.version} cannot read it: ` +
        `restore into a PostgreSQL ${dumpedBy} (or newer) server`,
    );
  }
  const { dbname, env } = connectionFor(url);
  const args = ['--single-transaction', '--exit-on-error', `--dbname=${dbname}`];
  if (options.force) args.push('--clean', '--if-exists');
  try {
    await runTool(pgRestore, [...args, path.join(dir, entry.file)], env);
  } catch (error) {
    const role = /role "([^"]+)" does not exist/.exec((error as Error).message)?.[1];
    const hint = role
      ? `\nThe backup's objects are owned by or granted to role ${role}, which this server lacks: create the ` +
        `roles first (deploy/postgres/create-databases.sql), and restore as the database owner (the migrator).`
      : '';
    throw new Error(
      `restoring the ${domain} database failed (it is unchanged): ${(error as Error).message}${hint}`,
      {
        cause: error,
      },
    );
  }
}

export async function runRestore(
  dir: string,
  options: { force: boolean },
  config: BackupConfig,
  log: (line: string) => void = console.log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const backup = path.resolve(dir);
  const manifest = await readManifest(backup);
  await verifyArtefacts(backup, manifest);
  log(`${backup}: every checksum matches (backup of ${manifest.createdAt})`);

  const databases = await openDatabases({ dataDir: config.dataDir, purpose: 'restore', env });
  try {
    const missing = Object.keys(databases.urls).filter((d) => !manifest.databases[d]);
    if (missing.length) throw new Error(`the backup has no dump of: ${missing.join(', ')}`);
    const extra = Object.keys(manifest.databases).filter((d) => !databases.urls[d]);
    if (extra.length) throw new Error(`the backup has databases this stack does not: ${extra.join(', ')}`);

    const nonEmpty = await findNonEmpty(databases.urls, config.filesDir);
    if (nonEmpty.length && !options.force) {
      throw new Error(`refusing to restore over data (use --force to do so):\n  ${nonEmpty.join('\n  ')}`);
    }
    for (const [domain, url] of Object.entries(databases.urls)) {
      await restoreDatabase(domain, url, manifest.databases[domain]!, backup, {
        force: options.force,
        pgBinDir: config.pgBinDir,
      });
      log(`  ${domain}: restored`);
    }
    const blobs = await extractFiles(path.join(backup, manifest.files.file), config.filesDir);
    if (blobs < manifest.files.count) {
      throw new Error(
        `${config.filesDir} holds ${blobs} files after the restore; the backup has ${manifest.files.count}`,
      );
    }
    log(`  files: ${manifest.files.count} into ${config.filesDir}`);

    const mismatches: string[] = [];
    for (const [domain, url] of Object.entries(databases.urls)) {
      const counts = await withClient(url, countRows);
      const expected = manifest.databases[domain]!.rowCounts;
      mismatches.push(...compareCounts(expected, counts).map((line) => `${domain} ${line}`));
    }
    if (mismatches.length)
      throw new Error(`row counts differ from the backup:\n  ${mismatches.join('\n  ')}`);
    log('done: every table holds the row count of the backup');
  } finally {
    await databases.close();
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 1;
    return;
  }
  await runRestore(positionals[0]!, { force: values.force }, loadBackupConfig());
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`restore failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
