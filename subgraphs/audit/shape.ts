// Records -> the GraphQL shapes of schema/audit.graphql (thin resolvers call these on the way out).
import type { AuditEvent, AuditEventConnection, User } from '../../generated/graphql/audit.ts';
import type { AuditEventPage } from './events.service.ts';
import { changeList, type AuditEventRecord } from './record.ts';

export function toAuditEvent(record: AuditEventRecord): AuditEvent {
  return {
    sequence: Number(record.sequence),
    id: record.eventId,
    type: record.type,
    entityType: record.entityType,
    entityId: record.entityId,
    ownerId: record.ownerId,
    // A reference: the router resolves the user's fields in the auth subgraph (auditTrail here, on demand).
    actor: record.actorId ? ({ __typename: 'User', id: record.actorId } as User) : null,
    actorId: record.actorId,
    actorRoles: [...record.actorRoles],
    service: record.service,
    requestId: record.requestId,
    occurredAt: record.occurredAt,
    receivedAt: record.receivedAt,
    changes: changeList(record.changes),
    payload: record.payload,
    truncated: record.truncated,
    fullContentSha256: record.fullContentSha256,
    prevHash: record.prevHash,
    hash: record.hash,
  };
}

export function toConnection(page: AuditEventPage): AuditEventConnection {
  return {
    ...page,
    edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toAuditEvent(edge.node) })),
  };
}
