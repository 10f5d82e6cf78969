// Exports as files (samples, sample analytics, audit events): the GraphQL field checks the request and returns
// a signed, expiring link; fetching the link (through the router, which proxies /exports/* like /files/*)
// computes the file then and streams it.
//
//   <EXPORT_PUBLIC_URL>/exports/<kind>?p=<base64url JSON>&expires=<unix seconds>&signature=<hex>
//
// `p` holds everything the file is computed from: the filter, the order, the format, and who asked with the row
// rules that apply to them (a SUBMITTER's owner id). It is signed with the rest (kit/signed-link.ts, over
// "export:<path>.<expires>.<p>"), so it cannot be widened: changing a filter or the owner breaks the signature.
// Why computed at download rather than stored: nothing to store, clean up or protect at rest, any replica can
// answer, and the link lives minutes (EXPORT_URL_TTL_SECONDS), so the file is as fresh as the click. The cost is
// that the file can differ from the count the field returned when rows changed in between (audit exports pin
// the chain head in `p`, so theirs cannot).
//
// Refusals are JSON `{ error: { code, message } }`: 403 LINK_INVALID (tampered, not ours), 410 LINK_EXPIRED.
import type { Request, RequestHandler, Response } from 'express';
import { once } from 'node:events';
import { z } from 'zod';
import { env } from './config.ts';
import { contentDisposition } from './content-disposition.ts';
import { csvCell, type CsvValue } from './csv.ts';
import type { Logger } from './logger.ts';
import { createLinkSigner, hasExpired, parseExpires } from './signed-link.ts';

export type ExportFormat = 'CSV' | 'JSON';

/** The shortest signing secret accepted, in characters. */
export const MIN_EXPORT_SECRET_LENGTH = 32;

/**
 * The variables of export links, the same in every subgraph that exports (samples, audit): spread into its
 * config schema and turned into createExportLinks' options with toExportLinkConfig.
 */
export const exportLinkVariables = {
  /** HMAC key of export links. Required, at least 32 characters; no default (`npm start` generates one per run). */
  EXPORT_SIGNING_SECRET: z.string().min(MIN_EXPORT_SECRET_LENGTH, {
    message: `must be at least ${MIN_EXPORT_SECRET_LENGTH} characters`,
  }),
  /** The origin export links point at: the router, which proxies /exports/*; default http://localhost:4000. */
  EXPORT_PUBLIC_URL: env.httpUrl().default('http://localhost:4000'),
  /** How long an export link works, in seconds; default 300. */
  EXPORT_URL_TTL_SECONDS: env.positiveInt(300),
};

export function toExportLinkConfig(v: {
  EXPORT_SIGNING_SECRET: string;
  EXPORT_PUBLIC_URL: string;
  EXPORT_URL_TTL_SECONDS: number;
}) {
  return {
    secret: v.EXPORT_SIGNING_SECRET,
    publicUrl: v.EXPORT_PUBLIC_URL.replace(/\/+$/, ''),
    ttlSeconds: v.EXPORT_URL_TTL_SECONDS,
  };
}

/** Longest `p` accepted, in characters: a filter is small; anything bigger was not made here. */
const MAX_PARAMS_LENGTH = 8192;

export interface ExportLinkOptions extends ReturnType<typeof toExportLinkConfig> {
  now: () => Date;
}

export interface ExportLink {
  url: string;
  expiresAt: Date;
}

/** A refusal of a download, sent as `{ error: { code, message } }` with `status`. */
export class ExportRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportRefusal';
  }
}

const signedText = (path: string, expires: number, params: string) => `export:${path}.${expires}.${params}`;

export function createExportLinks(options: ExportLinkOptions) {
  const signer = createLinkSigner(options.secret);
  return {
    /** A link to `path` (e.g. /exports/samples) computing its file from `params` (JSON-serialisable). */
    issue(path: string, params: unknown): ExportLink {
      const expires = Math.floor(options.now().getTime() / 1000) + options.ttlSeconds;
      const p = Buffer.from(JSON.stringify(params), 'utf8').toString('base64url');
      const query = new URLSearchParams({ p, expires: String(expires) });
      query.set('signature', signer.sign(signedText(path, expires, p)));
      return { url: `${options.publicUrl}${path}?${query}`, expiresAt: new Date(expires * 1000) };
    },
    /** The params of a request's link; ExportRefusal when it was altered or has expired. */
    read(req: Request): unknown {
      const query = req.query as Record<string, unknown>;
      const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
      const p = text('p') ?? '';
      const expires = parseExpires(text('expires'));
      const valid =
        expires !== null &&
        p.length <= MAX_PARAMS_LENGTH &&
        signer.verify(signedText(req.path, expires, p), text('signature') ?? '');
      if (!valid) throw new ExportRefusal(403, 'LINK_INVALID', 'this link is invalid: ask for a new one');
      if (hasExpired(expires, options.now())) {
        throw new ExportRefusal(410, 'LINK_EXPIRED', 'this link has expired: ask for a new one');
      }
      return JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    },
  };
}

export type ExportLinks = ReturnType<typeof createExportLinks>;

/** What an export file is made of: its columns, how a row becomes CSV cells or one JSON value, and the rows. */
export interface ExportBody<T> {
  filename: string;
  format: ExportFormat;
  columns: readonly string[];
  /** One CSV record's cells, in `columns` order. */
  cells(row: T): readonly CsvValue[];
  /** One JSON array element. */
  json(row: T): string;
  rows: AsyncIterable<T>;
}

export const exportContentType = (format: ExportFormat) =>
  format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';

/** `<base>-<UTC time, file-name safe>.<csv|json>`. */
export function exportFilename(base: string, format: ExportFormat, at: Date): string {
  return `${base}-${at.toISOString().replace(/[:.]/g, '-')}.${format === 'CSV' ? 'csv' : 'json'}`;
}

/**
 * Streams the file as an attachment no browser renders: CSV (RFC 4180, CRLF, formula-safe cells from
 * kit/csv.ts) or a JSON array, one element per line. Rows are written as they come, waiting for the client
 * when its buffer is full; a client that goes away stops the rows being read.
 */
export async function streamExport<T>(res: Response, body: ExportBody<T>): Promise<number> {
  res.status(200).set({
    'content-type': exportContentType(body.format),
    'content-disposition': contentDisposition(body.filename),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': 'sandbox',
  });
  const csv = body.format === 'CSV';
  const line = (cells: readonly CsvValue[]) => `${cells.map(csvCell).join(',')}\r\n`;
  let count = 0;
  const write = async (chunk: string) => {
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  await write(csv ? line(body.columns) : '[');
  for await (const row of body.rows) {
    if (res.destroyed) break;
    await write(csv ? line(body.cells(row)) : `${count === 0 ? '\n' : ',\n'}${body.json(row)}`);
    count += 1;
  }
  if (!csv) await write(count === 0 ? ']\n' : '\n]\n');
  res.end();
  return count;
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).set('cache-control', 'no-store').json({ error: { code, message } });
}

/**
 * The GET handler of one export path: reads the link (refusing a bad one), then `serve` computes and streams
 * the file; an ExportRefusal thrown before the first byte is sent as such, anything else is a logged 500.
 */
export function createExportHandler(
  links: ExportLinks,
  log: Logger,
  serve: (params: unknown, res: Response) => Promise<void>,
): RequestHandler {
  return async (req, res) => {
    const requestLog: Logger = res.locals.log ?? log;
    try {
      await serve(links.read(req), res);
    } catch (error) {
      if (res.headersSent) {
        requestLog.error({ err: error }, 'export: the stream broke off');
        return void res.destroy();
      }
      if (error instanceof ExportRefusal) return refuse(res, error.status, error.code, error.message);
      requestLog.error({ err: error }, 'export failed');
      refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'the export failed');
    }
  };
}
