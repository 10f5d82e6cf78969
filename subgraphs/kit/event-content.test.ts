// Shortening event content that would not fit an audit event: what is kept, the flag and the full-content hash.
import { describe, expect, it } from 'vitest';
import { canonicalSha256 } from './canonical-json.ts';
import { fitEventContent, MIN_STRING_CAP } from './event-content.ts';
import { MAX_CONTENT_BYTES } from './outbox-wire.ts';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('fitEventContent', () => {
  it('leaves content that fits untouched, unflagged', () => {
    const content = { changes: { name: { from: 'a', to: 'b' } }, payload: { reason: 'r'.repeat(2000) } };
    expect(fitEventContent(content)).toEqual({ ...content, truncated: false, fullContentSha256: null });
  });

  it('cuts the long strings only, as little as needed, with a marker; hashes the full content', () => {
    const reason = 'r'.repeat(70 * 1024);
    const content = {
      changes: { status: { from: 'RECEIVED', to: 'CANCELLED' } },
      payload: { move: 'cancel', reason },
    };
    const fitted = fitEventContent(content);
    expect(fitted.truncated).toBe(true);
    expect(fitted.fullContentSha256).toBe(canonicalSha256(content));
    expect(fitted.changes).toEqual(content.changes);
    const kept = (fitted.payload as { reason: string }).reason;
    expect(kept).toMatch(/^r+…\[\+\d+ characters\]$/);
    expect(bytes({ changes: fitted.changes, payload: fitted.payload })).toBeLessThanOrEqual(
      MAX_CONTENT_BYTES,
    );
    // Nearly the whole budget is used: the cap is the largest that fits.
    expect(bytes({ changes: fitted.changes, payload: fitted.payload })).toBeGreaterThan(
      MAX_CONTENT_BYTES - 100,
    );
    expect((fitted.payload as { move: string }).move).toBe('cancel');
  });

  it('never splits a surrogate pair', () => {
    const content = { changes: {}, payload: { text: '😀'.repeat(40_000) } };
    const fitted = fitEventContent(content, { maxBytes: 1000 });
    const text = (fitted.payload as { text: string }).text;
    expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(bytes(fitted.payload)).toBeLessThanOrEqual(1000);
  });

  it('cuts long lists when cutting strings is not enough', () => {
    const content = { changes: {}, payload: { ids: Array.from({ length: 50_000 }, (_, i) => i) } };
    const fitted = fitEventContent(content, { maxBytes: 2000 });
    const ids = (fitted.payload as { ids: unknown[] }).ids;
    expect(ids.at(-1)).toMatch(/^…\[\+\d+ items\]$/);
    expect(ids[0]).toBe(0);
    expect(bytes({ changes: fitted.changes, payload: fitted.payload })).toBeLessThanOrEqual(2000);
    expect(fitted.fullContentSha256).toBe(canonicalSha256(content));
  });

  it('replaces the content by a note when even that does not fit (many keys), still hashed', () => {
    const payload = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i}`, 1]));
    const fitted = fitEventContent({ changes: {}, payload }, { maxBytes: 500 });
    expect(fitted).toMatchObject({
      changes: {},
      truncated: true,
      fullContentSha256: canonicalSha256({ changes: {}, payload }),
    });
    expect((fitted.payload as { omitted: string }).omitted).toMatch(/bytes of content omitted/);
  });

  it('keeps the hash of the original when content arrives already shortened', () => {
    const original = 'f'.repeat(64);
    const content = { changes: {}, payload: { text: 'x'.repeat(5000) } };
    expect(fitEventContent(content, { maxBytes: 1000, fullContentSha256: original })).toMatchObject({
      truncated: true,
      fullContentSha256: original,
    });
    expect(fitEventContent({ changes: {}, payload: null }, { fullContentSha256: original })).toMatchObject({
      truncated: true,
      fullContentSha256: original,
    });
  });

  it('keeps at least MIN_STRING_CAP characters of each string before cutting lists', () => {
    const content = { changes: {}, payload: { list: Array.from({ length: 200 }, () => 'y'.repeat(500)) } };
    const fitted = fitEventContent(content, { maxBytes: 4000 });
    const list = (fitted.payload as { list: string[] }).list;
    expect(list[0]!.startsWith('y'.repeat(MIN_STRING_CAP))).toBe(true);
    expect(list.at(-1)).toMatch(/items\]$/);
  });
});
