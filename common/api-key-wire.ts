// The router -> auth subgraph API-key exchange: the router sends a client's API key (and the client's address),
// signed with API_KEY_EXCHANGE_SECRET (common/service-auth.ts, service "router"); the auth subgraph checks the
// key and answers a short-lived access token for the key's owner and scopes, or why not. The router caches the
// token per key and client address until shortly before it expires, so one exchange serves many requests.
import { z } from 'zod';

export const API_KEY_EXCHANGE_PATH = '/internal/api-keys/exchange';
/** The only signer the exchange accepts. */
export const API_KEY_EXCHANGE_SERVICE = 'router';

/**
 * A key as handed out: `npk_<12 hex>_<43 base64url>`. The first part (with `npk_`) is the key's non-secret
 * prefix, which finds its row; the rest is 32 random bytes.
 */
export const API_KEY_PATTERN = /^(npk_[0-9a-f]{12})_[\w-]{43}$/;

/** The non-secret prefix of a well-formed key, else undefined (a malformed key is refused without a lookup). */
export function apiKeyPrefix(key: string): string | undefined {
  return API_KEY_PATTERN.exec(key)?.[1];
}

export const exchangeRequestSchema = z.object({
  key: z.string().max(200),
  /** The client's address as the router worked it out; null when unknown. */
  clientAddress: z.string().max(64).nullable(),
});
export type ExchangeRequest = z.infer<typeof exchangeRequestSchema>;

/** Why a key was refused (extensions.reason of the router's 401). */
export const API_KEY_REFUSALS = [
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
  'API_KEY_REVOKED',
  'API_KEY_OWNER_INACTIVE',
] as const;
export type ApiKeyRefusal = (typeof API_KEY_REFUSALS)[number];

export const exchangeResponseSchema = z.union([
  z.object({
    accessToken: z.string().min(1).max(4096),
    /** Epoch milliseconds. */
    expiresAt: z.number().int().positive(),
    keyId: z.string().min(1).max(64),
  }),
  z.object({
    refused: z.enum(API_KEY_REFUSALS),
    message: z.string().max(500),
  }),
]);
export type ExchangeResponse = z.infer<typeof exchangeResponseSchema>;
