// GET and HEAD /files/:id/content?expires&user&signature: a download over plain HTTP. The signed URL is the
// credential (signing.ts); the router proxies these requests unchanged. Answers carry no detail a prober could
// use: 403 for a bad or expired link, 404 for no such file, 410 for a deleted one.
//
// Served as an attachment that no browser will render or sniff (nosniff, CSP sandbox, Content-Disposition from
// content-disposition.ts), with ETag (the sha256), Last-Modified, one Range and conditional requests
// (http-range.ts), streamed from the store.
//
// Restricted downloads are audited (file.downloaded, written before the first byte goes out): every download of
// a QUOTE_PDF (a quote is billing data) and every download by a user who sees the file only through a share (the
// URL's `user` holds an active share and neither uploaded the file nor owns its entity). HEAD, 304 and 416 send
// no content and are not recorded.
import type { Request, RequestHandler, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Blob, File } from '../../generated/prisma/files/client.ts';
import { recordEvent } from '../kit/outbox.ts';
import { hasExpired, parseExpires } from '../kit/signed-link.ts';
import { contentDisposition } from '../kit/content-disposition.ts';
import type { FilesDeps } from './deps.ts';
import { isUuid } from '../kit/uuid.ts';
import { activeShareWhere } from './file-access.ts';
import { fileEvent } from './file-events.ts';
import { decideRange, ifRangeMatches, isNotModified } from './http-range.ts';
import { contentTypeFor } from './sniff.ts';
import type { ByteRange } from './storage.ts';

export const DOWNLOAD_ROUTE = '/files/:id/content';

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).set('cache-control', 'no-store').json({ error: { code, message } });
}

function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

interface Link {
  fileId: string;
  userId: string | undefined;
  shareId: string | undefined;
}

/** The link's file, user and share when its signature is ours and it has not expired; null otherwise. */
function verifyLink(deps: FilesDeps, req: Request): Link | null {
  const fileId = String(req.params.id);
  const expires = queryString(req, 'expires');
  const userId = queryString(req, 'user');
  const shareId = queryString(req, 'share');
  const signature = queryString(req, 'signature') ?? '';
  const expiresAt = parseExpires(expires);
  if (expiresAt === null || (userId !== undefined && !isUuid(userId))) return null;
  if (shareId !== undefined && (userId === undefined || !isUuid(shareId))) return null;
  if (!deps.signer.verify({ fileId, expires: expiresAt, userId, shareId }, signature)) return null;
  if (hasExpired(expiresAt, deps.now())) return null;
  return { fileId, userId, shareId };
}

/** A link issued through a share works only while that share does: revoked or expired, the link is dead too. */
async function shareStillActive(deps: FilesDeps, link: Link): Promise<boolean> {
  if (!link.shareId) return true;
  const share = await deps.prisma.fileShare.findFirst({
    where: { id: link.shareId, fileId: link.fileId, userId: link.userId, ...activeShareWhere(deps.now()) },
    select: { id: true },
  });
  return share !== null;
}

/** Why this download is audited, or null when it is not restricted. */
async function restrictedReason(deps: FilesDeps, file: File, userId: string | undefined, now: Date) {
  if (file.kind === 'QUOTE_PDF') return { reason: 'QUOTE_PDF' as const, shareId: null };
  if (!userId || userId === file.uploadedById || userId === file.ownerId) return null;
  const share = await deps.prisma.fileShare.findFirst({
    where: { fileId: file.id, userId, ...activeShareWhere(now) },
    select: { id: true },
  });
  return share ? { reason: 'SHARE' as const, shareId: share.id } : null;
}

async function auditDownload(
  deps: FilesDeps,
  req: Request,
  res: Response,
  file: File,
  userId: string | undefined,
  range: ByteRange | null,
): Promise<boolean> {
  const now = deps.now();
  const restricted = await restrictedReason(deps, file, userId, now);
  if (!restricted) return false;
  const event = fileEvent(
    userId ? { userId, roles: [] } : null,
    res.locals.requestId ?? null,
    file,
    'file.downloaded',
    now,
    {
      name: file.name,
      kind: file.kind,
      version: file.version,
      sha256: file.sha256,
      reason: restricted.reason,
      shareId: restricted.shareId,
      range: range ? `bytes=${range.start}-${range.end}` : null,
      userAgent: req.get('user-agent')?.slice(0, 200) ?? null,
    },
  );
  await deps.prisma.$transaction((tx) => recordEvent(tx, event));
  return true;
}

function setEntityHeaders(res: Response, file: File & { blob: Blob }, etag: string): void {
  const type = contentTypeFor(file.blob.contentType, file.name);
  res.set({
    'content-type': type.startsWith('text/') ? `${type}; charset=utf-8` : type,
    'content-disposition': contentDisposition(file.name),
    'accept-ranges': 'bytes',
    etag,
    'last-modified': file.createdAt.toUTCString(),
    'cache-control': 'private, max-age=0',
    'x-content-type-options': 'nosniff',
    'content-security-policy': 'sandbox',
  });
}

/** The handler; `onAudit` is called after a download was recorded (wakes the outbox relay). */
export function createDownloadHandler(deps: FilesDeps, onAudit: () => void = () => {}): RequestHandler {
  return async (req, res) => {
    const log = res.locals.log ?? deps.log;
    try {
      const link = verifyLink(deps, req);
      if (!link) return refuse(res, 403, 'FORBIDDEN', 'this link is invalid or has expired');
      if (!(await shareStillActive(deps, link))) {
        return refuse(
          res,
          403,
          'FORBIDDEN',
          'the share this link was issued through was revoked or has expired',
        );
      }
      const file = isUuid(link.fileId)
        ? await deps.prisma.file.findUnique({ where: { id: link.fileId }, include: { blob: true } })
        : null;
      if (!file) return refuse(res, 404, 'NOT_FOUND', 'no such file');
      if (file.deletedAt) return refuse(res, 410, 'GONE', 'this file was deleted');

      const size = Number(file.blob.size);
      const etag = `"${file.sha256}"`;
      setEntityHeaders(res, file, etag);
      const conditions = {
        ifNoneMatch: req.get('if-none-match'),
        ifModifiedSince: req.get('if-modified-since'),
      };
      if (isNotModified(conditions, etag, file.createdAt)) return void res.status(304).end();

      const honourRange = ifRangeMatches(req.get('if-range'), etag, file.createdAt);
      const decision = honourRange ? decideRange(req.get('range'), size) : ({ kind: 'full' } as const);
      if (decision.kind === 'unsatisfiable') {
        res.set('content-range', `bytes */${size}`).removeHeader('content-disposition');
        return refuse(res, 416, 'RANGE_NOT_SATISFIABLE', 'the range is outside the file');
      }
      const range = decision.kind === 'partial' ? decision.range : null;
      if (range) res.status(206).set('content-range', `bytes ${range.start}-${range.end}/${size}`);
      res.set('content-length', String(range ? range.end - range.start + 1 : size));
      if (req.method === 'HEAD') return void res.end();

      if (await auditDownload(deps, req, res, file, link.userId, range)) onAudit();
      if (size === 0) return void res.end();
      await pipeline(deps.blobs.open(file.blob.storageKey, range ?? undefined), res).catch(
        (error: unknown) => {
          // A client that went away mid-download is routine; anything else (a blob missing on disk) is not.
          const gone = (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
          log[gone ? 'debug' : 'error']({ err: error, fileId: file.id }, 'download: the stream ended early');
        },
      );
    } catch (error) {
      log.error({ err: error }, 'download failed');
      if (!res.headersSent) refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'the download failed');
      else res.destroy();
    }
  };
}
