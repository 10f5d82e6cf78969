// Envelope encryption of the access-token signing keys: the private JWK is stored only as AES-256-GCM ciphertext
// under a key-encryption key (KEK) that comes from the environment (AUTH_KEY_ENCRYPTION_KEY) and never enters
// the database. A copy of the database alone (a dump, a backup, a read-only role) therefore cannot mint tokens.
// The key id is authenticated as associated data, so a ciphertext moved onto another row does not decrypt.
//
// Stored form: "v1.<kek id>.<iv>.<ciphertext>.<tag>" (base64url parts). The KEK id is a one-way fingerprint of
// the KEK, so a start with the wrong KEK is told which key it needs instead of failing on an opaque tag error.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../kit/config.ts';

const VERSION = 'v1';
const IV_BYTES = 12;

/** A short public fingerprint of a KEK (domain-separated SHA-256, 8 bytes hex): safe to store and log. */
export function kekId(kek: Buffer): string {
  return createHash('sha256').update('nanopore-auth-kek\0').update(kek).digest('hex').slice(0, 16);
}

const aad = (kid: string) => Buffer.from(`signing_key:${kid}`, 'utf8');

export function encryptPrivateKey(kek: Buffer, kid: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad(kid));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [VERSION, kekId(kek), ...parts].join('.');
}

/**
 * Decrypts a stored private key. Throws a ConfigError naming AUTH_KEY_ENCRYPTION_KEY when the KEK is not the one
 * the key was encrypted with, or when the ciphertext was altered (or moved from another row).
 */
export function decryptPrivateKey(kek: Buffer, kid: string, stored: string): string {
  const [version, storedKekId, iv, ciphertext, tag] = stored.split('.');
  if (version !== VERSION || !storedKekId || !iv || !ciphertext || !tag) {
    throw new ConfigError([`AUTH_KEY_ENCRYPTION_KEY: signing key ${kid} is not in a known encrypted format`]);
  }
  if (storedKekId !== kekId(kek)) {
    throw new ConfigError([
      `AUTH_KEY_ENCRYPTION_KEY: signing key ${kid} is encrypted under key ${storedKekId}, ` +
        `but the configured key is ${kekId(kek)}: set the key-encryption key it was made with`,
    ]);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new ConfigError([
      `AUTH_KEY_ENCRYPTION_KEY: signing key ${kid} does not decrypt (altered, or copied from another row)`,
    ]);
  }
}
