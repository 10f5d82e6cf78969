import { describe, expect, it } from 'vitest';
import { canonicalSha256 } from '../kit/canonical-json.ts';
import { canonicalJson, eventHash, GENESIS_HASH, type ChainedContent } from './canonical.ts';
import { csvCell } from '../kit/csv.ts';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'], c: { z: 1, y: 2 } }, '{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":1}}'],
    [{ at: new Date('2026-03-01T09:30:00+01:00') }, '{"at":"2026-03-01T08:30:00.000Z"}'],
    [{ n: 9007199254740993n }, '{"n":"9007199254740993"}'],
    [{ skipped: undefined, kept: 0.1 }, '{"kept":0.1}'],
    [{ é: 'ü "q"\n', Z: 1, a: 2 }, '{"Z":1,"a":2,"é":"ü \\"q\\"\\n"}'],
    [[], '[]'],
  ])('serializes case %# canonically', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('does not depend on key order', () => {
    expect(canonicalJson({ a: { x: 1, y: [1, { q: 1, p: 2 }] }, b: 2 })).toBe(
      canonicalJson({ b: 2, a: { y: [1, { p: 2, q: 1 }], x: 1 } }),
    );
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});

describe('eventHash', () => {
  const event: ChainedContent = {
    sequence: 1n,
    prevHash: GENESIS_HASH,
    eventId: '5b0c6e4e-8f1a-4c8e-9d2a-0f3b7c1d2e3f',
    type: 'user.created',
    entityType: 'User',
    entityId: 'u1',
    ownerId: 'u1',
    actorId: null,
    actorRoles: [],
    service: 'auth',
    requestId: null,
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    receivedAt: new Date('2026-01-01T00:00:01Z'),
    changes: { email: { from: null, to: 'a@lab.example' } },
    payload: null,
    sourceSequence: 7n,
    truncated: false,
    fullContentSha256: null,
  };

  it('is a sha256 hex that changes with any field, including the sequence and the previous hash', () => {
    const hash = eventHash(event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash({ ...event, changes: { email: { to: 'a@lab.example', from: null } } })).toBe(hash);
    for (const changed of [
      { sequence: 2n },
      { prevHash: 'f'.repeat(64) },
      { actorId: 'x' },
      { receivedAt: new Date('2026-01-01T00:00:02Z') },
      { payload: {} },
      { sourceSequence: null },
      { truncated: true },
      { fullContentSha256: 'a'.repeat(64) },
    ]) {
      expect(eventHash({ ...event, ...changed })).not.toBe(hash);
    }
  });

  it('leaves the flag and the full-content hash out while unset, so events stored before keep their hashes', () => {
    const { truncated: _t, fullContentSha256: _f, ...v1 } = event;
    expect(eventHash(event)).toBe(canonicalSha256({ v: 1, ...v1 }));
    const truncated = { ...event, truncated: true, fullContentSha256: 'a'.repeat(64) };
    expect(eventHash(truncated)).toBe(
      canonicalSha256({ v: 1, ...v1, truncated: true, fullContentSha256: 'a'.repeat(64) }),
    );
  });
});

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    [null, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rhere', '"cr\rhere"'],
    [`=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('%j -> %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
});
