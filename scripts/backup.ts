// `npm run backup`: every database of the stack (pg_dump --format=custom) and the files directory (a tar of its
// blobs) into a new timestamped directory under BACKUP_DIR, with manifest.json written last (scripts/backup/
// manifest.ts). Each database is dumped from one snapshot, and its row counts are read in that same snapshot;
// the databases are dumped one after the other, audit last (dumpOrder), then the files, so every blob a dumped
// row refers to is there.
// The stack may keep running (README, Backups).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadBackupConfig, type BackupConfig } from './backup/config.ts';
import { openDatabases } from './backup/databases.ts';
import { archiveFiles } from './backup/files-archive.ts';
import { describeArtefact, newManifest, writeManifest, type Manifest } from './backup/manifest.ts';
import { connectionFor, findPgTool, runTool, serverVersion } from './backup/pg-tools.ts';
import { countRows } from './backup/row-counts.ts';

type DatabaseEntry = Manifest['databases'][string];

/** Dumps one database into `dir`/<domain>.dump from a snapshot it also counts the rows in. */
async function dumpDatabase(
  domain: string,
  url: string,
  dir: string,
  pgBinDir: string | undefined,
): Promise<DatabaseEntry> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const server = await serverVersion(client);
    const pgDump = await findPgTool('pg_dump', server.major, pgBinDir);
    // The snapshot pg_dump reads must stay open until it is done: this transaction holds it.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const rowCounts = await countRows(client);
    const file = `${domain}.dump`;
    const { dbname, env } = connectionFor(url);
    await runTool(
      pgDump,
      [
        '--format=custom',
        `--snapshot=${rows[0]!.snapshot}`,
        `--file=${path.join(dir, file)}`,
        `--dbname=${dbname}`,
      ],
      env,
    );
    await client.query('COMMIT');
    return {
      ...(await describeArtefact(dir, file)),
      serverVersion: server.version,
      pgDumpVersion: pgDump.version,
      rowCounts,
    };
  } finally {
    await client.end();
  }
}

/**
 * The audit database last. An event a service's dump shows as delivered reached the audit log before it was
 * marked so, and is then in the later audit dump; one still pending is sent again after a restore, and the audit
 * subgraph acknowledges a duplicate without storing it. Dumped the other way round, an event delivered between
 * the two dumps would be marked delivered and missing from the log.
 */
export function dumpOrder(domains: string[]): string[] {
  return [...domains.filter((d) => d !== 'audit'), ...domains.filter((d) => d === 'audit')];
}

/** A directory name that sorts by time and is valid everywhere: 2026-12-04T21-05-33Z. */
export function backupName(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}

/** Makes one backup; its directory. */
export async function runBackup(
  config: BackupConfig,
  log: (line: string) => void = console.log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const databases = await openDatabases({ dataDir: config.dataDir, purpose: 'backup', env });
  const startedAt = new Date();
  const dir = path.join(config.backupDir, backupName(startedAt));
  let created = false;
  try {
    await mkdir(config.backupDir, { recursive: true, mode: 0o700 });
    await mkdir(dir, { mode: 0o700 }); // fails if it exists: never mixes two backups
    created = true;
    log(`backing up to ${dir} (embedded PostgreSQL: ${databases.embedded})`);
    const entries: Manifest['databases'] = {};
    for (const domain of dumpOrder(Object.keys(databases.urls))) {
      const entry = await dumpDatabase(domain, databases.urls[domain]!, dir, config.pgBinDir);
      const rows = Object.values(entry.rowCounts).reduce((a, b) => a + b, 0);
      log(`  ${domain}: ${entry.size} bytes, ${Object.keys(entry.rowCounts).length} tables, ${rows} rows`);
      entries[domain] = entry;
    }
    const count = await archiveFiles(config.filesDir, path.join(dir, 'files.tar'));
    const files = { ...(await describeArtefact(dir, 'files.tar')), count };
    log(`  files: ${count} from ${config.filesDir}`);
    await writeManifest(dir, newManifest(entries, files, startedAt));
    log(`done: ${dir}`);
    return dir;
  } catch (error) {
    // Without its manifest the directory is not a backup: remove it rather than leave a look-alike.
    if (created) await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    await databases.close();
  }
}

async function main(): Promise<void> {
  await runBackup(loadBackupConfig());
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
