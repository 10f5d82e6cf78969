// Test support for every subgraph: real EdDSA-signed JWTs without the auth subgraph. Pass `auth` to
// createSubgraphServer and sign tokens for any identity.
import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { JwtVerifierOptions } from './identity.ts';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '../../common/identity.ts';

export interface TestSigner {
  /** Verifier options for createSubgraphServer({ auth }). */
  auth: JwtVerifierOptions & { getKey: JWTVerifyGetKey };
  jwks: JSONWebKeySet;
  /** A signed access token; `expiresIn` as jose accepts it ('5m', '-1m' for an expired one). */
  sign(identity: {
    userId: string;
    roles?: string[];
    scopes?: string[];
    expiresIn?: string;
    /** Override the issuer (to test rejection). */
    issuer?: string;
    /** The session; default a new random one. */
    sessionId?: string;
    /** `iat` as jose accepts it ('10m' for a token issued in the future); default now. */
    issuedAt?: string;
  }): Promise<string>;
}

export async function createTestSigner(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestSigner> {
  const issuer = options.issuer ?? DEFAULT_JWT_ISSUER;
  const audience = options.audience ?? DEFAULT_JWT_AUDIENCE;
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'EdDSA', use: 'sig' }] };
  return {
    auth: { getKey: createLocalJWKSet(jwks), issuer, audience, algorithms: ['EdDSA'] },
    jwks,
    sign: ({
      userId,
      roles = [],
      scopes = [],
      expiresIn = '5m',
      issuer: iss = issuer,
      sessionId = randomUUID(),
      issuedAt,
    }) =>
      new SignJWT({ roles, scope: scopes.join(' '), sid: sessionId })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'test-key' })
        .setSubject(userId)
        .setIssuer(iss)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresIn)
        .sign(privateKey),
  };
}
