// What `npm run backup` and `npm run restore` read from the environment: the stack's own variables (DATA_DIR,
// FILES_DIR, *_DATABASE_URL, with npm start's defaults) plus where backups go and which PostgreSQL tools to use.
import path from 'node:path';
import { z } from 'zod';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';
import { env, loadConfig } from '../../subgraphs/kit/config.ts';
import { dataDirLayout, dataDirVariable } from '../data-dir.ts';
import { listDomains } from '../migrate.ts';

const schema = z
  .object({
    /** npm start's data directory: its embedded cluster (postgres/) and, by default, the files. @default .data */
    DATA_DIR: dataDirVariable,
    /** The files subgraph's directory. @default DATA_DIR/files (as npm start sets it) */
    FILES_DIR: z.string().optional(),
    /** Where `npm run backup` creates its timestamped directories. @default DATA_DIR/backups */
    BACKUP_DIR: z.string().optional(),
    /** Directory of pg_dump and pg_restore (the server's major version). @default Debian's, else PATH */
    PG_BIN_DIR: z.string().optional(),
    // A database whose URL is set is backed up (or restored) there; the others live in the embedded cluster.
    ...Object.fromEntries(listDomains().map((d) => [databaseUrlVariable(d), env.databaseUrl().optional()])),
  })
  .transform((v) => {
    const dataDir = path.resolve(v.DATA_DIR);
    const layout = dataDirLayout(dataDir);
    return {
      dataDir,
      filesDir: path.resolve(v.FILES_DIR ?? layout.files),
      backupDir: path.resolve(v.BACKUP_DIR ?? layout.backups),
      pgBinDir: v.PG_BIN_DIR ? path.resolve(v.PG_BIN_DIR) : undefined,
    };
  });

export type BackupConfig = z.output<typeof schema>;

export const loadBackupConfig = (environment: NodeJS.ProcessEnv = process.env): BackupConfig =>
  loadConfig(schema, environment);
