// Transactional outbox: an event is written in the same database transaction as the change it describes, so
// either both happen or neither does. The relay (./outbox-relay.ts) delivers events at least once, in sequence
// order per entity; receivers deduplicate by the event id. Every domain schema has an identical OutboxEvent
// model (reference: prisma/auth/schema.prisma), so this is typed against a minimal structural interface, not
// one generated client.
import { randomUUID } from 'node:crypto';
import { fitEventContent } from './event-content.ts';

/** A JSON value, as Prisma's Json columns accept it. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** `{ field: { from, to } }` */
export type Changes = Record<string, { from: JsonValue; to: JsonValue }>;

export interface OutboxEventInput {
  /** `<entity>.<past-tense verb>`, e.g. user.login_succeeded. */
  type: string;
  entityType: string;
  entityId: string;
  /**
   * Whose record this is: a SUBMITTER may read the audit events they own. For a User entity, the user's id.
   * Default null (no owner: only staff see it).
   */
  ownerId?: string | null;
  /** Who did it; null for anonymous callers and the system itself. */
  actor?: { userId: string; roles: string[] } | null;
  /** The emitting subgraph. */
  service: string;
  requestId?: string | null;
  /** Default: now. */
  occurredAt?: Date;
  changes?: Changes;
  payload?: Record<string, JsonValue>;
  /** Default: a new uuid. Pass one to make a retried write idempotent. */
  id?: string;
}

/** What a change by a signed-in caller says about its entity; callerEvent adds who, where from and when. */
export type EntityEventFields = Pick<
  OutboxEventInput,
  'type' | 'entityType' | 'entityId' | 'ownerId' | 'changes' | 'payload'
>;

/** An event of a change a signed-in caller made, stamped with the caller, the request and the time. */
export function callerEvent(
  service: string,
  caller: { userId: string; roles: string[]; requestId: string | null },
  now: Date,
  fields: EntityEventFields,
): OutboxEventInput {
  return {
    ...fields,
    actor: { userId: caller.userId, roles: caller.roles },
    service,
    requestId: caller.requestId,
    occurredAt: now,
  };
}

/** The row as Prisma's generated `OutboxEventUncheckedCreateInput` accepts it. */
export interface OutboxEventData {
  id: string;
  type: string;
  entityType: string;
  entityId: string;
  ownerId: string | null;
  actorId: string | null;
  actorRoles: string[];
  service: string;
  requestId: string | null;
  occurredAt: Date;
  changes: Changes;
  payload?: Record<string, JsonValue>;
  /** changes/payload were shortened to fit an audit event (./event-content.ts). */
  truncated: boolean;
  /** sha256 of the canonical JSON of the full { changes, payload } when truncated. */
  fullContentSha256: string | null;
}

/** What recordEvent needs of a Prisma transaction client: any domain's generated client satisfies it. */
export interface OutboxTransaction {
  outboxEvent: { create(args: { data: OutboxEventData }): PromiseLike<unknown> };
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
}

/**
 * First key of the two-key advisory lock a writer holds (shared) on an entity until its transaction ends; the
 * second key is hashtext('<entityType>:<entityId>'). See recordEvent and ./outbox-relay.ts.
 */
export const OUTBOX_WRITER_LOCK = 0x6f757462; // 'outb'

/**
 * Writes one event inside the caller's transaction (`prisma.$transaction(async (tx) => ...)`). Returns its id.
 *
 * The row's sequence is taken at insert, but transactions commit in their own order: without care, a relay
 * could see an entity's event 11 committed while event 10 is still in flight, deliver 11, then 10. So the
 * writer holds a shared advisory lock on the entity until it commits (shared: writers never wait for each
 * other), and the relay skips an entity while any writer holds it.
 *
 * Content too large for the audit subgraph is shortened here, in the writer's transaction, so that the stored
 * row is deliverable as it is: flagged `truncated`, with the sha256 of the full content (./event-content.ts).
 */
export async function recordEvent(tx: OutboxTransaction, event: OutboxEventInput): Promise<string> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${OUTBOX_WRITER_LOCK}::int4, hashtext(${`${event.entityType}:${event.entityId}`}))`;
  const content = fitEventContent({ changes: event.changes ?? {}, payload: event.payload ?? null });
  const data: OutboxEventData = {
    id: event.id ?? randomUUID(),
    type: event.type,
    entityType: event.entityType,
    entityId: event.entityId,
    ownerId: event.ownerId ?? null,
    actorId: event.actor?.userId ?? null,
    actorRoles: event.actor?.roles ?? [],
    service: event.service,
    requestId: event.requestId ?? null,
    occurredAt: event.occurredAt ?? new Date(),
    changes: content.changes as Changes,
    ...(content.payload ? { payload: content.payload as Record<string, JsonValue> } : {}),
    truncated: content.truncated,
    fullContentSha256: content.fullContentSha256,
  };
  await tx.outboxEvent.create({ data });
  return data.id;
}

/** The changed fields between two versions of an entity, as `{ field: { from, to } }` (arrays compared by value). */
export function diffChanges<T extends object>(
  before: T,
  after: Partial<T>,
  fields: (keyof T & string)[],
): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    if (!(field in after)) continue;
    const from = before[field];
    const to = after[field];
    if (JSON.stringify(serialize(from)) !== JSON.stringify(serialize(to))) {
      changes[field] = { from: serialize(from), to: serialize(to) };
    }
  }
  return changes;
}

function serialize(value: unknown): JsonValue {
  return value instanceof Date ? value.toISOString() : ((value ?? null) as JsonValue);
}
