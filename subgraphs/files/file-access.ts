// Who sees and who manages a file. Seeing: ADMIN, STAFF and VIEWER see every file; anyone else a file they
// uploaded, a file on an entity they own (ownerId, recorded at upload), or a file shared with them by an active
// share (not revoked, not expired). Managing (share, revoke, delete): the uploader, STAFF and ADMIN. Deleted
// files are seen by nobody.
import type { File, Prisma } from '../../generated/prisma/files/client.ts';
import { ERRORS } from '../kit/errors.ts';
import { isUuid } from '../kit/uuid.ts';
import type { Caller } from './deps.ts';

const MANAGE_ROLES = ['ADMIN', 'STAFF'];

/** A share that still lets its user see the file at `now`. */
export function activeShareWhere(now: Date): Prisma.FileShareWhereInput {
  return { revokedAt: null, expiresAt: { gt: now } };
}

/** The files `caller` may see at `now`, as a filter (one SQL statement, the share test as EXISTS). */
export function visibleFileWhere(caller: Caller, now: Date): Prisma.FileWhereInput {
  if (caller.seesAll) return { deletedAt: null };
  return {
    deletedAt: null,
    OR: [
      { uploadedById: caller.userId },
      { ownerId: caller.userId },
      { shares: { some: { userId: caller.userId, ...activeShareWhere(now) } } },
    ],
  };
}

/** Whether the caller may share, unshare and delete the file, and see its shares. */
export function canManage(caller: Caller, file: Pick<File, 'uploadedById'>): boolean {
  return file.uploadedById === caller.userId || caller.roles.some((r) => MANAGE_ROLES.includes(r));
}

/** The file if the caller may see it; NOT_FOUND otherwise, whether or not it exists. */
export async function readVisibleFile(
  tx: Prisma.TransactionClient,
  caller: Caller,
  id: string,
  now: Date,
): Promise<File> {
  const file = isUuid(id)
    ? await tx.file.findFirst({ where: { id, ...visibleFileWhere(caller, now) } })
    : null;
  if (!file) throw ERRORS.NOT_FOUND.err('file not found', { id });
  return file;
}

/** The file if the caller may see and manage it: NOT_FOUND when not seen, FORBIDDEN when only seen. */
export async function readManagedFile(
  tx: Prisma.TransactionClient,
  caller: Caller,
  id: string,
  now: Date,
): Promise<File> {
  const file = await readVisibleFile(tx, caller, id, now);
  if (!canManage(caller, file)) {
    throw ERRORS.FORBIDDEN.err('only the uploader, STAFF or ADMIN may do this', { id });
  }
  return file;
}
