// uploadFile: check the caller may see the entity (asking its subgraph), check the name, sniff the first bytes
// (executables refused before a byte is written), stream the rest to the store, then record the file in one
// transaction: the blob (once per content), the next version of the name on the entity, the outbox event.
// Whatever fails before the transaction leaves no row; the upload's remaining bytes are drained, not left
// hanging, so the client gets its answer.
import type { FileUpload } from 'graphql-upload-minimal';
import type { File, FileKind, Prisma } from '../../generated/prisma/files/client.ts';
import { badUserInput } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { Caller, FilesDeps } from './deps.ts';
import type { EntityTarget, VisibleEntity } from './entity-access.ts';
import { fileEvent } from './file-events.ts';
import { validateFileName } from './names.ts';
import { assertKindAccepts, sniffContentType, SNIFF_BYTES } from './sniff.ts';
import type { StoredBlob } from './storage.ts';
import { discardUpload } from '../../common/multipart-request.ts';
import { createUploadBody, drain, readHead } from './upload-stream.ts';

export interface UploadRequest {
  /** The Upload scalar's value: resolves when the file's part of the multipart body arrives. */
  file: Promise<FileUpload>;
  attachTo: { sampleId?: string | null; submissionId?: string | null };
  kind: FileKind;
}

/** First key of the advisory lock that serialises versions of one name on one entity ('file'). */
const FILE_NAME_LOCK = 0x66696c65;

/** Exactly one of sampleId and submissionId. */
export function parseAttachTo(attachTo: UploadRequest['attachTo']): EntityTarget {
  const { sampleId, submissionId } = attachTo;
  if (sampleId && !submissionId) return { type: 'SAMPLE', id: sampleId };
  if (submissionId && !sampleId) return { type: 'SUBMISSION', id: submissionId };
  throw badUserInput('attach the file to exactly one of a sample or a submission', {
    field: 'attachTo',
    rule: 'EXACTLY_ONE',
  });
}

/** A failure of the upload itself (client gone, truncated body) rather than of its content. */
function incomplete(error: unknown) {
  if ((error as { extensions?: unknown }).extensions) return error;
  return badUserInput('the upload did not complete', { field: 'file', rule: 'UPLOAD_INCOMPLETE' });
}

interface StoredUpload {
  name: string;
  contentType: string;
  blob: StoredBlob;
}

export function createUploadService(deps: FilesDeps) {
  const { prisma } = deps;

  /** Name, type and bytes of the upload; drains the rest of it on any failure. */
  async function store(upload: FileUpload, kind: FileKind): Promise<StoredUpload> {
    let source: ReturnType<FileUpload['createReadStream']>;
    try {
      source = upload.createReadStream();
    } catch (error) {
      throw incomplete(error);
    }
    try {
      const name = validateFileName(upload.filename);
      const head = await readHead(source, SNIFF_BYTES);
      const contentType = await sniffContentType(head);
      assertKindAccepts(kind, contentType);
      const blob = await deps.blobs.put(createUploadBody(source, head, deps.config.maxFileBytes));
      return { name, contentType, blob };
    } catch (error) {
      drain(source);
      throw incomplete(error);
    }
  }

  async function record(
    tx: Prisma.TransactionClient,
    caller: Caller,
    entity: VisibleEntity,
    kind: FileKind,
    { name, contentType, blob }: StoredUpload,
  ): Promise<File> {
    const now = deps.now();
    // Hash collisions of the lock key only make unrelated uploads wait for each other.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FILE_NAME_LOCK}::int4, hashtext(${`${entity.type}:${entity.id}:${name}`}))`;
    await tx.$executeRaw`INSERT INTO blob (sha256, size, content_type, storage_key)
      VALUES (${blob.sha256}, ${BigInt(blob.size)}, ${contentType}, ${blob.key}) ON CONFLICT (sha256) DO NOTHING`;
    const latest = await tx.file.aggregate({
      where: { entityType: entity.type, entityId: entity.id, name },
      _max: { version: true },
    });
    const file = await tx.file.create({
      data: {
        name,
        kind,
        entityType: entity.type,
        entityId: entity.id,
        ownerId: entity.ownerId,
        version: (latest._max.version ?? 0) + 1,
        sha256: blob.sha256,
        uploadedById: caller.userId,
        createdAt: now,
      },
    });
    await recordEvent(
      tx,
      fileEvent(caller, caller.requestId, file, 'file.uploaded', now, {
        name,
        kind,
        size: blob.size,
        sha256: blob.sha256,
        contentType,
        version: file.version,
        entityType: entity.type,
        entityId: entity.id,
      }),
    );
    return file;
  }

  return {
    async upload(caller: Caller, request: UploadRequest): Promise<File> {
      let entity: VisibleEntity;
      try {
        entity = await deps.entities.requireVisible(parseAttachTo(request.attachTo), caller);
      } catch (error) {
        discardUpload(request.file);
        throw error;
      }
      const upload = await request.file.catch((error: unknown) => {
        throw incomplete(error);
      });
      const stored = await store(upload, request.kind);
      // A blob written here whose transaction then fails stays on disk without a row: invisible, and reused by
      // the next upload of the same bytes.
      return prisma.$transaction((tx) => record(tx, caller, entity, request.kind, stored));
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
