// Access-token signing keys (Ed25519), kept in the auth database so every replica signs with the same key and
// the JWKS survives restarts. The private half is stored only encrypted under the key-encryption key from the
// environment (key-encryption.ts). Rotation (scripts/rotate-keys.ts) makes a new key current and keeps the
// retired public key published until every token it signed has expired.
import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { Prisma, type PrismaClient, type SigningKey } from '../../generated/prisma/auth/client.ts';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption.ts';

export const SIGNING_ALGORITHM = 'EdDSA';
/** How long a replica may keep signing with a cached key after another process rotated it. */
export const KEY_CACHE_SECONDS = 60;

export interface KeyStoreDeps {
  prisma: PrismaClient;
  now: () => Date;
  /** Retired public keys stay in the JWKS this long (plus KEY_CACHE_SECONDS). */
  accessTokenTtlSeconds: number;
  /** The key-encryption key (AUTH_KEY_ENCRYPTION_KEY, 32 bytes): private keys are stored only under it. */
  kek: Buffer;
  /** Told the kids of plaintext keys (from before encryption at rest) that ensureCurrentKey encrypted. */
  onLegacyKeysEncrypted?: (kids: string[]) => void;
}

export interface AccessTokenClaims {
  sub: string;
  roles: string[];
  scope: string;
  /** The session (refresh-token family), or the API key's session (ApiKey.sessionId). */
  sid: string;
  /** Set for a token issued to an API key: the key's id, as claim `api_key` (common/identity.ts reads it). */
  apiKey?: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface KeyStore {
  /**
   * At start: encrypts plaintext keys left from before encryption at rest, checks every stored key decrypts
   * with the configured KEK (a ConfigError naming AUTH_KEY_ENCRYPTION_KEY otherwise), and creates a current key
   * when there is none (first start).
   */
  ensureCurrentKey(): Promise<void>;
  /** Signs an access token with the current key; returns the JWT and its expiry. */
  sign(claims: AccessTokenClaims): Promise<{ token: string; expiresAt: Date }>;
  /** Public keys only: the current one and retired ones not yet expired. */
  jwks(): Promise<JSONWebKeySet>;
  /** For jose's jwtVerify: resolves from the database keys, no HTTP round trip. */
  getKey: JWTVerifyGetKey;
}

async function newKeyRow(now: Date, kek: Buffer) {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  const kid = randomUUID();
  const meta = { kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), ...meta };
  return {
    kid,
    algorithm: SIGNING_ALGORITHM,
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
    privateKeyCiphertext: encryptPrivateKey(kek, kid, JSON.stringify(privateJwk)),
    createdAt: now,
    activatedAt: now,
  };
}

/** The private JWK of a stored key; throws a ConfigError when the KEK does not open it. */
function privateJwkOf(row: SigningKey, kek: Buffer): JWK {
  if (!row.privateKeyCiphertext) {
    throw new Error(`signing key ${row.kid} is not encrypted yet (ensureCurrentKey encrypts it at start)`);
  }
  return JSON.parse(decryptPrivateKey(kek, row.kid, row.privateKeyCiphertext)) as JWK;
}

/**
 * Encrypts the plaintext private keys of rows made before encryption at rest, and clears the plaintext. Idempotent;
 * replicas starting together update disjoint rows or the same row to an equivalent value.
 */
async function encryptLegacyKeys(prisma: PrismaClient, kek: Buffer): Promise<string[]> {
  const legacy = await prisma.signingKey.findMany({ where: { privateJwk: { not: Prisma.DbNull } } });
  for (const row of legacy) {
    await prisma.signingKey.updateMany({
      where: { kid: row.kid, privateKeyCiphertext: null },
      data: {
        privateKeyCiphertext: encryptPrivateKey(kek, row.kid, JSON.stringify(row.privateJwk)),
        privateJwk: Prisma.DbNull,
      },
    });
  }
  return legacy.map((r) => r.kid);
}

/**
 * Re-encrypts every stored private key from one KEK to another, in one transaction (KEK rotation:
 * `npm run rotate-keys` with AUTH_NEW_KEY_ENCRYPTION_KEY). Processes started with the old KEK keep signing with
 * the key they cached, and refuse to start until they are given the new KEK.
 */
export async function reencryptSigningKeys(
  prisma: PrismaClient,
  from: Buffer,
  to: Buffer,
): Promise<{ reencrypted: string[] }> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ kid: string }[]>`SELECT kid FROM signing_key FOR UPDATE`;
    const keys = await tx.signingKey.findMany({ where: { kid: { in: rows.map((r) => r.kid) } } });
    for (const row of keys) {
      const plaintext = row.privateKeyCiphertext
        ? decryptPrivateKey(from, row.kid, row.privateKeyCiphertext)
        : JSON.stringify(row.privateJwk);
      await tx.signingKey.update({
        where: { kid: row.kid },
        data: { privateKeyCiphertext: encryptPrivateKey(to, row.kid, plaintext), privateJwk: Prisma.DbNull },
      });
    }
    return { reencrypted: keys.map((k) => k.kid) };
  });
}

/** Keys whose public half belongs in the JWKS at `now`. */
function publishedWhere(now: Date) {
  return { activatedAt: { not: null }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

/**
 * Retires the current key and makes a new one current, in one transaction; deletes keys whose public half has
 * expired. Returns the new and retired kids.
 */
export async function rotateSigningKey(deps: KeyStoreDeps): Promise<{ kid: string; retired: string[] }> {
  const now = deps.now();
  const row = await newKeyRow(now, deps.kek);
  const expiresAt = new Date(now.getTime() + (deps.accessTokenTtlSeconds + KEY_CACHE_SECONDS) * 1000);
  return deps.prisma.$transaction(async (tx) => {
    const current = await tx.signingKey.findMany({ where: { activatedAt: { not: null }, retiredAt: null } });
    await tx.signingKey.updateMany({
      where: { kid: { in: current.map((k) => k.kid) } },
      data: { retiredAt: now, expiresAt },
    });
    await tx.signingKey.create({ data: row });
    await tx.signingKey.deleteMany({ where: { expiresAt: { lte: now } } });
    return { kid: row.kid, retired: current.map((k) => k.kid) };
  });
}

export function createKeyStore(deps: KeyStoreDeps): KeyStore {
  let signing: { kid: string; key: CryptoKey; loadedAt: number } | undefined;
  let published: { rows: SigningKey[]; verify: JWTVerifyGetKey; loadedAt: number } | undefined;

  async function loadSigningKey() {
    const row = await deps.prisma.signingKey.findFirst({
      where: { activatedAt: { not: null }, retiredAt: null },
      orderBy: { activatedAt: 'desc' },
    });
    if (!row) throw new Error('no current signing key (ensureCurrentKey was not called)');
    const key = (await importJWK(privateJwkOf(row, deps.kek), row.algorithm)) as CryptoKey;
    signing = { kid: row.kid, key, loadedAt: deps.now().getTime() };
    return signing;
  }

  async function loadPublished() {
    const rows = await deps.prisma.signingKey.findMany({
      where: publishedWhere(deps.now()),
      orderBy: { activatedAt: 'desc' },
    });
    const keys = rows.map((r) => r.publicJwk as JWK);
    published = { rows, verify: createLocalJWKSet({ keys }), loadedAt: deps.now().getTime() };
    return published;
  }

  const fresh = (loadedAt: number | undefined) =>
    loadedAt !== undefined && Math.abs(deps.now().getTime() - loadedAt) < KEY_CACHE_SECONDS * 1000;

  return {
    async ensureCurrentKey() {
      const encrypted = await encryptLegacyKeys(deps.prisma, deps.kek);
      if (encrypted.length) deps.onLegacyKeysEncrypted?.(encrypted);
      // A wrong KEK stops the start here, with a message naming the variable, instead of at the first login.
      for (const row of await deps.prisma.signingKey.findMany()) privateJwkOf(row, deps.kek);
      const current = await deps.prisma.signingKey.count({
        where: { activatedAt: { not: null }, retiredAt: null },
      });
      if (current > 0) return;
      try {
        await deps.prisma.signingKey.create({ data: await newKeyRow(deps.now(), deps.kek) });
      } catch (error) {
        // Another replica created one at the same moment (unique index signing_key_one_current): fine.
        if ((error as { code?: string }).code !== 'P2002') throw error;
      }
    },

    async sign(claims) {
      const key = fresh(signing?.loadedAt) && signing ? signing : await loadSigningKey();
      const issuedAt = Math.floor(deps.now().getTime() / 1000);
      const expiresAtSeconds = issuedAt + claims.ttlSeconds;
      const token = await new SignJWT({
        roles: claims.roles,
        scope: claims.scope,
        sid: claims.sid,
        ...(claims.apiKey ? { api_key: claims.apiKey } : {}),
      })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setIssuer(claims.issuer)
        .setAudience(claims.audience)
        .setSubject(claims.sub)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtSeconds)
        .setJti(randomUUID())
        .sign(key.key);
      return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
    },

    async jwks() {
      // Always read: the JWKS is cached by its consumers, and a rotation must show up at once.
      const { rows } = await loadPublished();
      return { keys: rows.map((r) => r.publicJwk as JWK) };
    },

    async getKey(header, token) {
      let current = fresh(published?.loadedAt) && published ? published : await loadPublished();
      // An unknown kid may be a key another replica just created: reload once before failing.
      if (header.kid && !current.rows.some((r) => r.kid === header.kid)) current = await loadPublished();
      return current.verify(header, token);
    },
  };
}
