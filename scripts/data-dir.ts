// npm start's data directory (DATA_DIR) and where each thing lives in it. `npm run backup` and `npm run restore`
// find the same embedded cluster and files through here.
import path from 'node:path';
import { z } from 'zod';

/** DATA_DIR: what outlives a run of npm start. @default .data */
export const dataDirVariable = z.string().default('.data');

export function dataDirLayout(dataDir: string) {
  return {
    /** The embedded PostgreSQL (its cluster and the pid file of a running one). */
    postgres: path.join(dataDir, 'postgres'),
    /** FILES_DIR unless set. */
    files: path.join(dataDir, 'files'),
    chroma: path.join(dataDir, 'chroma'),
    /** Keys that must outlive a run (scripts/local-secrets.ts). */
    keys: path.join(dataDir, 'keys'),
    /** BACKUP_DIR unless set. */
    backups: path.join(dataDir, 'backups'),
  };
}
