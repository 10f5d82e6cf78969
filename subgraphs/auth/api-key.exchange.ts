// POST /internal/api-keys/exchange (common/api-key-wire.ts): the router's signed request to turn an API key into
// an access token. Only the router signs here (API_KEY_EXCHANGE_SECRET): a client cannot reach it with a key,
// so guessing keys goes through the router's per-address limit. Answers 200 { accessToken, expiresAt, keyId },
// 401 { refused, message } for a key that does not work, 401/400/413 { error } for a bad request, 503 { error }
// when the secret is not configured or the database fails.
import type { Express, Response } from 'express';
import {
  API_KEY_EXCHANGE_PATH,
  API_KEY_EXCHANGE_SERVICE,
  exchangeRequestSchema,
} from '../../common/api-key-wire.ts';
import type { Logger } from '../kit/logger.ts';
import { mountSignedEndpoint } from '../kit/signed-batch.ts';
import type { ApiKeyService } from './api-key.service.ts';

function fail(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export function mountApiKeyExchange(
  app: Express,
  options: { secret: string | undefined; apiKeys: ApiKeyService; log: Logger },
): void {
  mountSignedEndpoint(app, API_KEY_EXCHANGE_PATH, {
    secret: options.secret,
    secretVariable: 'API_KEY_EXCHANGE_SECRET',
    senders: [API_KEY_EXCHANGE_SERVICE],
    maxBytes: 4096,
    log: options.log,
    what: 'API key exchanges',
    async handle(body, _sender, log, res) {
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
  });
}
