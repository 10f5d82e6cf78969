// Where the bytes live, behind a small interface so an S3-compatible store can be added: the service never
// touches paths. The local store writes content-addressed files under FILES_DIR:
//   tmp/<uuid>                 an upload in progress (hashed and counted as it streams, never held in memory)
//   blobs/<ab>/<cd>/<sha256>   finished content, renamed into place (atomic: tmp/ and blobs/ share a filesystem)
// Identical bytes are stored once: when the blob already exists the temporary file is dropped.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  /** Hex SHA-256 of the content. */
  sha256: string;
  /** Bytes. */
  size: number;
  /** The store's name for it, kept in Blob.storageKey. */
  key: string;
}

/** An inclusive byte range, as HTTP Range counts. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStore {
  /**
   * Consumes `source` to its end and stores it. Rejects, storing nothing, when `source` fails (a client that
   * disconnects, a size limit); only complete content is ever visible under a key.
   */
  put(source: Readable): Promise<StoredBlob>;
  /** The content (or one range of it) as a stream. */
  open(key: string, range?: ByteRange): Readable;
  /** Size of a stored blob; null when absent. */
  stat(key: string): Promise<{ size: number } | null>;
  remove(key: string): Promise<void>;
}

const KEY = /^blobs\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

function keyFor(sha256: string): string {
  return `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** Hashes and counts what passes through. */
function createDigestStream() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), size }) };
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** The local-disk store under `dir` (created if missing). */
export async function createLocalBlobStore(dir: string): Promise<BlobStore> {
  const tmpDir = join(dir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  await mkdir(join(dir, 'blobs'), { recursive: true });

  /** The path of a key; a key that is not one of ours is refused (no path ever comes from a client). */
  function pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a blob key: ${key}`);
    return join(dir, key);
  }

  return {
    async put(source) {
      const tmp = join(tmpDir, randomUUID());
      const digest = createDigestStream();
      try {
        await pipeline(source, digest.stream, createWriteStream(tmp, { flags: 'wx' }));
        const { sha256, size } = digest.result();
        const key = keyFor(sha256);
        const target = pathOf(key);
        if (await exists(target)) {
          await rm(tmp, { force: true });
        } else {
          await mkdir(join(target, '..'), { recursive: true });
          // Two uploads of the same new content may both get here: either rename wins, with identical bytes.
          await rename(tmp, target);
        }
        return { sha256, size, key };
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },
    open(key, range) {
      return createReadStream(pathOf(key), range ? { start: range.start, end: range.end } : {});
    },
    async stat(key) {
      const info = await stat(pathOf(key)).catch(() => null);
      return info ? { size: info.size } : null;
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
