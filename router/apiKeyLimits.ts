// The router's memory of API keys (useApiKeys): exchanged tokens per key and client address, each key's request
// budget, and failed key attempts per client address. Per router process: with several replicas or workers,
// each keeps its own (a key's budget is then per process).

/** At most this many entries per map: the oldest go first, so a flood of keys or addresses cannot grow memory. */
const MAX_ENTRIES = 10_000;

function bounded<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  map.set(key, value);
}

interface CachedToken {
  accessToken: string;
  keyId: string;
  /** Epoch ms: the token's expiry. */
  expiresAt: number;
  /** Epoch ms: exchange again from here on (shortly before expiry). */
  refreshAt: number;
}

/** Tokens by (key hash, client address), kept until shortly before they expire. */
export function createTokenCache(now: () => number = Date.now) {
  const tokens = new Map<string, CachedToken>();
  return {
    get(cacheKey: string): CachedToken | undefined {
      const entry = tokens.get(cacheKey);
      if (entry && entry.refreshAt > now()) return entry;
      if (entry) tokens.delete(cacheKey);
      return undefined;
    },
    /** Caches a token until a minute before it expires (half its remaining life when that is shorter). */
    set(cacheKey: string, token: { accessToken: string; keyId: string; expiresAt: number }): CachedToken {
      const left = token.expiresAt - now();
      const entry = { ...token, refreshAt: token.expiresAt - Math.min(60_000, left / 2) };
      bounded(tokens, cacheKey, entry);
      return entry;
    },
    delete(cacheKey: string): void {
      tokens.delete(cacheKey);
    },
  };
}

/**
 * Each key's budget: a token bucket of `perMinute` requests, refilled continuously, so a key may burst up to a
 * minute's budget and then gets perMinute requests a minute. Keys never share a budget.
 */
export function createKeyRateLimiter(perMinute: number, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    /** Takes one request from the key's budget: undefined when allowed, else the seconds until one is. */
    take(keyId: string): number | undefined {
      const t = now();
      const bucket = buckets.get(keyId) ?? { tokens: perMinute, at: t };
      const tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * ratePerMs);
      if (tokens < 1) {
        bounded(buckets, keyId, { tokens, at: t });
        return Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000));
      }
      bounded(buckets, keyId, { tokens: tokens - 1, at: t });
      return undefined;
    },
  };
}

/** Failed key attempts per client address in fixed windows; past `max`, the address waits for the window's end. */
export function createFailureCounter(max: number, windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, { count: number; startedAt: number }>();
  const current = (address: string) => {
    const entry = windows.get(address);
    return entry && now() - entry.startedAt < windowMs ? entry : undefined;
  };
  return {
    /** Undefined when the address may try a key, else the seconds until it may again. */
    blocked(address: string): number | undefined {
      const entry = current(address);
      if (!entry || entry.count < max) return undefined;
      return Math.max(1, Math.ceil((entry.startedAt + windowMs - now()) / 1000));
    },
    record(address: string): void {
      const entry = current(address) ?? { count: 0, startedAt: now() };
      bounded(windows, address, { count: entry.count + 1, startedAt: entry.startedAt });
    },
  };
}
