import type { Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import { processMultipartRequest } from '../../common/multipart-request.ts';
import { createUploadSession, toUploadError, uploadLimitError } from '../createUploadSession.ts';
import { errorBody, httpStatusOf, routerError } from '../errors.ts';
import { getRequestState } from '../requestState.ts';
import type { RouterStage, UploadSession } from '../stage.ts';

export interface UploadOptions {
  /** Largest file in bytes (UPLOAD_LIMIT_EXCEEDED, HTTP 413). @default 262_144_000 (250 MiB) */
  maxFileBytes?: number;
  /** Most files in one request. @default 10 */
  maxFiles?: number;
  /** Largest `operations` or `map` part: the limit a JSON body has (createRouter passes it). @default 1_000_000 */
  maxBodyBytes?: number;
}

/** Room per part for its headers (busboy's own cap on a part's header block), on top of the content. */
const partHeaderBytes = 16 * 1024;

/** Apollo Server's CSRF rule: a browser cannot send these cross-origin without a preflight. */
const preflightHeaders = ['apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * Accepts the GraphQL multipart request spec on POST /graphql: limits first (the preflight header, the declared
 * length), then graphql-upload-minimal puts an Upload wherever the map says and the operation runs while the
 * files still stream in; RouterDataSource forwards each file to the subgraph that takes it.
 */
export function useUploads(options: UploadOptions = {}): RouterStage {
  const maxFileBytes = options.maxFileBytes ?? 262_144_000;
  const maxFiles = options.maxFiles ?? 10;
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const maxRequestBytes = maxFiles * maxFileBytes + 2 * maxBodyBytes + (maxFiles + 2) * partHeaderBytes;
  const sessions = new WeakMap<Request, UploadSession>();

  const refuse = (req: Request, res: Response, error: GraphQLError) => {
    if (res.headersSent || res.destroyed) return;
    getRequestState(req)?.errorCodes.push(String(error.extensions.code));
    res.status(httpStatusOf(error)).json(errorBody(error));
  };
  // Before the operations resolve, a 413 that is not about the file count is an operations or map part too large.
  const fromProcessRequest = (error: unknown): GraphQLError =>
    (error as { status?: number }).status === 413 && !/max file uploads/.test((error as Error).message)
      ? routerError(
          'OPERATION_LIMIT_EXCEEDED',
          `The operations or map part is larger than ${maxBodyBytes} bytes`,
          {
            extensions: { limit: 'maxBodyBytes', max: maxBodyBytes },
            httpStatus: 413,
          },
        )
      : (toUploadError(error, { maxFiles, maxFileBytes }) ??
        routerError('INTERNAL_SERVER_ERROR', 'The multipart request could not be read'));

  return {
    name: 'uploads',
    middleware: [
      (req, res, next) => {
        if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
        const declared = req.get('content-length');
        if (!preflightHeaders.some((name) => req.get(name))) {
          // Refused unread: closing the connection spares reading a body nobody wants.
          res.setHeader('connection', 'close');
          return refuse(
            req,
            res,
            routerError(
              'BAD_REQUEST',
              'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF): multipart requests need the header apollo-require-preflight: true (or x-apollo-operation-name)',
            ),
          );
        }
        if (declared !== undefined && Number(declared) > maxRequestBytes) {
          res.setHeader('connection', 'close');
          return refuse(req, res, uploadLimitError('maxRequestBytes', maxRequestBytes));
        }
        // A response can go out before the client has sent everything (a limit hit, an error): read and drop
        // the rest, so the client sees the answer and the connection stays usable.
        res.once('finish', () => {
          if (req.readableEnded) return;
          req.unpipe();
          req.resume();
        });
        processMultipartRequest(req, res, {
          maxFieldSize: maxBodyBytes,
          // busboy marks a file of exactly its limit as truncated; limitBytes counts the real limit.
          maxFileSize: maxFileBytes + 1,
          maxFiles,
        }).then(
          (operations) => {
            req.body = operations;
            sessions.set(req, createUploadSession(operations, { maxFileBytes, maxFiles }));
            next();
          },
          (error: unknown) => {
            const refusal = fromProcessRequest(error);
            if (refusal.extensions.code === 'INTERNAL_SERVER_ERROR')
              getRequestState(req)?.log.error({ err: error, stage: 'uploads' }, 'multipart request failed');
            refuse(req, res, refusal);
          },
        );
        // Without a declared length only counting bounds the body (busboy would read past a limit forever).
        if (declared === undefined) {
          let received = 0;
          req.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > maxRequestBytes) req.destroy();
          });
        }
      },
    ],
    context(req) {
      const uploads = sessions.get(req);
      return uploads ? { uploads } : {};
    },
  };
}
