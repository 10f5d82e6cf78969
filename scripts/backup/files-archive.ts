// The files directory as one tar archive (GNU tar, on every Linux; no library needed). Only blobs/ is kept:
// finished uploads, content-addressed and never changed in place, so reading it while the stack runs is safe;
// tmp/ holds uploads in progress, which no database row refers to yet.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BLOBS = 'blobs';

async function tar(args: string[]): Promise<void> {
  try {
    await run('tar', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`tar ${args[0]} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** Regular files under `dir` (0 when it does not exist). */
export async function countFiles(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

/** Writes `filesDir`/blobs into `archive`; how many files it holds. */
export async function archiveFiles(filesDir: string, archive: string): Promise<number> {
  const blobs = path.join(filesDir, BLOBS);
  if (!existsSync(blobs)) {
    await tar(['--create', '--file', archive, '--files-from', '/dev/null']);
    return 0;
  }
  await tar(['--create', '--file', archive, '--directory', filesDir, BLOBS]);
  return countFiles(blobs);
}

/** True when `filesDir` has no stored blob (missing, or only uploads in progress). */
export async function hasNoBlobs(filesDir: string): Promise<boolean> {
  return (await countFiles(path.join(filesDir, BLOBS))) === 0;
}

/** Unpacks `archive` into `filesDir`; how many blobs are there afterwards. */
export async function extractFiles(archive: string, filesDir: string): Promise<number> {
  await mkdir(filesDir, { recursive: true });
  await tar(['--extract', '--file', archive, '--directory', filesDir]);
  return countFiles(path.join(filesDir, BLOBS));
}
