// POST /internal/api-keys/exchange (common/api-key-wire.ts): the router's signed request to turn an API key into
// an access token. Only the router signs here (API_KEY_EXCHANGE_SECRET): a client cannot reach it with a key,
// so guessing keys goes through the router's per-address limit. Answers 200 { accessToken, expiresAt, keyId },
// 401 { refused, message } for a key that does not work, 401/400/413 { error } for a bad request, 503 { error }
// when the secret is not configured or the database fails.
import express, { type Express, type Response } from 'express';
import {
  API_KEY_EXCHANGE_PATH,
  API_KEY_EXCHANGE_SERVICE,
  exchangeRequestSchema,
} from '../../common/api-key-wire.ts';
import type { Logger } from '../kit/logger.ts';
import { SERVICE_AUTH_SCHEME, verifyServiceRequest } from '../kit/service-auth.ts';
import type { ApiKeyService } from './api-key.service.ts';

const MAX_BODY_BYTES = 4096;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export function mountApiKeyExchange(
  app: Express,
  options: { secret: string | undefined; apiKeys: ApiKeyService; log: Logger },
): void {
  const { secret } = options;
  const rawBody = express.raw({ type: () => true, limit: MAX_BODY_BYTES });
  app.post(
    API_KEY_EXCHANGE_PATH,
    (req, res, next) => {
      res.setHeader('cache-control', 'no-store');
      if (!secret)
        return fail(
          res,
          503,
          'SERVICE_UNAVAILABLE',
          'API keys are not exchanged: API_KEY_EXCHANGE_SECRET is not set',
        );
      if (!req.get('authorization')?.startsWith(`${SERVICE_AUTH_SCHEME} `))
        return fail(res, 401, 'UNAUTHENTICATED', `expected a signed "${SERVICE_AUTH_SCHEME}" request`);
      rawBody(req, res, (error?: unknown) => {
        if (!error) return next();
        const { status } = error as { status?: number };
        if (status === 413)
          return fail(res, 413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`);
        fail(res, 400, 'BAD_USER_INPUT', 'the body could not be read');
      });
    },
    async (req, res) => {
      const log: Logger = res.locals.log ?? options.log;
      let body: string;
      try {
        body = utf8.decode(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      } catch {
        return fail(res, 401, 'UNAUTHENTICATED', 'bad signature');
      }
      const auth = verifyServiceRequest({ secret: secret!, header: req.get('authorization'), body });
      if ('error' in auth) return fail(res, 401, 'UNAUTHENTICATED', auth.error);
      if (auth.service !== API_KEY_EXCHANGE_SERVICE)
        return fail(res, 401, 'UNAUTHENTICATED', `only the ${API_KEY_EXCHANGE_SERVICE} exchanges API keys`);
      let parsed;
      try {
        parsed = exchangeRequestSchema.safeParse(JSON.parse(body));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success)
        return fail(
          res,
          400,
          'BAD_USER_INPUT',
          'the body must be JSON: { "key": string, "clientAddress": string | null }',
        );
      try {
        const answer = await options.apiKeys.exchange(parsed.data);
        if ('refused' in answer) {
          log.info({ refused: answer.refused, clientAddress: parsed.data.clientAddress }, 'API key refused');
          return res.status(401).json(answer);
        }
        res.json(answer);
      } catch (error) {
        log.error({ err: error }, 'API key exchange failed');
        fail(res, 503, 'SERVICE_UNAVAILABLE', 'the API key could not be checked; retry');
      }
    },
  );
}
