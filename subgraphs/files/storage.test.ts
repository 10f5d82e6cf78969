// The local blob store: content-addressed, identical bytes once, nothing left behind by a failed upload.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBlobStore, type BlobStore } from './storage.ts';

let dir: string;
let store: BlobStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blob-store-'));
  store = await createLocalBlobStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (value: string) => createHash('sha256').update(value).digest('hex');
const files = async (sub: string) =>
  (await readdir(join(dir, sub), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name);

describe('the local blob store', () => {
  it('stores content under its sha256, once however often it is put', async () => {
    const first = await store.put(Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(first).toEqual({
      sha256: sha('hello world'),
      size: 11,
      key: `blobs/${sha('hello world').slice(0, 2)}/${sha('hello world').slice(2, 4)}/${sha('hello world')}`,
    });
    const again = await store.put(Readable.from([Buffer.from('hello world')]));
    expect(again).toEqual(first);
    expect(await files('blobs')).toEqual([sha('hello world')]);
    expect(await files('tmp')).toEqual([]);
    expect(await readFile(join(dir, first.key), 'utf8')).toBe('hello world');
    expect(await store.stat(first.key)).toEqual({ size: 11 });
  });

  it('opens the whole content or an inclusive range', async () => {
    const { key } = await store.put(Readable.from([Buffer.from('0123456789')]));
    expect(await text(store.open(key))).toBe('0123456789');
    expect(await text(store.open(key, { start: 2, end: 4 }))).toBe('234');
  });

  it('stores nothing when the source fails half-way, and leaves no temporary file', async () => {
    const source = new PassThrough();
    const put = store.put(source);
    source.write(Buffer.alloc(100_000, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await files('tmp')).toHaveLength(1);
    source.destroy(new Error('client went away'));
    await expect(put).rejects.toThrow('client went away');
    expect(await files('tmp')).toEqual([]);
    expect(await files('blobs')).toEqual([]);
  });

  it('refuses keys that are not its own', async () => {
    expect(() => store.open('../../etc/passwd')).toThrow('not a blob key');
    await expect(store.stat('blobs/../x')).rejects.toThrow('not a blob key');
    expect(await store.stat(`blobs/00/00/${'0'.repeat(64)}`)).toBeNull();
  });
});
