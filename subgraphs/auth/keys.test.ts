import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { rotateKeys } from '../../scripts/rotate-keys.ts';
import { KEY_CACHE_SECONDS, rotateSigningKey } from './keys.service.ts';
import { JWKS_PATH } from './server.ts';
import { bearer, startAuthHarness, type AuthHarness } from './testing.ts';

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuthHarness();
  await h.createUser('kim@lab.example', ['STAFF']);
});
afterAll(async () => {
  await h?.close();
});

async function jwks(): Promise<JSONWebKeySet> {
  const res = await fetch(`${h.url}${JWKS_PATH}`);
  expect(res.status).toBe(200);
  return (await res.json()) as JSONWebKeySet;
}

const verify = (token: string, set: JSONWebKeySet) =>
  jwtVerify(token, createLocalJWKSet(set), {
    issuer: 'urn:nanopore:auth',
    audience: 'urn:nanopore:supergraph',
    algorithms: ['EdDSA'],
    currentDate: h.now(),
  });

describe('JWKS', () => {
  it('publishes the current public key only (no private parts)', async () => {
    const set = await jwks();
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(set.keys[0]).not.toHaveProperty('d');
    const { accessToken } = await h.login('kim@lab.example');
    expect(decodeProtectedHeader(accessToken).kid).toBe(set.keys[0]!.kid);
    await verify(accessToken, set);
  });

  it('keeps a retired key published until its tokens have expired, then drops it', async () => {
    const before = await h.login('kim@lab.example');
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const { kid: newKid, retired } = await rotateSigningKey({
      prisma: h.auth.prisma,
      now: h.now,
      accessTokenTtlSeconds: 900,
    });
    expect(retired).toEqual([oldKid]);

    const both = await jwks();
    expect(both.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    await verify(before.accessToken, both);
    // Tokens from before the rotation still work on the subgraph itself.
    expect((await h.gql('{ me { id } }', {}, bearer(before.accessToken))).body.errors).toBeUndefined();

    // After the signing-key cache interval, new tokens are signed with the new key.
    h.advance(KEY_CACHE_SECONDS + 1);
    const after = await h.login('kim@lab.example');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    expect((await h.gql('{ me { id } }', {}, bearer(after.accessToken))).body.errors).toBeUndefined();

    // retiredAt + access TTL + cache interval: the old key goes.
    h.advance(900);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('npm run rotate-keys rotates the database keys (and reports a missing variable)', async () => {
    const current = (await jwks()).keys.map((k) => k.kid);
    const { kid } = await rotateKeys({ AUTH_DATABASE_URL: h.db.url });
    const rows = await h.auth.prisma.signingKey.findMany({ where: { retiredAt: null } });
    expect(rows.map((r) => r.kid)).toEqual([kid]);
    expect(current).not.toContain(kid);
    await expect(rotateKeys({})).rejects.toThrow(/AUTH_DATABASE_URL: required/);
  });
});
