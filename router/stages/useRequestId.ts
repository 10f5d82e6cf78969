import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { setRequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';

export interface RequestIdOptions {
  logger: Logger;
  /** Header read from the client, echoed in the response and sent to subgraphs. @default 'x-request-id' */
  headerName?: string;
}

/** A client-chosen id is kept only if it is short and plain, so it cannot smuggle anything into logs. */
const acceptable = /^[\w.:-]{1,128}$/;

/** Gives every request an id (the client's x-request-id or a new uuid) and a logger that carries it. */
export function useRequestId(options: RequestIdOptions): RouterStage {
  const headerName = options.headerName ?? 'x-request-id';
  return {
    name: 'requestId',
    middleware: [
      (req, res, next) => {
        const incoming = req.get(headerName);
        const requestId = incoming && acceptable.test(incoming) ? incoming : randomUUID();
        res.setHeader(headerName, requestId);
        setRequestState(req, {
          requestId,
          startedAt: process.hrtime.bigint(),
          log: options.logger.child({ requestId }),
          errorCodes: [],
        });
        next();
      },
    ],
  };
}
