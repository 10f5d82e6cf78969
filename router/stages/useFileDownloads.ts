import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { errorBody, httpStatusOf, routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';
import { subgraphUrl } from '../supergraphMetadata.ts';

/** A path prefix the router proxies, unchanged, to the subgraph that serves it. */
export interface DownloadRoute {
  /** e.g. `/files`: the route serves `<prefix>/*`. */
  prefix: string;
  subgraph: string;
}

/**
 * File downloads (the files subgraph) and export files (exports/samples: samples, exports/audit: audit); both
 * are signed links checked by the subgraph that serves them (files/signing.ts, kit/export-link.ts).
 */
export const DEFAULT_DOWNLOAD_ROUTES: readonly DownloadRoute[] = [
  { prefix: '/files', subgraph: 'files' },
  { prefix: '/exports/samples', subgraph: 'samples' },
  { prefix: '/exports/audit', subgraph: 'audit' },
];

export interface FileDownloadOptions {
  /** What is proxied where. @default DEFAULT_DOWNLOAD_ROUTES */
  routes?: readonly DownloadRoute[];
  /** Subgraph URL overrides by subgraph name. @default {} */
  subgraphUrls?: Readonly<Record<string, string>>;
  /** Longest wait for the files subgraph's response headers; the body then takes as long as it takes. @default 30_000 */
  timeoutMs?: number;
  /** One line per download (path and status; never the query string, whose signature is the credential). */
  logger?: Logger;
}

/** What a download may send on: byte ranges and cache validators, nothing that identifies the client. */
const forwardedRequestHeaders = ['range', 'if-range', 'if-none-match', 'if-modified-since'];
const forwardedResponseHeaders = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'content-disposition',
  'etag',
  'last-modified',
  'cache-control',
  'x-content-type-options',
  'content-security-policy',
];
const acceptableRequestId = /^[\w.:-]{1,128}$/;

class DownloadTimeout extends Error {}

/** The origin (plus any base path) a subgraph URL such as http://files:4006/graphql serves /files/* from. */
export function filesBase(url: string): URL {
  const base = new URL(url);
  base.pathname = base.pathname.replace(/\/?graphql\/?$/, '').replace(/\/$/, '');
  base.search = '';
  base.hash = '';
  return base;
}

/** Where a `<prefix>/...` request goes; undefined when its path would leave the prefix (`..`, even spelled %2e%2e). */
export function filesTarget(base: URL, originalUrl: string, prefix = '/files'): URL | undefined {
  const root = base.pathname.replace(/\/$/, '');
  const target = new URL(`${base.origin}${root}${originalUrl}`);
  return target.origin === base.origin && target.pathname.startsWith(`${root}${prefix}/`)
    ? target
    : undefined;
}

function fail(res: Response, error: GraphQLError): void {
  if (!res.headersSent) res.status(httpStatusOf(error)).json(errorBody(error));
  else res.destroy();
}

/**
 * Streams one request to the files subgraph and its answer back. node:http rather than fetch: fetch adds
 * `cache-control: no-cache` to conditional requests (no more 304) and decompresses behind the content-length.
 */
function proxy(target: URL, req: Request, res: Response, requestId: string, timeoutMs: number): void {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  for (const header of forwardedRequestHeaders) {
    const value = req.get(header);
    if (value !== undefined) headers[header] = value;
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(target, { method: req.method, headers, timeout: timeoutMs });
  upstream.on('timeout', () => upstream.destroy(new DownloadTimeout()));
  upstream.on('error', (error) =>
    fail(
      res,
      error instanceof DownloadTimeout
        ? routerError('GATEWAY_TIMEOUT', `The file service did not answer within ${timeoutMs} ms`, {
            httpStatus: 504,
          })
        : routerError('BAD_GATEWAY', 'The file service cannot be reached'),
    ),
  );
  upstream.on('response', (answer) => {
    upstream.setTimeout(0); // the body takes as long as the client takes to read it
    res.status(answer.statusCode ?? 502);
    for (const header of forwardedResponseHeaders) {
      const value = answer.headers[header];
      if (value !== undefined) res.setHeader(header, value);
    }
    pipeline(answer, res).catch(() => undefined); // a client gone or a subgraph that broke off: cut already
  });
  // A client that goes away stops the subgraph's transfer too.
  res.on('close', () => upstream.destroy());
  upstream.end();
}

/**
 * Proxies GET and HEAD /files/* to the files subgraph, and /exports/samples/* and /exports/audit/* to the samples
 * and audit subgraphs, streaming: downloads are plain HTTP with signed URLs (the subgraph checks signature and
 * expiry), so the router adds no token and passes status, the content headers and the body through unchanged.
 */
export function useFileDownloads(options: FileDownloadOptions = {}): RouterStage {
  const routes = options.routes ?? DEFAULT_DOWNLOAD_ROUTES;
  const timeoutMs = options.timeoutMs ?? 30_000;
  /** Per subgraph name: undefined until a supergraph is loaded; null when it has no such subgraph. */
  let bases: Map<string, URL | null> | undefined;

  const download = (route: DownloadRoute) => (req: Request, res: Response) => {
    const startedAt = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const requestId = incoming && acceptableRequestId.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      const line = { stage: 'fileDownloads', requestId, method: req.method, path: req.path, durationMs };
      options.logger?.info({ ...line, status: res.statusCode }, 'download');
    });
    if (bases === undefined)
      return fail(res, routerError('SUPERGRAPH_UNAVAILABLE', 'No supergraph is loaded yet'));
    const base = bases.get(route.subgraph);
    const target = base ? filesTarget(base, req.originalUrl, route.prefix) : undefined;
    if (!target) return fail(res, routerError('NOT_FOUND', 'No such file route'));
    proxy(target, req, res, requestId, timeoutMs);
  };

  return {
    name: 'fileDownloads',
    onSupergraph(metadata) {
      bases = new Map(
        routes.map(({ subgraph }) => {
          const found = metadata.subgraphs.find((s) => s.name === subgraph);
          return [
            subgraph,
            found ? filesBase(subgraphUrl(found.name, found.url, options.subgraphUrls)) : null,
          ];
        }),
      );
    },
    routes(app) {
      // Express answers HEAD with the GET route; the method is forwarded as it came.
      for (const route of routes) app.get(`${route.prefix}/*path`, download(route));
    },
  };
}
