// Webhook subscriptions and their delivery log, for the caller: anyone signed in manages their own
// subscriptions, an ADMIN everyone's (someone else's is NOT_FOUND to anyone else). Every change is recorded in
// the audit log, in the same transaction (webhook.subscription_*). The URL is checked against the address
// policy here (every address it resolves to) and again by the dispatcher at each delivery.
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/audit/client.ts';
import { type WebhookSubscription } from '../../generated/prisma/audit/client.ts';
import { ERRORS, badUserInput } from '../kit/errors.ts';
import type { Changes, JsonValue } from '../kit/outbox.ts';
import { appendInTransaction, ownAuditEvent } from './chain.service.ts';
import type { WebhookConfig } from './config.ts';
import { type AuditDeps, AUDIT_READ_SCOPE } from './deps.ts';
import {
  WebhookAddressError,
  hostOf,
  parseWebhookUrl,
  resolveAllowed,
  type Lookup,
} from './webhook-address.ts';
import { expandEventTypes, MAX_EVENT_TYPES } from './webhook-events.ts';
import { encryptSecret, generateWebhookSecret } from './webhook-secret.ts';

export interface WebhookCaller {
  userId: string;
  roles: readonly string[];
  scopes: readonly string[];
  requestId: string | null;
}

export interface SubscriptionInput {
  url?: string | null;
  eventTypes?: readonly string[] | null;
  description?: string | null;
  /** true: ACTIVE (re-enables a paused or disabled one), false: PAUSED. */
  active?: boolean | null;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export const MAX_WEBHOOK_PAGE = 100;
const TRANSACTION = { maxWait: 10_000, timeout: 30_000 };

const isAdmin = (caller: WebhookCaller) => caller.roles.includes('ADMIN');

/** What the log records of a URL: no query string or fragment (they may carry tokens). */
const loggedUrl = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

function pageArgs(first: number, after: string | null | undefined): { first: number; after: string | null } {
  if (!Number.isInteger(first) || first < 1 || first > MAX_WEBHOOK_PAGE) {
    throw badUserInput(`first must be between 1 and ${MAX_WEBHOOK_PAGE}`, {
      field: 'first',
      rule: 'PAGE_SIZE',
    });
  }
  if (after != null && !/^\d{1,18}$|^[0-9a-f-]{36}$/.test(after)) {
    throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
  }
  return { first, after: after ?? null };
}

export function createWebhookService(
  deps: AuditDeps,
  config: WebhookConfig,
  options: { lookup?: Lookup; notify?: () => void } = {},
) {
  const { prisma } = deps;

  async function checkUrl(text: string): Promise<string> {
    try {
      const url = parseWebhookUrl(text, config.addresses);
      await resolveAllowed(hostOf(url), config.addresses, options.lookup);
      return url.toString();
    } catch (error) {
      if (error instanceof WebhookAddressError)
        throw badUserInput(error.message, { field: 'url', rule: error.rule });
      throw error;
    }
  }

  function checkEventTypes(names: readonly string[]): string[] {
    if (names.length < 1 || names.length > MAX_EVENT_TYPES) {
      throw badUserInput(`eventTypes takes 1 to ${MAX_EVENT_TYPES} names`, {
        field: 'eventTypes',
        rule: 'LIST_SIZE',
      });
    }
    const expanded = expandEventTypes(names);
    if ('unknown' in expanded) {
      throw badUserInput(`"${expanded.unknown}" is not an event type: see webhookEventTypes`, {
        field: 'eventTypes',
        rule: 'EVENT_TYPE',
      });
    }
    return expanded.types;
  }

  /** The subscription if the caller may manage it, else NOT_FOUND. */
  async function visible(caller: WebhookCaller, id: string): Promise<WebhookSubscription> {
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await prisma.webhookSubscription.findUnique({ where: { id: id.toLowerCase() } })
      : null;
    if (!row || (row.ownerId !== caller.userId && !isAdmin(caller))) {
      throw ERRORS.NOT_FOUND.err('no such webhook subscription', { field: 'id' });
    }
    return row;
  }

  /** Appends the subscription's event to the log inside `tx`. */
  function record(
    tx: Prisma.TransactionClient,
    caller: WebhookCaller,
    type: string,
    sub: Pick<WebhookSubscription, 'id' | 'ownerId'>,
    changes: Changes,
    payload: Record<string, JsonValue> | null = null,
  ) {
    const now = deps.now();
    return appendInTransaction(
      tx,
      deps,
      [
        ownAuditEvent({
          type,
          entityType: 'WebhookSubscription',
          entityId: sub.id,
          ownerId: sub.ownerId,
          actorId: caller.userId,
          actorRoles: [...caller.roles],
          requestId: caller.requestId,
          occurredAt: now,
          changes,
          payload,
        }),
      ],
      now,
    );
  }

  return {
    async create(
      caller: WebhookCaller,
      input: Required<Pick<SubscriptionInput, 'url' | 'eventTypes'>> & SubscriptionInput,
    ) {
      const eventTypes = checkEventTypes(input.eventTypes ?? []);
      const url = await checkUrl(input.url ?? '');
      const id = randomUUID();
      const secret = generateWebhookSecret();
      const now = deps.now();
      const subscription = await prisma.$transaction(async (tx) => {
        // One create at a time per owner, so the limit holds under concurrent requests.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`webhook:${caller.userId}`}))`;
        const owned = await tx.webhookSubscription.count({ where: { ownerId: caller.userId } });
        if (owned >= config.maxPerOwner) {
          throw badUserInput(`at most ${config.maxPerOwner} webhook subscriptions per user`, {
            rule: 'SUBSCRIPTION_LIMIT',
            max: config.maxPerOwner,
          });
        }
        const row = await tx.webhookSubscription.create({
          data: {
            id,
            ownerId: caller.userId,
            ownerReadsAll: caller.scopes.includes(AUDIT_READ_SCOPE),
            url,
            description: input.description ?? null,
            topics: [...new Set(input.eventTypes)],
            eventTypes,
            status: input.active === false ? 'PAUSED' : 'ACTIVE',
            statusChangedAt: now,
            secretCiphertext: encryptSecret(config.secretKey, id, secret),
            createdAt: now,
            updatedAt: now,
          },
        });
        await record(tx, caller, 'webhook.subscription_created', row, {
          url: { from: null, to: loggedUrl(url) },
          eventTypes: { from: null, to: row.topics },
          status: { from: null, to: row.status },
        });
        return row;
      }, TRANSACTION);
      return { subscription, secret };
    },

    async update(caller: WebhookCaller, id: string, input: SubscriptionInput) {
      const before = await visible(caller, id);
      const data: Prisma.WebhookSubscriptionUpdateInput = {};
      const changes: Changes = {};
      const now = deps.now();
      if (input.url != null) {
        const url = await checkUrl(input.url);
        if (url !== before.url) {
          data.url = url;
          changes.url = { from: loggedUrl(before.url), to: loggedUrl(url) };
        }
      }
      if (input.eventTypes != null) {
        data.eventTypes = checkEventTypes(input.eventTypes);
        data.topics = [...new Set(input.eventTypes)];
        changes.eventTypes = { from: before.topics, to: data.topics };
      }
      if (input.description !== undefined && input.description !== before.description) {
        data.description = input.description;
        changes.description = { from: before.description, to: input.description };
      }
      if (input.active && before.statusReason === 'OWNER_CHANGED' && before.ownerId !== caller.userId) {
        // What the owner may read now is known only from their own new token.
        throw ERRORS.FORBIDDEN.err(
          'only its owner can activate a subscription paused by a change of their roles',
          {
            rule: 'OWNER_MUST_ACTIVATE',
          },
        );
      }
      if (input.active != null) {
        const status = input.active ? 'ACTIVE' : 'PAUSED';
        if (status !== before.status) {
          Object.assign(data, { status, statusReason: null, statusChangedAt: now });
          changes.status = { from: before.status, to: status };
        }
        if (input.active) {
          // Activation takes the activating caller's read rule if they are the owner (their roles may have
          // changed); failures start counting afresh.
          if (before.ownerId === caller.userId) data.ownerReadsAll = caller.scopes.includes(AUDIT_READ_SCOPE);
          Object.assign(data, { consecutiveFailures: 0, failingSince: null });
        }
      }
      if (!Object.keys(changes).length && !('ownerReadsAll' in data)) return before;
      const after = await prisma.$transaction(async (tx) => {
        const row = await tx.webhookSubscription.update({
          where: { id: before.id },
          data: { ...data, updatedAt: now },
        });
        if (Object.keys(changes).length)
          await record(tx, caller, 'webhook.subscription_updated', row, changes);
        return row;
      }, TRANSACTION);
      if (input.active) options.notify?.();
      return after;
    },

    async rotateSecret(caller: WebhookCaller, id: string) {
      const before = await visible(caller, id);
      const secret = generateWebhookSecret();
      const subscription = await prisma.$transaction(async (tx) => {
        const row = await tx.webhookSubscription.update({
          where: { id: before.id },
          data: {
            secretCiphertext: encryptSecret(config.secretKey, before.id, secret),
            updatedAt: deps.now(),
          },
        });
        await record(tx, caller, 'webhook.secret_rotated', row, {});
        return row;
      }, TRANSACTION);
      return { subscription, secret };
    },

    /** Deletes it with its deliveries and their log; the log keeps the webhook.subscription_deleted event. */
    async remove(caller: WebhookCaller, id: string): Promise<string> {
      const before = await visible(caller, id);
      await prisma.$transaction(async (tx) => {
        await tx.webhookSubscription.delete({ where: { id: before.id } });
        await record(tx, caller, 'webhook.subscription_deleted', before, {
          url: { from: loggedUrl(before.url), to: null },
          status: { from: before.status, to: null },
        });
      }, TRANSACTION);
      return before.id;
    },

    get: visible,

    /** Newest first; an ADMIN sees everyone's (or one owner's with ownerId). */
    async list(caller: WebhookCaller, first: number, after?: string | null, ownerId?: string | null) {
      const page = pageArgs(first, after);
      const owner = isAdmin(caller) ? (ownerId ?? undefined) : caller.userId;
      const where: Prisma.WebhookSubscriptionWhereInput = owner === undefined ? {} : { ownerId: owner };
      const [rows, totalCount] = await Promise.all([
        prisma.webhookSubscription.findMany({
          where: page.after ? { ...where, id: { lt: page.after } } : where,
          orderBy: { id: 'desc' },
          take: page.first + 1,
        }),
        prisma.webhookSubscription.count({ where }),
      ]);
      return connection(rows, page.first, totalCount, (r) => r.id);
    },

    /** The delivery log of a subscription the caller may manage, newest first. */
    async deliveries(
      caller: WebhookCaller,
      subscriptionId: string,
      first: number,
      after?: string | null,
      status?: DeliveryStatus | null,
    ) {
      const sub = await visible(caller, subscriptionId);
      const page = pageArgs(first, after);
      if (page.after && !/^\d+$/.test(page.after)) {
        throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
      }
      const where: Prisma.WebhookDeliveryWhereInput = {
        subscriptionId: sub.id,
        ...(status ? { status } : {}),
      };
      const [rows, totalCount] = await Promise.all([
        prisma.webhookDelivery.findMany({
          where: page.after ? { ...where, id: { lt: BigInt(page.after) } } : where,
          orderBy: { id: 'desc' },
          take: page.first + 1,
          include: { attemptLog: { orderBy: { attempt: 'asc' } } },
        }),
        prisma.webhookDelivery.count({ where }),
      ]);
      return connection(rows, page.first, totalCount, (r) => String(r.id));
    },
  };
}

function connection<T>(rows: T[], first: number, totalCount: number, cursor: (row: T) => string) {
  const edges = rows.slice(0, first).map((node) => ({ cursor: cursor(node), node }));
  return {
    edges,
    totalCount,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
