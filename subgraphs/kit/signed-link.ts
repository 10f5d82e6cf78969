// Links that are their own credential (a plain GET carries no bearer token): file downloads (files/signing.ts)
// and export downloads (export-link.ts). One signing implementation for both: HMAC-SHA256 over a text that
// names what the link opens and until when, hex in the URL, checked in constant time. Each user of it signs its
// own kind of text (files: "<fileId>.<expires>...", exports: "export:<kind>..."), so a signature made for one
// kind of link never opens another, even under the same secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LinkSigner {
  /** The signature of `text`, hex (64 characters). */
  sign(text: string): string;
  /** Whether `signature` (hex, as found in a URL) was made by us for `text`. Constant-time. */
  verify(text: string, signature: string): boolean;
}

export function createLinkSigner(secret: string): LinkSigner {
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest();
  return {
    sign: (text) => mac(text).toString('hex'),
    verify(text, signature) {
      if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
      return timingSafeEqual(mac(text), Buffer.from(signature, 'hex'));
    },
  };
}

/** An `expires` query value (unix seconds, decimal) as a number; null when it is not one. */
export function parseExpires(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : null;
}

/** Whether a link expiring at `expires` (unix seconds) is dead at `now`. */
export const hasExpired = (expires: number, now: Date) => expires * 1000 <= now.getTime();
