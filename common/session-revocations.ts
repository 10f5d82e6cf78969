// Ended sessions, as the router and every subgraph know them. The auth subgraph publishes a feed of revoked
// session ids (GET /sessions/revoked?after=<cursor>, subgraphs/auth/revocation.service.ts); each process polls
// it and refuses an access token whose `sid` is on it, so logout, logoutAll, a password change, deactivation,
// a role change or refresh-token reuse take effect within about one poll interval instead of at token expiry.
//
// The feed holds session ids only (no users, no tokens): public but harmless. When it cannot be read for longer
// than maxStaleMs, the list can no longer vouch for any token, and every authenticated request is refused
// (fail closed, 503) until a poll succeeds; anonymous requests are unaffected.
import { z } from 'zod';
import { env } from './env.ts';

export const REVOCATIONS_PATH = '/sessions/revoked';
/** Most entries in one page of the feed. */
export const REVOCATIONS_PAGE_SIZE = 1000;

const pageSchema = z.object({
  cursor: z.string().regex(/^\d{1,19}$/),
  revoked: z
    .array(z.object({ sid: z.string().min(1).max(64), until: z.number().int().nonnegative() }))
    .max(REVOCATIONS_PAGE_SIZE),
  more: z.boolean(),
});

/** One page of the feed: entries after the cursor asked for, the cursor to ask next, whether more follow. */
export type RevocationPage = z.infer<typeof pageSchema>;
export type LoadRevocations = (after: string) => Promise<RevocationPage>;

export interface RevocationFeedOptions {
  /** The feed's URL (default: REVOCATIONS_PATH at the JWKS URL's origin), or a local reader (the auth subgraph). */
  url?: string;
  load?: LoadRevocations;
  /** Time between polls; the bound on how long a revoked token keeps working. @default 1000 */
  pollMs?: number;
  /** Past this long without a successful poll, authenticated requests are refused. @default 10_000 */
  maxStaleMs?: number;
}

export type SessionState = 'active' | 'revoked' | 'unknown';

export interface RevocationList {
  /** 'unknown' when the list is staler than maxStaleMs (or was never read): the caller must fail closed. */
  state(sessionId: string): SessionState;
  /** One poll now (also the first, from start). */
  sync(): Promise<void>;
  /** Starts polling; resolves after the first poll, successful or not. */
  start(): Promise<void>;
  stop(): void;
}

/** Reads the feed over HTTP, each page within 2 s, and checks its shape (a broken feed fails the poll). */
export function httpRevocations(url: string): LoadRevocations {
  return async (after) => {
    const target = new URL(url);
    target.searchParams.set('after', after);
    const response = await fetch(target, { signal: AbortSignal.timeout(2000), redirect: 'error' });
    if (!response.ok) throw new Error(`revocation feed answered ${response.status}`);
    return pageSchema.parse(await response.json());
  };
}

/** The feed's URL when only the JWKS URL is configured: the auth subgraph serves both. */
export function revocationsUrlFor(jwksUrl: string): string {
  return new URL(REVOCATIONS_PATH, jwksUrl).href;
}

/**
 * How the router and the subgraphs bound token age and learn of ended sessions (the feed above).
 * A function so the router's schema can spread the same definitions.
 */
export function sessionCheckVariables() {
  return {
    /** The longest access-token lifetime (`exp - iat`) honoured; default 900, as the auth subgraph issues. */
    ACCESS_TOKEN_TTL_SECONDS: env.positiveInt(900),
    /** The auth subgraph's revocation feed; default /sessions/revoked at the JWKS URL's origin. */
    REVOCATION_URL: env.httpUrl().optional(),
    /** How often the feed is polled: how long a revoked token may keep working; default 1000 (100 to 5000). */
    REVOCATION_POLL_MS: z.coerce.number().int().min(100).max(5000).default(1000),
    /** Without a successful poll for this long, authenticated requests get 503; default 15000 (10000 to 600000). */
    REVOCATION_MAX_STALE_MS: z.coerce.number().int().min(10_000).max(600_000).default(15_000),
  };
}

export function createRevocationList(options: {
  load: LoadRevocations;
  pollMs?: number;
  maxStaleMs?: number;
  /** Told about the first failed poll of a run of failures, and about the recovery. */
  onError?: (error: unknown) => void;
  onRecovered?: () => void;
}): RevocationList {
  const pollMs = options.pollMs ?? 1000;
  const maxStaleMs = options.maxStaleMs ?? 10_000;
  const revoked = new Map<string, number>();
  let cursor = '0';
  let syncedAt: number | undefined;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<void> | undefined;

  async function readAll(): Promise<void> {
    const startedAt = Date.now();
    // A bounded number of pages per poll: a feed that keeps saying "more" cannot hold the poller forever.
    for (let pages = 0; pages < 100; pages++) {
      const page = await options.load(cursor);
      for (const { sid, until } of page.revoked) revoked.set(sid, until);
      cursor = page.cursor;
      if (!page.more) {
        syncedAt = startedAt;
        for (const [sid, until] of revoked) if (until < startedAt) revoked.delete(sid);
        return;
      }
    }
    throw new Error('revocation feed: too many pages in one poll');
  }

  function sync(): Promise<void> {
    inFlight ??= readAll()
      .then(
        () => {
          if (failing) options.onRecovered?.();
          failing = false;
        },
        (error: unknown) => {
          if (!failing) options.onError?.(error);
          failing = true;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  function schedule() {
    if (!running) return;
    timer = setTimeout(() => {
      void sync().then(schedule);
    }, pollMs);
    timer.unref();
  }

  return {
    state(sessionId) {
      if (syncedAt === undefined || Date.now() - syncedAt > maxStaleMs) return 'unknown';
      return revoked.has(sessionId) ? 'revoked' : 'active';
    },
    sync,
    async start() {
      if (running) return;
      running = true;
      await sync();
      schedule();
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}

/**
 * The claims a token's lifetime is judged by: refused when `iat` is in the future (beyond the clock tolerance,
 * which jose's maxTokenAge checks) or when `exp - iat` exceeds the configured access-token lifetime, so a token
 * minted with a far expiry (a leaked key, a misconfigured issuer) is not honoured for longer than policy allows.
 */
export function lifetimeExceeded(
  payload: { iat?: number; exp?: number },
  maxLifetimeSeconds: number,
): boolean {
  return (
    typeof payload.iat !== 'number' ||
    typeof payload.exp !== 'number' ||
    payload.exp - payload.iat > maxLifetimeSeconds
  );
}
