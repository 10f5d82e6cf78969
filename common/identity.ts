// The caller, as a verified access token names them: the router and every subgraph read the claims one way.
import type { JWTPayload } from 'jose';

/** The `iss` the auth subgraph issues access tokens with, and the router and subgraphs expect, unless configured. */
export const DEFAULT_JWT_ISSUER = 'urn:nanopore:auth';
/** The `aud` of access tokens unless configured: the whole supergraph. */
export const DEFAULT_JWT_AUDIENCE = 'urn:nanopore:supergraph';

export interface Identity {
  /** The user id (the token's `sub`). */
  userId: string;
  roles: string[];
  /** From the space-separated `scope` claim. */
  scopes: string[];
  /** The session (refresh-token family) the token was issued for, when the issuer includes it. */
  sessionId?: string;
  /** The token's `jti`. */
  tokenId?: string;
  /** Set when the token was issued for an API key (claim `api_key`): the key's id. Integrators' traffic, not a person's. */
  apiKeyId?: string;
}

/** The identity in the claims of a token already verified; roles that are not strings are ignored. */
export function identityFromClaims(payload: JWTPayload): Identity {
  return {
    userId: String(payload.sub),
    roles: Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is string => typeof role === 'string')
      : [],
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
    tokenId: payload.jti,
    ...(typeof payload.api_key === 'string' ? { apiKeyId: payload.api_key } : {}),
  };
}
