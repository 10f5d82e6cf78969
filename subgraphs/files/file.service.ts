// The changes to files other than uploading: sharing, revoking a share, deleting (soft). Each is one transaction
// with its outbox event, by the uploader, STAFF or ADMIN (file-access.ts).
import type { FileShare } from '../../generated/prisma/files/client.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { Caller, FilesDeps } from './deps.ts';
import { isUuid } from '../kit/uuid.ts';
import { readManagedFile } from './file-access.ts';
import { fileEvent } from './file-events.ts';

/** The longest a share may last. */
export const MAX_SHARE_DAYS = 90;
const DAY_MS = 86_400_000;

function assertShareExpiry(expiresAt: Date, now: Date): void {
  if (expiresAt.getTime() <= now.getTime()) {
    throw badUserInput('a share must end in the future', { field: 'expiresAt', rule: 'IN_THE_PAST' });
  }
  if (expiresAt.getTime() > now.getTime() + MAX_SHARE_DAYS * DAY_MS) {
    throw badUserInput(`a share lasts at most ${MAX_SHARE_DAYS} days`, {
      field: 'expiresAt',
      rule: 'TOO_FAR_AHEAD',
      maxDays: MAX_SHARE_DAYS,
    });
  }
}

export function createFileService(deps: FilesDeps) {
  const { prisma } = deps;

  return {
    async share(caller: Caller, fileId: string, userId: string, expiresAt: Date): Promise<FileShare> {
      if (!isUuid(userId)) throw badUserInput('userId is not a user id', { field: 'userId', rule: 'UUID' });
      const now = deps.now();
      assertShareExpiry(expiresAt, now);
      return prisma.$transaction(async (tx) => {
        const file = await readManagedFile(tx, caller, fileId, now);
        const share = await tx.fileShare.create({
          data: { fileId: file.id, userId, sharedById: caller.userId, expiresAt, createdAt: now },
        });
        await recordEvent(
          tx,
          fileEvent(caller, caller.requestId, file, 'file.shared', now, {
            shareId: share.id,
            userId,
            expiresAt: expiresAt.toISOString(),
          }),
        );
        return share;
      });
    },

    /** True when the share was active and is now revoked; false when it had already ended. */
    async revokeShare(caller: Caller, shareId: string): Promise<boolean> {
      const now = deps.now();
      return prisma.$transaction(async (tx) => {
        const share = isUuid(shareId) ? await tx.fileShare.findUnique({ where: { id: shareId } }) : null;
        if (!share) throw ERRORS.NOT_FOUND.err('share not found', { id: shareId });
        const file = await readManagedFile(tx, caller, share.fileId, now);
        const { count } = await tx.fileShare.updateMany({
          where: { id: share.id, revokedAt: null, expiresAt: { gt: now } },
          data: { revokedAt: now },
        });
        if (count === 0) return false;
        await recordEvent(
          tx,
          fileEvent(caller, caller.requestId, file, 'file.share_revoked', now, {
            shareId: share.id,
            userId: share.userId,
          }),
        );
        return true;
      });
    },

    /** Soft delete: the row and the bytes stay; every list and URL stops showing it. */
    async remove(caller: Caller, fileId: string): Promise<boolean> {
      const now = deps.now();
      return prisma.$transaction(async (tx) => {
        const file = await readManagedFile(tx, caller, fileId, now);
        const { count } = await tx.file.updateMany({
          where: { id: file.id, deletedAt: null },
          data: { deletedAt: now, deletedById: caller.userId },
        });
        // Deleted by someone else at the same moment: it is gone either way.
        if (count === 0) throw ERRORS.NOT_FOUND.err('file not found', { id: fileId });
        await recordEvent(
          tx,
          fileEvent(
            caller,
            caller.requestId,
            file,
            'file.deleted',
            now,
            { name: file.name, version: file.version },
            { deletedAt: { from: null, to: now.toISOString() } },
          ),
        );
        return true;
      });
    },
  };
}

export type FileService = ReturnType<typeof createFileService>;
