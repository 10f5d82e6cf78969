// Fan-out: in the transaction that appends events to the chain, one webhook_delivery row per (matching active
// subscription, event), so an event stored is an event queued for every subscriber, or neither (nothing lost,
// nothing sent for an event that was rolled back). Visibility is decided here, with the auditEvents row rule:
// a subscription whose owner read everything (audit:read when they last activated it) gets every matching
// event; any other only events of entities its owner owns.
import type { Prisma } from '../../generated/prisma/audit/client.ts';
import { OWNER_CHANGE_TYPES } from './webhook-events.ts';

/** Queues the events with sequence in (after, through] for their subscribers; pauses subscriptions whose owner changed. */
export async function fanOutWebhooks(
  tx: Prisma.TransactionClient,
  after: bigint,
  through: bigint,
  now: Date,
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO webhook_delivery (subscription_id, event_sequence, event_id, event_type, next_attempt_at, created_at)
    SELECT s.id, e.sequence, e.event_id, e.type, ${now}, ${now}
    FROM audit_event e
    JOIN webhook_subscription s ON s.status = 'ACTIVE' AND e.type = ANY (s.event_types)
      AND (s.owner_reads_all OR s.owner_id = e.owner_id)
    WHERE e.sequence > ${after} AND e.sequence <= ${through}
    ON CONFLICT DO NOTHING`;
  // The owner's roles changed or they were deactivated: what they may read may have changed, so their
  // subscriptions stop until they activate them again (with a token carrying their new roles).
  await tx.$executeRaw`
    UPDATE webhook_subscription s
    SET status = 'PAUSED', status_reason = 'OWNER_CHANGED', status_changed_at = ${now}, updated_at = ${now}
    FROM audit_event e
    WHERE e.sequence > ${after} AND e.sequence <= ${through} AND e.entity_type = 'User'
      AND e.type = ANY (${[...OWNER_CHANGE_TYPES]}::text[]) AND s.owner_id = e.entity_id AND s.status = 'ACTIVE'`;
}
