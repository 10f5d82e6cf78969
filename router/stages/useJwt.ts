import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import {
  createRevocationList,
  httpRevocations,
  lifetimeExceeded,
  revocationsUrlFor,
  type RevocationFeedOptions,
  type RevocationList,
} from '../../common/session-revocations.ts';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, identityFromClaims } from '../../common/identity.ts';
import { routerError } from '../errors.ts';
import { getRequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';
import { subgraphUrl } from '../supergraphMetadata.ts';

export interface JwtOptions {
  /** JWKS of the auth subgraph. @default `<origin of the auth subgraph's URL>/.well-known/jwks.json` */
  jwksUrl?: string;
  /** Expected `iss`. @default DEFAULT_JWT_ISSUER ('urn:nanopore:auth') */
  issuer?: string;
  /** Expected `aud`. @default DEFAULT_JWT_AUDIENCE ('urn:nanopore:supergraph') */
  audience?: string;
  /** Accepted signature algorithms; anything else (none, HS256...) is refused. @default ['EdDSA', 'ES256'] */
  algorithms?: string[];
  /** Minimum time between JWKS re-fetches caused by an unknown `kid`. @default 30_000 */
  jwksCooldownMs?: number;
  /** How long fetched keys are trusted without a re-fetch. @default 600_000 */
  jwksCacheMaxAgeMs?: number;
  /** Allowed clock skew for exp/nbf. @default 5 */
  clockToleranceSeconds?: number;
  /** Subgraph whose origin serves the JWKS when `jwksUrl` is not set. @default 'auth' */
  authSubgraph?: string;
  /** Subgraph URL overrides (to derive the JWKS URL). @default {} */
  subgraphUrls?: Readonly<Record<string, string>>;
  /** Longest `exp - iat` honoured; a token issued in the future is refused too. @default 900 */
  maxTokenLifetimeSeconds?: number;
  /**
   * The auth subgraph's feed of ended sessions (common/session-revocations.ts). @default url: /sessions/revoked at
   * the JWKS URL's origin; pollMs 1000; maxStaleMs 15_000
   */
  revocations?: Omit<RevocationFeedOptions, 'load'>;
  /** Where feed failures are reported. */
  logger?: Logger;
}

/** A token verified this long ago is verified again: a key withdrawn from the JWKS stops working by then. */
const VERIFIED_FOR_MS = 60_000;
const VERIFIED_MAX = 10_000;

/**
 * Tokens whose signature and claims were verified, by their exact text: a signature check costs more than the
 * rest of a small request, and clients send the same token for minutes. Kept until the token expires or for
 * VERIFIED_FOR_MS, at most VERIFIED_MAX (the oldest go first); the session is still checked on every request.
 */
function createVerifiedTokens() {
  const tokens = new Map<string, { payload: Record<string, unknown>; until: number }>();
  return {
    get(token: string): Record<string, unknown> | undefined {
      const entry = tokens.get(token);
      if (entry && entry.until > Date.now()) return entry.payload;
      if (entry) tokens.delete(token);
      return undefined;
    },
    add(token: string, payload: Record<string, unknown>): void {
      const expires = typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
      if (tokens.size >= VERIFIED_MAX) tokens.delete(tokens.keys().next().value!);
      tokens.set(token, { payload, until: Math.min(expires, Date.now() + VERIFIED_FOR_MS) });
    },
    clear(): void {
      tokens.clear();
    },
  };
}

/**
 * Verifies `Authorization: Bearer` tokens. No header means anonymous; a header that does not verify is a 401,
 * never a silent downgrade to anonymous.
 */
export function useJwt(options: JwtOptions = {}): RouterStage {
  let jwksUrl = options.jwksUrl;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const lifetime = options.maxTokenLifetimeSeconds ?? 900;
  let sessions: { url: string; list: RevocationList } | undefined;
  const logger = options.logger;
  /** (Re)starts polling the revocation feed when its URL changes (it follows the JWKS URL unless set). */
  const followFeed = () => {
    const url = options.revocations?.url ?? (jwksUrl ? revocationsUrlFor(jwksUrl) : undefined);
    if (!url || sessions?.url === url) return;
    sessions?.list.stop();
    const list = createRevocationList({
      load: httpRevocations(url),
      pollMs: options.revocations?.pollMs,
      maxStaleMs: options.revocations?.maxStaleMs,
      onError: (err) => logger?.warn({ err, url }, 'session revocation feed unreadable; retrying'),
      onRecovered: () => logger?.info({ url }, 'session revocation feed readable again'),
    });
    sessions = { url, list };
    void list.start();
  };
  followFeed();
  const keys = () => {
    if (!jwks && jwksUrl) {
      jwks = createRemoteJWKSet(new URL(jwksUrl), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
        timeoutDuration: 5_000,
      });
    }
    return jwks;
  };
  const unauthenticated = (message: string) => routerError('UNAUTHENTICATED', message);
  const verified = createVerifiedTokens();

  return {
    name: 'jwt',
    onSupergraph(metadata) {
      if (options.jwksUrl) return;
      const auth = metadata.subgraphs.find((s) => s.name === (options.authSubgraph ?? 'auth'));
      if (!auth) return;
      const derived = new URL(
        '/.well-known/jwks.json',
        subgraphUrl(auth.name, auth.url, options.subgraphUrls),
      ).href;
      if (derived !== jwksUrl) {
        [jwksUrl, jwks] = [derived, undefined];
        verified.clear();
      }
      followFeed();
    },
    close() {
      sessions?.list.stop();
    },
    async context(req) {
      const header = req.get('authorization');
      if (header === undefined) return {};
      const token = /^Bearer +([\w-]*\.[\w-]*\.[\w-]*)$/i.exec(header.trim())?.[1];
      if (!token) throw unauthenticated('Authorization header must be a bearer token');
      const keySet = keys();
      if (!keySet) throw routerError('SERVICE_UNAVAILABLE', 'Token verification is not available');
      let payload = verified.get(token);
      if (!payload)
        try {
          ({ payload } = await jwtVerify(token, keySet, {
            algorithms: options.algorithms ?? ['EdDSA', 'ES256'],
            issuer: options.issuer ?? DEFAULT_JWT_ISSUER,
            audience: options.audience ?? DEFAULT_JWT_AUDIENCE,
            requiredClaims: ['exp', 'sub', 'iat', 'sid'],
            clockTolerance: options.clockToleranceSeconds ?? 5,
            maxTokenAge: lifetime,
          }));
          verified.add(token, payload);
        } catch (error) {
          const unavailable =
            !(error instanceof joseErrors.JOSEError) ||
            error instanceof joseErrors.JWKSTimeout ||
            error instanceof joseErrors.JWKSInvalid ||
            error.code === 'ERR_JOSE_GENERIC';
          if (unavailable) {
            getRequestState(req)?.log.error({ err: error, stage: 'jwt' }, 'JWKS unavailable');
            throw routerError('SERVICE_UNAVAILABLE', 'Token verification is not available');
          }
          throw unauthenticated(
            error instanceof joseErrors.JWTExpired ? 'Token has expired' : 'Token is invalid',
          );
        }
      if (lifetimeExceeded(payload, lifetime) || typeof payload.sid !== 'string') {
        throw unauthenticated('Token is invalid');
      }
      let session = sessions?.list.state(payload.sid) ?? 'unknown';
      // Stale or never read (just started, or the feed was down): one poll now, shared by concurrent requests.
      if (session === 'unknown' && sessions) {
        await sessions.list.sync();
        session = sessions.list.state(payload.sid);
      }
      if (session === 'unknown') {
        getRequestState(req)?.log.error({ stage: 'jwt' }, 'ended sessions cannot be checked');
        throw routerError('SERVICE_UNAVAILABLE', 'Token verification is not available');
      }
      if (session === 'revoked')
        throw unauthenticated(
          typeof payload.api_key === 'string'
            ? "The API key's token has ended: the key was revoked or its owner changed; retry once"
            : 'The session has ended, sign in again',
        );
      const identity = identityFromClaims(payload);
      const state = getRequestState(req);
      if (state) state.userId = identity.userId;
      return { identity, token };
    },
  };
}
