// DataLoaders, created per request for one caller: a page of samples (or of files) costs the same few queries
// whatever its size, and every list applies the caller's visibility in the same statement.
import DataLoader from 'dataloader';
import type { Blob, EntityType, File, FileShare, PrismaClient } from '../../generated/prisma/files/client.ts';
import type { Caller } from './deps.ts';
import { isUuid } from '../kit/uuid.ts';
import { activeShareWhere, visibleFileWhere } from './file-access.ts';

/** Newest first; the id breaks ties of one millisecond. */
function newestFirst(a: File, b: File): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);
}

/**
 * The latest version of each name the caller may see, per entity, newest first. One query for all entities:
 * visible versions newest first, then the first of each name is kept.
 */
function createEntityFilesLoader(prisma: PrismaClient, type: EntityType, getCaller: () => Caller, now: Date) {
  return new DataLoader<string, File[]>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length
      ? await prisma.file.findMany({
          where: { entityType: type, entityId: { in: valid }, ...visibleFileWhere(getCaller(), now) },
          orderBy: [{ version: 'desc' }],
        })
      : [];
    const byEntity = new Map<string, Map<string, File>>(ids.map((id) => [id, new Map()]));
    for (const row of rows) {
      const names = byEntity.get(row.entityId)!;
      if (!names.has(row.name)) names.set(row.name, row);
    }
    return ids.map((id) => [...byEntity.get(id)!.values()].sort(newestFirst));
  });
}

interface VersionKey {
  entityType: EntityType;
  entityId: string;
  name: string;
}

export function createLoaders(prisma: PrismaClient, getCaller: () => Caller, now: Date) {
  return {
    /** Visible, not deleted files by id (null otherwise). */
    fileById: new DataLoader<string, File | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length
        ? await prisma.file.findMany({ where: { id: { in: valid }, ...visibleFileWhere(getCaller(), now) } })
        : [];
      const map = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => map.get(id) ?? null);
    }),
    blobBySha: new DataLoader<string, Blob | null>(async (shas) => {
      const rows = await prisma.blob.findMany({ where: { sha256: { in: [...shas] } } });
      const map = new Map(rows.map((row) => [row.sha256, row]));
      return shas.map((sha) => map.get(sha) ?? null);
    }),
    filesBySample: createEntityFilesLoader(prisma, 'SAMPLE', getCaller, now),
    filesBySubmission: createEntityFilesLoader(prisma, 'SUBMISSION', getCaller, now),
    /** Every visible version of a name on an entity, newest first. */
    versions: new DataLoader<VersionKey, File[], string>(
      async (keys) => {
        const rows = await prisma.file.findMany({
          where: {
            AND: [{ OR: keys.map((k) => ({ ...k })) }, visibleFileWhere(getCaller(), now)],
          },
          orderBy: [{ version: 'desc' }],
        });
        return keys.map((k) =>
          rows.filter((r) => r.entityType === k.entityType && r.entityId === k.entityId && r.name === k.name),
        );
      },
      { cacheKeyFn: (k) => JSON.stringify([k.entityType, k.entityId, k.name]) },
    ),
    /** Active shares of each file, oldest first. */
    sharesByFile: new DataLoader<string, FileShare[]>(async (ids) => {
      const rows = await prisma.fileShare.findMany({
        where: { fileId: { in: [...ids] }, ...activeShareWhere(now) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      return ids.map((id) => rows.filter((r) => r.fileId === id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
