// The outbox events of files, all on entityType File and owned by the entity's owner (a SUBMITTER reads the
// audit of files on their own samples):
//   file.uploaded       payload: name, kind, size, sha256, contentType, version, entityType, entityId
//   file.downloaded     restricted downloads only (download.ts): payload name, kind, version, reason, range
//   file.shared         payload: shareId, userId, expiresAt
//   file.share_revoked  payload: shareId, userId
//   file.deleted        changes: deletedAt
import type { File } from '../../generated/prisma/files/client.ts';
import type { Changes, JsonValue, OutboxEventInput } from '../kit/outbox.ts';
import { SERVICE_NAME } from './deps.ts';

export function fileEvent(
  actor: { userId: string; roles: string[] } | null,
  requestId: string | null,
  file: Pick<File, 'id' | 'ownerId'>,
  type: string,
  now: Date,
  payload: Record<string, JsonValue>,
  changes: Changes = {},
): OutboxEventInput {
  return {
    type,
    entityType: 'File',
    entityId: file.id,
    ownerId: file.ownerId,
    actor,
    service: SERVICE_NAME,
    requestId,
    occurredAt: now,
    changes,
    payload,
  };
}
