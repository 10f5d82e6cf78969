// The File and FileShare types, Query.file and the mutations. Thin: read through the loaders (visibility is in
// their queries), change through the services.
import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type { Resolvers } from '../../generated/graphql/files.ts';
import type { File } from '../../generated/prisma/files/client.ts';
import { DateTimeScalar } from '../kit/scalars.ts';
import { requireCaller, type Context } from './context.ts';
import type { Caller } from './deps.ts';
import { canManage } from './file-access.ts';
import { contentTypeFor } from './sniff.ts';

/** The file's blob; every file row has one (a foreign key). */
async function blobOf(ctx: Context, file: File) {
  const blob = await ctx.loaders.blobBySha.load(file.sha256);
  if (!blob) throw new Error(`blob ${file.sha256} of file ${file.id} is missing`);
  return blob;
}

/**
 * The share through which the caller sees the file, when it is their only way in (not a reader of everything,
 * not the uploader, not the entity's owner): the one that lasts longest, so the URL lives while any share would.
 */
async function accessShare(ctx: Context, caller: Caller, file: File): Promise<string | undefined> {
  if (caller.seesAll || file.uploadedById === caller.userId || file.ownerId === caller.userId)
    return undefined;
  const mine = (await ctx.loaders.sharesByFile.load(file.id)).filter((s) => s.userId === caller.userId);
  return mine.sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0]?.id;
}

/** Unix seconds at which download URLs handed out by this request stop working. */
function urlExpiry(ctx: Context): number {
  return Math.floor(ctx.requestTime.getTime() / 1000) + ctx.deps.config.urlTtlSeconds;
}

export const fileResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  Upload: GraphQLUpload,
  Query: {
    file: (_p, { id }, ctx) => {
      requireCaller(ctx);
      return ctx.loaders.fileById.load(id);
    },
  },
  File: {
    __resolveReference: (ref, ctx) => ctx.loaders.fileById.load(ref.id),
    size: async (file, _a, ctx) => Number((await blobOf(ctx, file)).size),
    contentType: async (file, _a, ctx) => contentTypeFor((await blobOf(ctx, file)).contentType, file.name),
    versions: (file, _a, ctx) =>
      ctx.loaders.versions.load({ entityType: file.entityType, entityId: file.entityId, name: file.name }),
    uploadedBy: (file) => ({ id: file.uploadedById }),
    sample: (file) => (file.entityType === 'SAMPLE' ? { id: file.entityId } : null),
    submission: (file) => (file.entityType === 'SUBMISSION' ? { id: file.entityId } : null),
    downloadUrl: async (file, _a, ctx) => {
      const caller = requireCaller(ctx);
      return ctx.deps.signer.downloadUrl({
        fileId: file.id,
        expires: urlExpiry(ctx),
        userId: caller.userId,
        shareId: await accessShare(ctx, caller, file),
      });
    },
    downloadUrlExpiresAt: (_file, _a, ctx) => new Date(urlExpiry(ctx) * 1000),
    shares: (file, _a, ctx) =>
      canManage(requireCaller(ctx), file) ? ctx.loaders.sharesByFile.load(file.id) : [],
  },
  FileShare: {
    file: async (share, _a, ctx) => {
      const file = await ctx.loaders.fileById.load(share.fileId);
      if (!file) throw new Error(`file ${share.fileId} of share ${share.id} is not visible`);
      return file;
    },
    user: (share) => ({ id: share.userId }),
    sharedBy: (share) => ({ id: share.sharedById }),
  },
  Mutation: {
    uploadFile: (_p, { file, attachTo, kind }, ctx) =>
      ctx.services.uploads.upload(requireCaller(ctx), {
        file: file as Promise<FileUpload>,
        attachTo,
        kind: kind ?? 'OTHER',
      }),
    shareFile: (_p, { fileId, userId, expiresAt }, ctx) =>
      ctx.services.files.share(requireCaller(ctx), fileId, userId, new Date(expiresAt)),
    revokeShare: (_p, { shareId }, ctx) => ctx.services.files.revokeShare(requireCaller(ctx), shareId),
    deleteFile: (_p, { id }, ctx) => ctx.services.files.remove(requireCaller(ctx), id),
  },
};
