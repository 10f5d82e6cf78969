// The pure parts of a download: which bytes a Range asks for, when a copy is current, the disposition a
// hostile name gets, and the URL signature.
import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../kit/content-disposition.ts';
import { decideRange, ifRangeMatches, isNotModified } from './http-range.ts';
import { createUrlSigner } from './signing.ts';

describe('decideRange (a 1000-byte file)', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', range: { start: 0, end: 99 } }],
    ['bytes=900-', { kind: 'partial', range: { start: 900, end: 999 } }],
    ['bytes=-100', { kind: 'partial', range: { start: 900, end: 999 } }],
    ['bytes=-5000', { kind: 'partial', range: { start: 0, end: 999 } }],
    ['bytes=990-5000', { kind: 'partial', range: { start: 990, end: 999 } }],
    ['bytes=999-999', { kind: 'partial', range: { start: 999, end: 999 } }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=5000-6000', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    // Multiple ranges: the whole file (RFC 9110 lets a server ignore Range).
    ['bytes=0-9,20-29', { kind: 'full' }],
    // Malformed or other units: ignored.
    ['bytes=9-0', { kind: 'full' }],
    ['bytes=a-b', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['items=0-9', { kind: 'full' }],
  ])('%s -> %j', (header, decision) => {
    expect(decideRange(header, 1000)).toEqual(decision);
  });

  it('an empty file satisfies no range', () => {
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('conditional requests', () => {
  const etag = '"abc"';
  const modified = new Date('2026-03-01T09:30:00.500Z');

  it('If-Range matches the strong ETag or the exact date only', () => {
    expect(ifRangeMatches(undefined, etag, modified)).toBe(true);
    expect(ifRangeMatches('"abc"', etag, modified)).toBe(true);
    expect(ifRangeMatches('"old"', etag, modified)).toBe(false);
    expect(ifRangeMatches('W/"abc"', etag, modified)).toBe(false);
    expect(ifRangeMatches(modified.toUTCString(), etag, modified)).toBe(true);
    expect(ifRangeMatches('Sun, 01 Mar 2026 09:29:59 GMT', etag, modified)).toBe(false);
  });

  it('If-None-Match wins over If-Modified-Since', () => {
    expect(isNotModified({ ifNoneMatch: '"x", "abc"' }, etag, modified)).toBe(true);
    expect(isNotModified({ ifNoneMatch: 'W/"abc"' }, etag, modified)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '*' }, etag, modified)).toBe(true);
    expect(
      isNotModified({ ifNoneMatch: '"x"', ifModifiedSince: modified.toUTCString() }, etag, modified),
    ).toBe(false);
    expect(isNotModified({ ifModifiedSince: modified.toUTCString() }, etag, modified)).toBe(true);
    expect(isNotModified({ ifModifiedSince: 'Sun, 01 Mar 2026 09:29:00 GMT' }, etag, modified)).toBe(false);
    expect(isNotModified({}, etag, modified)).toBe(false);
  });
});

describe('contentDisposition', () => {
  it.each([
    ['report.pdf', `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`],
    [
      'quote "final"; name=x.exe.pdf',
      `attachment; filename="quote _final_; name=x.exe.pdf"; filename*=UTF-8''quote%20%22final%22%3B%20name%3Dx.exe.pdf`,
    ],
    ['back\\slash.pdf', `attachment; filename="back_slash.pdf"; filename*=UTF-8''back%5Cslash.pdf`],
    [
      'résumé (1).pdf',
      `attachment; filename="r_sum_ (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf`,
    ],
    [
      'evil\r\nSet-Cookie: a=b.pdf',
      `attachment; filename="evil__Set-Cookie: a=b.pdf"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20a%3Db.pdf`,
    ],
    ["it's*.pdf", `attachment; filename="it's*.pdf"; filename*=UTF-8''it%27s%2A.pdf`],
    [
      'lone \uD800 surrogate',
      `attachment; filename="lone _ surrogate"; filename*=UTF-8''lone%20%EF%BF%BD%20surrogate`,
    ],
  ])('%j', (name, header) => {
    expect(contentDisposition(name)).toBe(header);
  });

  it('never lets a name end the header or add a parameter', () => {
    for (const name of ['a"; filename="x.html', 'a\r\nX: y', '\u202Egpj.exe', 'x\u0000y']) {
      const header = contentDisposition(name);
      expect(header).toMatch(
        /^attachment; filename="[\x20-\x21\x23-\x5b\x5d-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]*$/,
      );
    }
  });
});

describe('download URL signatures', () => {
  const signer = createUrlSigner({ secret: 's'.repeat(32), publicUrl: 'http://router.test' });
  const fileId = '2f1c7a4e-0a9b-4c1d-8e2f-3a4b5c6d7e8f';
  const userId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

  function parse(url: string) {
    const parsed = new URL(url);
    return {
      path: parsed.pathname,
      expires: Number(parsed.searchParams.get('expires')),
      user: parsed.searchParams.get('user') ?? undefined,
      signature: parsed.searchParams.get('signature')!,
    };
  }

  it('signs "<fileId>.<expires>" as the router contract says, and the user when given', async () => {
    const plain = parse(signer.downloadUrl({ fileId, expires: 1_800_000_000 }));
    expect(plain.path).toBe(`/files/${fileId}/content`);
    const { createHmac } = await import('node:crypto');
    expect(plain.signature).toBe(
      createHmac('sha256', 's'.repeat(32)).update(`${fileId}.1800000000`).digest('hex'),
    );
    expect(signer.verify({ fileId, expires: 1_800_000_000 }, plain.signature)).toBe(true);

    const issued = parse(signer.downloadUrl({ fileId, expires: 1_800_000_000, userId }));
    expect(issued.user).toBe(userId);
    expect(signer.verify({ fileId, expires: 1_800_000_000, userId }, issued.signature)).toBe(true);
    // Neither the user nor the expiry can be dropped or changed.
    expect(signer.verify({ fileId, expires: 1_800_000_000 }, issued.signature)).toBe(false);
    expect(signer.verify({ fileId, expires: 1_800_000_001, userId }, issued.signature)).toBe(false);
    expect(signer.verify({ fileId, expires: 1_800_000_000, userId: fileId }, issued.signature)).toBe(false);
    expect(signer.verify({ fileId, expires: 1_800_000_000 }, 'zz')).toBe(false);
    expect(signer.verify({ fileId, expires: 1_800_000_000 }, '0'.repeat(64))).toBe(false);
  });
});
