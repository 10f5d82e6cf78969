// The keys `npm start` needs across restarts, kept under DATA_DIR beside the embedded database: the auth
// key-encryption key and the audit checkpoint signing key. Each is generated on the first start (32 random
// bytes, base64, in a file of mode 600 under a directory of mode 700) and read again on every later start, since
// a new one would no longer open the stored signing keys or verify the signed checkpoints. A variable set in the
// environment wins, and then nothing is written.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dataDirLayout } from './data-dir.ts';

/** Environment variable -> file name under DATA_DIR/keys. */
export const LOCAL_SECRETS = {
  AUTH_KEY_ENCRYPTION_KEY: 'auth-key-encryption-key',
  AUDIT_SIGNING_KEY: 'audit-signing-key',
} as const;

async function readOrCreate(file: string): Promise<string> {
  try {
    await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Someone may have loosened it by hand: a key others can read is no longer the database's secret.
    if (((await stat(file)).mode & 0o077) !== 0) {
      throw new Error(`${file} is readable by others: chmod 600 it (and consider the key exposed)`);
    }
  }
  return (await readFile(file, 'utf8')).trim();
}

/** The variables of LOCAL_SECRETS that `env` lacks, from (or newly written to) `dataDir`/keys. */
export async function localSecrets(dataDir: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const missing = Object.entries(LOCAL_SECRETS).filter(([variable]) => !env[variable]);
  if (!missing.length) return {};
  const dir = dataDirLayout(dataDir).keys;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const values: Record<string, string> = {};
  for (const [variable, name] of missing) values[variable] = await readOrCreate(path.join(dir, name));
  return values;
}
