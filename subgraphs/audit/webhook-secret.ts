// A webhook subscription's signing secret: generated once (shown to its creator once), stored only encrypted
// (AES-256-GCM, the subscription id as associated data, so a ciphertext cannot be moved to another row), and used
// to sign every delivery: HMAC-SHA256 over `<timestamp>.<body>` (the Stripe / Standard Webhooks scheme).
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The key that encrypts stored secrets, derived from AUDIT_SIGNING_KEY when none is configured. */
export function deriveWebhookSecretKey(signingKey: Buffer): Buffer {
  return Buffer.from(
    hkdfSync('sha256', signingKey, Buffer.alloc(0), 'nanopore audit webhook secrets v1', 32),
  );
}

/** A new secret: `whsec_` and 32 random bytes in base64url. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url each. */
export function encryptSecret(key: Buffer, subscriptionId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subscriptionId));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The secret, or throws when the key or the row does not match (a changed key, a moved ciphertext). */
export function decryptSecret(key: Buffer, subscriptionId: string, stored: string): string {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unknown webhook secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(subscriptionId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** Hex HMAC-SHA256 of `<timestamp>.<body>` with the secret. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The X-Webhook-Signature header: `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signPayload(secret, timestamp, body)}`;
}

/**
 * What a receiver does (README "Webhooks"): parse the header, recompute the HMAC over the raw body, compare in
 * constant time, and refuse a timestamp older than the tolerance (a replay).
 */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isSafeInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
