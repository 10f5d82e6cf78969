import express, { type Request, type Response } from 'express';
import { errorBody, httpStatusOf, routerError } from '../errors.ts';
import { getRequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';

export interface BodyLimitOptions {
  /** Largest accepted request body; larger bodies get HTTP 413. @default 1_000_000 */
  maxBodyBytes?: number;
}

/** Parses JSON bodies up to a size limit; answers 413 / 400 itself, in GraphQL error shape. */
export function useBodyLimit(options: BodyLimitOptions = {}): RouterStage {
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const parse = express.json({ limit: maxBodyBytes });
  /** Answers a body-parser failure itself; returns false for errors it does not know. */
  const answer = (err: { type?: string }, req: Request, res: Response): boolean => {
    const error =
      err.type === 'entity.too.large'
        ? routerError('OPERATION_LIMIT_EXCEEDED', `Request body is larger than ${maxBodyBytes} bytes`, {
            extensions: { limit: 'maxBodyBytes', max: maxBodyBytes },
            httpStatus: 413,
          })
        : err.type === 'entity.parse.failed' || err.type === 'encoding.unsupported'
          ? routerError('BAD_REQUEST', 'Request body is not valid JSON')
          : undefined;
    if (!error) return false;
    getRequestState(req)?.errorCodes.push(String(error.extensions.code));
    res.status(httpStatusOf(error)).json(errorBody(error));
    return true;
  };
  return {
    name: 'bodyLimit',
    middleware: [
      (req, res, next) =>
        parse(req, res, (err?: unknown) => {
          if (err && answer(err as { type?: string }, req, res)) return;
          next(err);
        }),
    ],
  };
}
