// 32-byte keys from the environment (the auth key-encryption key, the audit checkpoint signing key): written as
// base64, base64url or hex, checked at start-up by the config schemas, and generated once under DATA_DIR by
// `npm start` (scripts/start.ts).
import { z } from 'zod';

export const SECRET_KEY_BYTES = 32;

/** The 32 bytes of `text` (hex, base64 or base64url), or undefined when it is not exactly that. */
export function decodeSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.length === SECRET_KEY_BYTES ? bytes : undefined;
}

/** A config field holding a 32-byte key; the message says how to make one. */
export const secretKeyVariable = () =>
  z.string().transform((text, ctx) => {
    const bytes = decodeSecretKey(text);
    if (bytes) return bytes;
    ctx.addIssue({
      code: 'custom',
      message: 'must be 32 random bytes as base64 or hex (e.g. `openssl rand -base64 32`)',
    });
    return z.NEVER;
  });
