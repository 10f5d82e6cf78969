// The caller's identity, from the Authorization bearer JWT, verified here with jose. Never from a header the
// router (or anyone else) sets: the token is the only source.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { identityFromClaims, type Identity } from '../../common/identity.ts';
import { ERRORS } from './errors.ts';
import {
  createRevocationList,
  httpRevocations,
  lifetimeExceeded,
  revocationsUrlFor,
  type RevocationFeedOptions,
  type RevocationList,
} from '../../common/session-revocations.ts';

export interface JwtVerifierOptions {
  /** URL of the auth subgraph's JWKS, e.g. http://localhost:4001/.well-known/jwks.json. */
  jwksUrl?: string;
  /** A local key resolver instead of jwksUrl (the auth subgraph verifies from its own keys). */
  getKey?: JWTVerifyGetKey;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** Accepted algorithms; default ['EdDSA', 'ES256']. Never 'none' or HMAC. */
  algorithms?: string[];
  /** Allowed clock skew in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** The clock; default the system's. Injectable so tests can move time. */
  now?: () => Date;
  /**
   * The longest access-token lifetime honoured (ACCESS_TOKEN_TTL_SECONDS): a token with `exp - iat` above it, or
   * issued in the future, is refused. Unset: no bound (test verifiers only).
   */
  maxTokenLifetimeSeconds?: number;
  /** Refuse tokens of ended sessions (./session-revocations.ts); every token then needs a `sid`. */
  revocations?: RevocationFeedOptions;
}

export type VerifyToken = (token: string) => Promise<Identity>;

/** The list of ended sessions the verifier checks, polling the configured feed; undefined when none is. */
export function createRevocationListFor(
  options: JwtVerifierOptions,
  log: { warn(obj: object, msg: string): void; info(msg: string): void },
): RevocationList | undefined {
  const feed = options.revocations;
  if (!feed) return undefined;
  const url = feed.url ?? (options.jwksUrl ? revocationsUrlFor(options.jwksUrl) : undefined);
  const load = feed.load ?? (url ? httpRevocations(url) : undefined);
  if (!load) throw new Error('revocations need a url, a load function or a jwksUrl to derive the url from');
  return createRevocationList({
    load,
    pollMs: feed.pollMs,
    maxStaleMs: feed.maxStaleMs,
    onError: (err) => log.warn({ err, url }, 'session revocation feed unreadable; retrying'),
    onRecovered: () => log.info('session revocation feed readable again'),
  });
}

export function createJwtVerifier(options: JwtVerifierOptions, sessions?: RevocationList): VerifyToken {
  const getKey =
    options.getKey ??
    (options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000 })
      : undefined);
  if (!getKey) throw new Error('createJwtVerifier needs jwksUrl or getKey');
  const algorithms = options.algorithms ?? ['EdDSA', 'ES256'];
  const lifetime = options.maxTokenLifetimeSeconds;
  const verify: VerifyToken = async (token) => {
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSeconds ?? 5,
        requiredClaims: ['sub', 'exp', 'iat'],
        ...(options.now ? { currentDate: options.now() } : {}),
        ...(lifetime ? { maxTokenAge: lifetime } : {}),
      });
      if (lifetime && lifetimeExceeded(payload, lifetime))
        throw new Error('token lifetime above the maximum');
      return identityFromClaims(payload);
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID';
      // A JWKS fetch failure is ours, not the caller's: let it surface (and be masked and logged).
      if (error instanceof joseErrors.JWKSTimeout) throw error;
      throw ERRORS.UNAUTHENTICATED.err(
        reason === 'TOKEN_EXPIRED' ? 'the access token has expired' : 'the access token is invalid',
        { reason },
      );
    }
  };
  return sessions ? checkingSessions(verify, sessions) : verify;
}

/** Refuses tokens of ended sessions, and every token while the list of ended sessions is too stale to tell. */
function checkingSessions(verify: VerifyToken, sessions: RevocationList): VerifyToken {
  return async (token) => {
    const identity = await verify(token);
    const sid = identity.sessionId;
    if (!sid) {
      throw ERRORS.UNAUTHENTICATED.err('the access token has no session', {
        reason: 'TOKEN_INVALID',
        http: { status: 401 },
      });
    }
    let state = sessions.state(sid);
    // Stale or never read (just started, or the feed was down): one poll now, shared by concurrent requests.
    if (state === 'unknown') {
      await sessions.sync();
      state = sessions.state(sid);
    }
    if (state === 'unknown') {
      throw ERRORS.SERVICE_UNAVAILABLE.err('sessions cannot be checked right now, retry shortly', {
        http: { status: 503 },
      });
    }
    if (state === 'revoked') {
      throw ERRORS.UNAUTHENTICATED.err('the session has ended, sign in again', {
        reason: 'SESSION_REVOKED',
        http: { status: 401 },
      });
    }
    return identity;
  };
}

/** The bearer token of an Authorization header; undefined when absent; throws on a malformed header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw ERRORS.UNAUTHENTICATED.err('the Authorization header must be "Bearer <token>"', {
      reason: 'TOKEN_INVALID',
    });
  }
  return match[1];
}

/** The verified caller, or UNAUTHENTICATED (the same answer the permission rules give an anonymous request). */
export function requireIdentity(ctx: { identity: Identity | null }): Identity {
  if (!ctx.identity) throw ERRORS.UNAUTHENTICATED.err('sign in first', { reason: 'NO_TOKEN' });
  return ctx.identity;
}

/** Roles that read every sample, submission and file; anyone else (a SUBMITTER) reads only what they own. */
const READ_ALL_ROLES = ['ADMIN', 'STAFF', 'VIEWER'];

export function readsEverything(identity: Identity): boolean {
  return identity.roles.some((role) => READ_ALL_ROLES.includes(role));
}
