// Downloads over plain HTTP with the signed URL a File hands out: the headers that keep a browser from
// rendering anything, Range and conditional requests, and each way a link stops working. Restricted downloads
// (quote PDFs, and files seen only through a share) are audited.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUOTE_PDF } from './fixtures.ts';
import { startFilesHarness, type FilesHarness } from './testing.ts';

const CONTENT = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\n');
const NASTY_NAME = 'résumé "final"; filename=evil.html ✓.txt';

let h: FilesHarness;
let uploaderId: string;
let uploader: Record<string, string>;
let sampleId: string;
let fileId: string;
let url: string;

/** The URL a File hands out, pointed at this subgraph instead of the router that would proxy it. */
function direct(publicUrl: string): string {
  const parsed = new URL(publicUrl);
  return `${h.url}${parsed.pathname}${parsed.search}`;
}

async function downloadUrl(id: string, headers: Record<string, string>): Promise<string> {
  const { body } = await h.gql(
    'query ($id: ID!) { file(id: $id) { downloadUrl downloadUrlExpiresAt } }',
    { id },
    headers,
  );
  expect(body.errors).toBeUndefined();
  return direct(body.data.file.downloadUrl);
}

async function upload(bytes: Buffer, name: string, kind = 'OTHER'): Promise<string> {
  const { body } = await h.upload({ bytes, name, attachTo: { sampleId }, kind, headers: uploader });
  expect(body.errors).toBeUndefined();
  return body.data.uploadFile.id;
}

const downloadEvents = (id: string) =>
  h.sql<{ actor_id: string | null; owner_id: string | null; payload: Record<string, unknown> }>(
    "SELECT actor_id, owner_id, payload FROM outbox_event WHERE type = 'file.downloaded' AND entity_id = $1 ORDER BY sequence",
    [id],
  );

beforeAll(async () => {
  h = await startFilesHarness();
  uploaderId = randomUUID();
  uploader = await h.as(['STAFF'], uploaderId);
  sampleId = await h.createSample(randomUUID());
  fileId = await upload(CONTENT, NASTY_NAME);
  url = await downloadUrl(fileId, uploader);
});
afterAll(async () => {
  await h?.close();
});

describe('a download', () => {
  it('is the exact bytes, as an attachment nothing will render or sniff', async () => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(CONTENT);
    const [row] = await h.sql<{ created_at: Date }>('SELECT created_at FROM file WHERE id = $1', [fileId]);
    const createdAt = row!.created_at;
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(CONTENT.length),
      'accept-ranges': 'bytes',
      etag: `"${createHash('sha256').update(CONTENT).digest('hex')}"`,
      'last-modified': createdAt.toUTCString(),
      'cache-control': 'private, max-age=0',
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
      'content-disposition':
        `attachment; filename="r_sum_ _final_; filename=evil.html _.txt"; ` +
        `filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B%20filename%3Devil.html%20%E2%9C%93.txt`,
    });
  });

  it('serves one range (206), a suffix range, and 416 past the end', async () => {
    const partial = await fetch(url, { headers: { range: 'bytes=2-5' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 2-5/${CONTENT.length}`);
    expect(partial.headers.get('content-length')).toBe('4');
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(CONTENT.subarray(2, 6));

    const suffix = await fetch(url, { headers: { range: 'bytes=-4' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(CONTENT.subarray(-4));

    const open = await fetch(url, { headers: { range: 'bytes=30-' } });
    expect(Buffer.from(await open.arrayBuffer())).toEqual(CONTENT.subarray(30));

    const beyond = await fetch(url, { headers: { range: `bytes=${CONTENT.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${CONTENT.length}`);
    await beyond.body?.cancel();

    // Several ranges: the whole file.
    const several = await fetch(url, { headers: { range: 'bytes=0-1,4-5' } });
    expect(several.status).toBe(200);
    expect(Buffer.from(await several.arrayBuffer())).toEqual(CONTENT);
  });

  it('honours If-Range and If-None-Match', async () => {
    const etag = `"${createHash('sha256').update(CONTENT).digest('hex')}"`;
    const current = await fetch(url, { headers: { range: 'bytes=0-0', 'if-range': etag } });
    expect(current.status).toBe(206);
    await current.body?.cancel();
    const changed = await fetch(url, { headers: { range: 'bytes=0-0', 'if-range': '"something-else"' } });
    expect(changed.status).toBe(200);
    expect(Buffer.from(await changed.arrayBuffer())).toEqual(CONTENT);

    const notModified = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await notModified.text()).toBe('');
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(CONTENT.length));
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(await response.text()).toBe('');
  });

  it('serves an empty file, for which no range is satisfiable', async () => {
    const link = await downloadUrl(await upload(Buffer.alloc(0), 'empty.txt'), uploader);
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
    expect(await response.text()).toBe('');
    const ranged = await fetch(link, { headers: { range: 'bytes=0-' } });
    expect(ranged.status).toBe(416);
    await ranged.body?.cancel();
  });

  it('serves CSV as text/csv by its name', async () => {
    const id = await upload(Buffer.from('a,b\n1,2\n'), 'sheet.csv');
    const response = await fetch(await downloadUrl(id, uploader));
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toBe('a,b\n1,2\n');
  });
});

describe('a link that stops working', () => {
  async function refused(link: string, status: number, code: string) {
    const response = await fetch(link);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(response.headers.get('content-disposition')).toBeNull();
  }

  it('is refused (403) when tampered with', async () => {
    const tampered = new URL(url);
    const signature = tampered.searchParams.get('signature')!;
    tampered.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    await refused(tampered.toString(), 403, 'FORBIDDEN');

    const later = new URL(url);
    later.searchParams.set('expires', String(Number(later.searchParams.get('expires')) + 3600));
    await refused(later.toString(), 403, 'FORBIDDEN');

    const anonymous = new URL(url);
    anonymous.searchParams.delete('user');
    await refused(anonymous.toString(), 403, 'FORBIDDEN');

    const otherFile = new URL(url.replace(fileId, randomUUID()));
    await refused(otherFile.toString(), 403, 'FORBIDDEN');
    await refused(`${h.url}/files/${fileId}/content`, 403, 'FORBIDDEN');
  });

  it('is refused (403) once it has expired', async () => {
    const link = await downloadUrl(fileId, uploader);
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
    h.advance(301);
    try {
      await refused(link, 403, 'FORBIDDEN');
    } finally {
      h.advance(-301);
    }
  });

  it('is 404 for a file that does not exist and 410 once the file is deleted', async () => {
    const expires = Math.floor(Date.now() / 1000) + 60;
    await refused(
      direct(h.subgraph.deps.signer.downloadUrl({ fileId: randomUUID(), expires })),
      404,
      'NOT_FOUND',
    );

    const id = await upload(Buffer.from('soon gone\n'), 'gone.txt');
    const link = await downloadUrl(id, uploader);
    const { body } = await h.gql('mutation ($id: ID!) { deleteFile(id: $id) }', { id }, uploader);
    expect(body.data).toEqual({ deleteFile: true });
    await refused(link, 410, 'GONE');
  });
});

describe('a link issued through a share', () => {
  async function share(id: string, guestId: string, expiresInMs: number): Promise<string> {
    const { body } = await h.gql(
      'mutation ($f: ID!, $u: ID!, $e: DateTime!) { shareFile(fileId: $f, userId: $u, expiresAt: $e) { id } }',
      { f: id, u: guestId, e: new Date(h.now().getTime() + expiresInMs).toISOString() },
      uploader,
    );
    expect(body.errors).toBeUndefined();
    return body.data.shareFile.id;
  }

  it('carries the share, and stops working the moment the share is revoked', async () => {
    const id = await upload(Buffer.from('revocable\n'), 'revocable.txt');
    const guestId = randomUUID();
    const shareId = await share(id, guestId, 3_600_000);
    const link = await downloadUrl(id, await h.as(['SUBMITTER'], guestId));
    expect(new URL(link).searchParams.get('share')).toBe(shareId);
    expect(await (await fetch(link)).text()).toBe('revocable\n');

    const { body } = await h.gql('mutation ($s: ID!) { revokeShare(shareId: $s) }', { s: shareId }, uploader);
    expect(body.errors).toBeUndefined();
    const after = await fetch(link);
    expect(after.status).toBe(403);
    expect(await after.json()).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: 'the share this link was issued through was revoked or has expired',
      },
    });
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(403);

    // Taking the share out of the link breaks its signature.
    const stripped = new URL(link);
    stripped.searchParams.delete('share');
    expect((await fetch(stripped)).status).toBe(403);
  });

  it('stops working when the share expires, even while the link itself has not', async () => {
    const id = await upload(Buffer.from('short share\n'), 'short.txt');
    const guestId = randomUUID();
    await share(id, guestId, 60_000);
    const link = await downloadUrl(id, await h.as(['SUBMITTER'], guestId));
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
    h.advance(61);
    try {
      expect((await fetch(link)).status).toBe(403);
    } finally {
      h.advance(-61);
    }
  });

  it('is not tied to a share for those who see the file anyway (uploader, staff)', async () => {
    const id = await upload(Buffer.from('mine\n'), 'mine.txt');
    expect(new URL(await downloadUrl(id, uploader)).searchParams.has('share')).toBe(false);
    const staff = await downloadUrl(id, await h.as(['VIEWER'], randomUUID()));
    expect(new URL(staff).searchParams.has('share')).toBe(false);
  });
});

describe('auditing restricted downloads', () => {
  it('records every download of a quote PDF, naming whom the link was issued to', async () => {
    const id = await upload(QUOTE_PDF, 'quote.pdf', 'QUOTE_PDF');
    const viewerId = randomUUID();
    const link = await downloadUrl(id, await h.as(['VIEWER'], viewerId));
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
    expect(await downloadEvents(id)).toEqual([]);

    const full = await fetch(link);
    expect(Buffer.from(await full.arrayBuffer())).toEqual(QUOTE_PDF);
    const partial = await fetch(link, { headers: { range: 'bytes=0-3' } });
    expect(await partial.text()).toBe('%PDF');
    const [file] = await h.sql<{ owner_id: string }>('SELECT owner_id FROM file WHERE id = $1', [id]);
    const ownerId = file!.owner_id;
    expect(await downloadEvents(id)).toEqual([
      {
        actor_id: viewerId,
        owner_id: ownerId,
        payload: expect.objectContaining({
          name: 'quote.pdf',
          kind: 'QUOTE_PDF',
          reason: 'QUOTE_PDF',
          range: null,
        }),
      },
      {
        actor_id: viewerId,
        owner_id: ownerId,
        payload: expect.objectContaining({ reason: 'QUOTE_PDF', range: 'bytes=0-3' }),
      },
    ]);
  });

  it('records downloads through a share, and not those of the uploader', async () => {
    const id = await upload(Buffer.from('shared notes\n'), 'shared.txt');
    await (await fetch(await downloadUrl(id, uploader))).arrayBuffer();
    expect(await downloadEvents(id)).toEqual([]);

    const guestId = randomUUID();
    const { body } = await h.gql(
      'mutation ($f: ID!, $u: ID!, $e: DateTime!) { shareFile(fileId: $f, userId: $u, expiresAt: $e) { id } }',
      { f: id, u: guestId, e: new Date(h.now().getTime() + 3_600_000).toISOString() },
      uploader,
    );
    const shareId = body.data.shareFile.id;
    const guestLink = await downloadUrl(id, await h.as(['SUBMITTER'], guestId));
    expect(await (await fetch(guestLink)).text()).toBe('shared notes\n');
    expect(await downloadEvents(id)).toEqual([
      {
        actor_id: guestId,
        owner_id: expect.any(String),
        payload: expect.objectContaining({ reason: 'SHARE', shareId }),
      },
    ]);
  });
});
