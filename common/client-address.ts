// The client's address, as a subgraph may trust it. Only the router sees the client's connection (and knows
// which proxies in front of it to believe), so it computes the address and signs it with a secret it shares
// with the subgraphs. A subgraph believes a signed address and nothing else: a direct caller's
// X-Forwarded-For or unsigned header is ignored, and the subgraph falls back to its own socket peer.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

export const CLIENT_ADDRESS_HEADER = 'x-client-address';

/** How long a signed address stays valid: enough for a slow subgraph fetch, too short to be worth replaying. */
const MAX_AGE_MS = 60_000;

/** CLIENT_ADDRESS_SECRET, shared by the router and the subgraphs; optional, at least 32 characters. */
export const clientAddressSecretVariable = z
  .string()
  .min(32, { message: 'must be at least 32 characters' })
  .optional();

/** '::ffff:10.0.0.1' (an IPv4 client of a dual-stack socket) is 10.0.0.1: one client, one key. */
export function normalizeAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)?.[1];
  const value = mapped ?? trimmed.toLowerCase();
  return isIP(value) ? value : undefined;
}

function mac(secret: string, address: string, ts: number): string {
  return createHmac('sha256', secret).update(`client-address\n${address}\n${ts}`).digest('base64url');
}

/** The header value that vouches for `address`. */
export function signClientAddress(secret: string, address: string, now = Date.now()): string {
  return `${address};ts=${now};sig=${mac(secret, address, now)}`;
}

/** The address a header vouches for, or undefined when it is missing, malformed, stale or not ours. */
export function verifyClientAddress(
  secret: string,
  header: string | undefined,
  now = Date.now(),
): string | undefined {
  const match = /^([0-9a-fA-F:.]{2,45});ts=(\d{1,16});sig=([\w-]{43})$/.exec(header ?? '');
  if (!match) return undefined;
  const [, address, tsText, sig] = match as unknown as [string, string, string, string];
  const ts = Number(tsText);
  if (Math.abs(now - ts) > MAX_AGE_MS) return undefined;
  const expected = Buffer.from(mac(secret, address, ts));
  const actual = Buffer.from(sig);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  return normalizeAddress(address);
}
