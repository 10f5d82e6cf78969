import { createPrivateKey, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { pino } from 'pino';
import { rotateKeys } from '../../scripts/rotate-keys.ts';
import { ConfigError } from '../kit/config.ts';
import { bearer } from '../../test/helpers/subgraph-harness.ts';
import { loadAuthConfig } from './config.ts';
import { decryptPrivateKey, kekId } from './key-encryption.ts';
import { KEY_CACHE_SECONDS, rotateSigningKey } from './keys.service.ts';
import { createAuthSubgraph, JWKS_PATH } from './server.ts';
import { startAuthHarness, type AuthHarness } from './testing.ts';

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
      prisma: h.subgraph.prisma,
      now: h.now,
      accessTokenTtlSeconds: 900,
      kek: Buffer.from(h.kek, 'base64'),
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
    const { kid } = await rotateKeys({ AUTH_DATABASE_URL: h.db.url, AUTH_KEY_ENCRYPTION_KEY: h.kek });
    const rows = await h.subgraph.prisma.signingKey.findMany({ where: { retiredAt: null } });
    expect(rows.map((r) => r.kid)).toEqual([kid]);
    expect(current).not.toContain(kid);
    await expect(rotateKeys({})).rejects.toThrow(/AUTH_DATABASE_URL: required/);
    await expect(rotateKeys({ AUTH_DATABASE_URL: h.db.url })).rejects.toThrow(
      /AUTH_KEY_ENCRYPTION_KEY: required/,
    );
  });
});

/** Builds (and checks) the auth subgraph on the harness's database with this KEK, then closes it. */
async function startWith(kek: string, log = pino({ level: 'silent' })) {
  const config = loadAuthConfig({ AUTH_DATABASE_URL: h.db.url, AUTH_KEY_ENCRYPTION_KEY: kek });
  const auth = await createAuthSubgraph(config, { now: h.now, log, skipBootstrap: true });
  await auth.close();
}

const rows = () => h.subgraph.prisma.signingKey.findMany({ orderBy: { createdAt: 'asc' } });

describe('private keys at rest', () => {
  it('stores no usable private key in the database: only ciphertext under the KEK, which still signs', async () => {
    const all = await rows();
    expect(all.length).toBeGreaterThan(0);
    for (const row of all) {
      expect(row.privateJwk).toBeNull();
      const stored = row.privateKeyCiphertext!;
      expect(stored).toMatch(/^v1\.[0-9a-f]{16}\./);
      // Nothing in the row parses as a key: not as a JWK, not as PKCS8 (DER or PEM).
      expect(() => JSON.parse(stored) as unknown).toThrow();
      await expect(importJWK({ kty: 'OKP', crv: 'Ed25519', d: stored, x: 'x' }, 'EdDSA')).rejects.toThrow();
      for (const part of stored.split('.')) {
        expect(() =>
          createPrivateKey({ key: Buffer.from(part, 'base64url'), format: 'der', type: 'pkcs8' }),
        ).toThrow();
      }
      expect(() => createPrivateKey(stored)).toThrow();
      // With the KEK it opens to the private key of the published public key.
      const jwk = JSON.parse(decryptPrivateKey(Buffer.from(h.kek, 'base64'), row.kid, stored)) as JWK;
      expect(jwk.x).toBe((row.publicJwk as JWK).x);
      expect(stored).not.toContain(jwk.d!);
      expect(JSON.stringify(row)).not.toContain(jwk.d!);
    }
    // The current key signs tokens that verify against the JWKS, through the subgraph.
    const { accessToken } = await h.login('kim@lab.example');
    await verify(accessToken, await jwks());
    expect((await h.gql('{ me { id } }', {}, bearer(accessToken))).body.errors).toBeUndefined();
  });

  it('refuses to start with a wrong KEK, naming the variable and the key it needs', async () => {
    const wrong = randomBytes(32);
    const failure = await startWith(wrong.toString('base64')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(
      new RegExp(
        `AUTH_KEY_ENCRYPTION_KEY: signing key \\S+ is encrypted under key ${kekId(Buffer.from(h.kek, 'base64'))}, but the configured key is ${kekId(wrong)}`,
      ),
    );
    await startWith(h.kek);
  });

  it('refuses to start when a ciphertext was altered or moved onto another row (kid is associated data)', async () => {
    await rotateKeys({ AUTH_DATABASE_URL: h.db.url, AUTH_KEY_ENCRYPTION_KEY: h.kek });
    const [a, b] = (await rows()).slice(-2);
    const swap = (x: string, y: string) =>
      h.subgraph.prisma.$executeRaw`UPDATE signing_key SET private_key_ciphertext = ${y} WHERE kid = ${x}`;
    await swap(a!.kid, b!.privateKeyCiphertext!);
    await expect(startWith(h.kek)).rejects.toThrow(/signing key \S+ does not decrypt \(altered/);
    await swap(a!.kid, a!.privateKeyCiphertext!);
    await startWith(h.kek);
  });

  it('encrypts a plaintext key left from before encryption at rest at the next start, and keeps it working', async () => {
    // A retired key as the migration leaves it: plaintext private JWK, no ciphertext.
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = 'legacy-key';
    const meta = { kid, alg: 'EdDSA', use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), ...meta };
    const now = h.now();
    await h.subgraph.prisma.signingKey.create({
      data: {
        kid,
        algorithm: 'EdDSA',
        publicJwk: { ...(await exportJWK(publicKey)), ...meta },
        privateJwk,
        activatedAt: new Date(now.getTime() - 60_000),
        retiredAt: now,
        expiresAt: new Date(now.getTime() + 900_000),
      },
    });
    const token = await new SignJWT({ roles: ['STAFF'], scope: '', sid: 'legacy' })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer('urn:nanopore:auth')
      .setAudience('urn:nanopore:supergraph')
      .setSubject('someone')
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .sign(privateKey);

    const lines: string[] = [];
    await startWith(h.kek, pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }));
    const row = await h.subgraph.prisma.signingKey.findUniqueOrThrow({ where: { kid } });
    expect(row.privateJwk).toBeNull();
    expect(
      JSON.parse(decryptPrivateKey(Buffer.from(h.kek, 'base64'), kid, row.privateKeyCiphertext!)),
    ).toEqual(privateJwk);
    expect(lines.map((l) => JSON.parse(l) as { kids: string[]; msg: string })).toContainEqual(
      expect.objectContaining({
        kids: [kid],
        msg: expect.stringMatching(/^encrypted plaintext signing keys/),
      }),
    );
    await verify(token, await jwks());
    // The check constraint keeps a row from holding both forms, or neither.
    await expect(
      h.subgraph.prisma.$executeRaw`UPDATE signing_key SET private_jwk = '{}' WHERE kid = ${kid}`,
    ).rejects.toThrow(/signing_key_one_private_form/);
  });

  it('rotates the KEK: rotate-keys re-encrypts every key, the old KEK no longer starts, the new one does', async () => {
    const newKek = randomBytes(32).toString('hex');
    const before = await rows();
    const result = await rotateKeys({
      AUTH_DATABASE_URL: h.db.url,
      AUTH_KEY_ENCRYPTION_KEY: h.kek,
      AUTH_NEW_KEY_ENCRYPTION_KEY: newKek,
    });
    const newId = kekId(Buffer.from(newKek, 'hex'));
    expect(result.kek).toEqual({ id: newId, reencrypted: expect.arrayContaining(before.map((r) => r.kid)) });
    for (const row of await rows()) expect(row.privateKeyCiphertext!.split('.')[1]).toBe(newId);
    await expect(startWith(h.kek)).rejects.toThrow(/AUTH_KEY_ENCRYPTION_KEY: signing key/);

    const renewed = await startAuthHarness({ AUTH_KEY_ENCRYPTION_KEY: newKek }, { db: h.db });
    try {
      const { accessToken } = await renewed.login('kim@lab.example');
      expect(decodeProtectedHeader(accessToken).kid).toBe(result.kid);
      expect((await renewed.gql('{ me { id } }', {}, bearer(accessToken))).body.errors).toBeUndefined();
    } finally {
      await renewed.close();
    }
  });
});
