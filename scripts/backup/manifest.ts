// manifest.json of a backup directory: what each artefact is, its SHA-256 and size, and for each database the
// versions that made it and the row count of every table in the dumped snapshot. It is written last and
// atomically (a temporary file renamed into place), so a directory without one is an incomplete backup.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';

export const MANIFEST = 'manifest.json';
const FORMAT = 'nanopore-backup/1';

const artefact = z.object({
  /** File name inside the backup directory. */
  file: z.string().regex(/^[\w.-]+$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});

const manifestSchema = z.object({
  format: z.literal(FORMAT),
  createdAt: z.string(),
  databases: z.record(
    z.string(),
    artefact.extend({
      serverVersion: z.string(),
      pgDumpVersion: z.string(),
      /** "schema.table" -> rows in the dumped snapshot */
      rowCounts: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
  files: artefact.extend({
    /** Regular files in the archive (blobs under FILES_DIR). */
    count: z.number().int().nonnegative(),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type Artefact = z.infer<typeof artefact>;

export function newManifest(
  databases: Manifest['databases'],
  files: Manifest['files'],
  createdAt: Date,
): Manifest {
  return { format: FORMAT, createdAt: createdAt.toISOString(), databases, files };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** An artefact's entry, from the file as it is on disk. */
export async function describeArtefact(dir: string, file: string): Promise<Artefact> {
  const full = path.join(dir, file);
  return { file, sha256: await sha256File(full), size: (await stat(full)).size };
}

/** Forces a file (or directory entry) to disk, so that the rename that follows cannot outlive its content. */
export async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const temporary = path.join(dir, `.${MANIFEST}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path.join(dir, MANIFEST));
  await syncPath(dir);
}

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(`${dir} has no ${MANIFEST}: not a backup, or one that did not finish`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${path.join(dir, MANIFEST)} is not a valid manifest: ${parsed.error.message}`);
  return parsed.data;
}

/** Every artefact the manifest lists, database dumps first. */
export function artefacts(manifest: Manifest): Artefact[] {
  return [...Object.values(manifest.databases), manifest.files];
}

/**
 * Compares every artefact with its checksum and size before anything is restored; throws naming the first
 * file that differs (a changed byte, a truncated copy, a missing file).
 */
export async function verifyArtefacts(dir: string, manifest: Manifest): Promise<void> {
  for (const expected of artefacts(manifest)) {
    const full = path.join(dir, expected.file);
    let actual: Artefact;
    try {
      actual = await describeArtefact(dir, expected.file);
    } catch (error) {
      throw new Error(`${full} is missing or unreadable: the backup is incomplete`, { cause: error });
    }
    if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
      throw new Error(
        `${full} does not match the manifest (sha256 ${actual.sha256}, ${actual.size} bytes; expected ` +
          `${expected.sha256}, ${expected.size} bytes): the backup is damaged; nothing was restored`,
      );
    }
  }
}
