import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import {
  API_KEY_EXCHANGE_PATH,
  API_KEY_EXCHANGE_SERVICE,
  apiKeyPrefix,
  exchangeResponseSchema,
  type ExchangeResponse,
} from '../../common/api-key-wire.ts';
import { postSigned } from '../../common/service-auth.ts';
import { createFailureCounter, createKeyRateLimiter, createTokenCache } from '../apiKeyLimits.ts';
import { errorBody, httpStatusOf, routerError } from '../errors.ts';
import { getRequestState, type RequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';
import { subgraphUrl } from '../supergraphMetadata.ts';
import { clientAddressOf, parseTrustedProxies } from './useClientAddress.ts';

export interface ApiKeyOptions {
  /** API_KEY_EXCHANGE_SECRET, shared with the auth subgraph. Without it every API key is refused (401). */
  secret?: string;
  /** The auth subgraph's exchange. @default API_KEY_EXCHANGE_PATH at the auth subgraph's origin */
  exchangeUrl?: string;
  /** Requests per minute each key may make (a bucket that refills continuously). @default 600 */
  rateLimitPerMinute?: number;
  /** Failed key attempts one client address may make per failure window before 429. @default 20 */
  maxFailures?: number;
  /** @default 300 */
  failureWindowSeconds?: number;
  /** How long an exchange may take. @default 5000 */
  timeoutMs?: number;
  /** As for useClientAddress: whose X-Forwarded-For is believed. @default [] */
  trustedProxies?: string[];
  /** @default 'auth' */
  authSubgraph?: string;
  subgraphUrls?: Readonly<Record<string, string>>;
  logger?: Logger;
}

/** The key a request carries (`Authorization: ApiKey <key>` or `X-API-Key`), null for none, or an error. */
function keyOf(req: Request): string | null | GraphQLError {
  const header = req.get('authorization')?.trim();
  const scheme = header ? /^ApiKey +(\S+)$/i.exec(header) : null;
  const xApiKey = req.get('x-api-key')?.trim();
  if (xApiKey !== undefined && header !== undefined)
    return routerError('UNAUTHENTICATED', 'Send either an Authorization header or X-API-Key, not both');
  return scheme?.[1] ?? xApiKey ?? null;
}

/**
 * API keys for integrators: a request carrying a key is given the access token the auth subgraph exchanges it
 * for (as its bearer token, which the JWT stage then verifies like any other, ended sessions included, and the
 * subgraphs verify again). Tokens are cached per key and client address until shortly before they expire, so a
 * key costs one exchange (one audit event) per address and token lifetime, not a database write per request.
 * Each key has its own request budget; wrong keys are limited per client address here and never reach the
 * login guard, so they cannot lock anyone's account.
 */
export function useApiKeys(options: ApiKeyOptions = {}): RouterStage {
  const { secret, logger } = options;
  let exchangeUrl = options.exchangeUrl;
  const trusted = options.trustedProxies?.length ? parseTrustedProxies(options.trustedProxies) : undefined;
  const tokens = createTokenCache();
  const budget = createKeyRateLimiter(options.rateLimitPerMinute ?? 600);
  const failures = createFailureCounter(
    options.maxFailures ?? 20,
    (options.failureWindowSeconds ?? 300) * 1000,
  );
  const inFlight = new Map<string, Promise<ExchangeResponse | undefined>>();
  /** The cached token a request used: a 401 for it (a revoked key's session) drops it from the cache. */
  const used = new WeakMap<RequestState, string>();

  const answer = (req: Request, res: Response, error: GraphQLError, retryAfterSeconds?: number) => {
    getRequestState(req)?.errorCodes.push(String(error.extensions.code));
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
    res.status(httpStatusOf(error)).json(errorBody(error));
  };

  /** One exchange per key and address at a time; undefined when the auth subgraph cannot answer. */
  const exchange = (cacheKey: string, key: string, address: string | undefined, log: Logger | undefined) => {
    let pending = inFlight.get(cacheKey);
    if (!pending) {
      const body = JSON.stringify({ key, clientAddress: address ?? null });
      pending = postSigned(exchangeUrl!, body, {
        secret: secret!,
        service: API_KEY_EXCHANGE_SERVICE,
        timeoutMs: options.timeoutMs ?? 5000,
      })
        .then(async (response) => {
          if (response.status !== 200 && response.status !== 401)
            throw new Error(`API key exchange answered ${response.status}`);
          const parsed = exchangeResponseSchema.parse(await response.json());
          if (response.status === 401 && !('refused' in parsed))
            throw new Error('exchange refused the router');
          return parsed;
        })
        .catch((error: unknown) => {
          log?.error({ err: error, stage: 'apiKeys' }, 'API key exchange unavailable');
          return undefined;
        })
        .finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    return pending;
  };

  return {
    name: 'apiKeys',
    onSupergraph(metadata) {
      if (options.exchangeUrl) return;
      const auth = metadata.subgraphs.find((s) => s.name === (options.authSubgraph ?? 'auth'));
      if (auth)
        exchangeUrl = new URL(API_KEY_EXCHANGE_PATH, subgraphUrl(auth.name, auth.url, options.subgraphUrls))
          .href;
    },
    onFinish(state, statusCode) {
      const cacheKey = used.get(state);
      if (cacheKey && statusCode === 401) tokens.delete(cacheKey);
    },
    middleware: [
      (req, res, next) => {
        const key = keyOf(req);
        if (key === null) return next();
        if (typeof key !== 'string') return answer(req, res, key);
        const log = getRequestState(req)?.log ?? logger;
        const address = clientAddressOf(req, trusted);
        const waitSeconds = failures.blocked(address ?? 'unknown');
        if (waitSeconds !== undefined)
          return answer(
            req,
            res,
            routerError(
              'TOO_MANY_REQUESTS',
              'Too many failed API key attempts from this address; retry later',
              {
                extensions: { reason: 'API_KEY_FAILURES', retryAfterSeconds: waitSeconds },
              },
            ),
            waitSeconds,
          );
        const refuse = (reason: string, message: string) => {
          failures.record(address ?? 'unknown');
          answer(req, res, routerError('UNAUTHENTICATED', message, { extensions: { reason } }));
        };
        if (secret && !exchangeUrl)
          return answer(req, res, routerError('SERVICE_UNAVAILABLE', 'API keys cannot be checked yet'));
        if (!secret)
          return answer(
            req,
            res,
            routerError('UNAUTHENTICATED', 'API keys are not accepted by this router', {
              extensions: { reason: 'API_KEYS_DISABLED' },
            }),
          );
        if (key.length > 200 || !apiKeyPrefix(key))
          return refuse('API_KEY_INVALID', 'The API key is not valid');
        const cacheKey = `${createHash('sha256').update(key).digest('base64url')}|${address ?? ''}`;

        const proceed = (token: { accessToken: string; keyId: string }) => {
          const wait = budget.take(token.keyId);
          if (wait !== undefined)
            return answer(
              req,
              res,
              routerError('TOO_MANY_REQUESTS', 'This API key has used its request budget; retry later', {
                extensions: { reason: 'API_KEY_RATE_LIMITED', retryAfterSeconds: wait },
              }),
              wait,
            );
          req.headers.authorization = `Bearer ${token.accessToken}`;
          delete req.headers['x-api-key'];
          const state = getRequestState(req);
          if (state) used.set(state, cacheKey);
          next();
        };
        const cached = tokens.get(cacheKey);
        if (cached) return proceed(cached);
        void exchange(cacheKey, key, address, log).then((result) => {
          if (res.headersSent || res.destroyed) return;
          if (!result)
            return answer(
              req,
              res,
              routerError('SERVICE_UNAVAILABLE', 'API keys cannot be checked right now'),
            );
          if ('refused' in result) {
            tokens.delete(cacheKey);
            return refuse(result.refused, result.message);
          }
          proceed(tokens.set(cacheKey, result));
        });
      },
    ],
  };
}
