import { describe, expect, it } from 'vitest';
import { createFailureCounter, createKeyRateLimiter, createTokenCache } from './apiKeyLimits.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createKeyRateLimiter', () => {
  it('lets a key burst up to its minute budget, then refills it continuously, keys apart', () => {
    const c = clock();
    const limiter = createKeyRateLimiter(6, c.now);
    expect(Array.from({ length: 6 }, () => limiter.take('a'))).toEqual(Array(6).fill(undefined));
    // One request per 10 s comes back.
    expect(limiter.take('a')).toBe(10);
    expect(limiter.take('b')).toBeUndefined();
    c.advance(4_000);
    expect(limiter.take('a')).toBe(6);
    c.advance(6_000);
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('a')).toBe(10);
    c.advance(3_600_000);
    expect(Array.from({ length: 7 }, () => limiter.take('a'))).toEqual([...Array(6).fill(undefined), 10]);
  });
});

describe('createFailureCounter', () => {
  it('blocks an address after max failures until its window ends, other addresses free', () => {
    const c = clock();
    const failures = createFailureCounter(3, 60_000, c.now);
    for (let i = 0; i < 3; i++) {
      expect(failures.blocked('10.0.0.1')).toBeUndefined();
      failures.record('10.0.0.1');
    }
    expect(failures.blocked('10.0.0.1')).toBe(60);
    expect(failures.blocked('10.0.0.2')).toBeUndefined();
    c.advance(59_500);
    expect(failures.blocked('10.0.0.1')).toBe(1);
    c.advance(500);
    expect(failures.blocked('10.0.0.1')).toBeUndefined();
  });
});

describe('createTokenCache', () => {
  it('keeps a token until a minute before it expires, or half its remaining life when shorter', () => {
    const c = clock();
    const cache = createTokenCache(c.now);
    cache.set('k|a', { accessToken: 't1', keyId: 'key', expiresAt: c.now() + 900_000 });
    cache.set('k|b', { accessToken: 't2', keyId: 'key', expiresAt: c.now() + 60_000 });
    c.advance(29_999);
    expect(cache.get('k|b')?.accessToken).toBe('t2');
    c.advance(1);
    expect(cache.get('k|b')).toBeUndefined();
    c.advance(900_000 - 60_000 - 30_000 - 1);
    expect(cache.get('k|a')?.accessToken).toBe('t1');
    c.advance(1);
    expect(cache.get('k|a')).toBeUndefined();
  });

  it('forgets a token on delete', () => {
    const cache = createTokenCache();
    cache.set('k|a', { accessToken: 't', keyId: 'key', expiresAt: Date.now() + 900_000 });
    cache.delete('k|a');
    expect(cache.get('k|a')).toBeUndefined();
  });
});
