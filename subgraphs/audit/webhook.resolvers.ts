// Thin: the caller from the token, the service's answer shaped for schema/audit.graphql's Webhook* types.
import type { Resolvers, WebhookSubscription as GqlSubscription } from '../../generated/graphql/audit.ts';
import type {
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookSubscription,
} from '../../generated/prisma/audit/client.ts';
import { requireIdentity } from '../kit/identity.ts';
import type { Context } from './context.ts';
import type { DeliveryStatus, WebhookCaller } from './webhook.service.ts';
import { idempotencyKey } from './webhook-send.ts';
import { webhookEventTypeNames } from './webhook-events.ts';

function caller(ctx: Context): WebhookCaller {
  const identity = requireIdentity(ctx);
  return {
    userId: identity.userId,
    roles: identity.roles,
    scopes: identity.scopes,
    requestId: ctx.requestId,
  };
}

// `deliveries` is resolved by its own field resolver below (codegen has no mapper for the row type).
const toSubscription = (row: WebhookSubscription) =>
  ({
    ...row,
    eventTypes: row.topics,
    status: row.status as GqlSubscription['status'],
  }) as unknown as GqlSubscription;

const toDelivery = (row: WebhookDelivery & { attemptLog: WebhookDeliveryAttempt[] }) => ({
  ...row,
  id: String(row.id),
  eventSequence: Number(row.eventSequence),
  idempotencyKey: idempotencyKey(row.eventId, row.subscriptionId),
  status: row.status as DeliveryStatus,
  nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt : null,
});

export const webhookResolvers: Resolvers<Context> = {
  Query: {
    webhookEventTypes: () => webhookEventTypeNames(),
    webhookSubscriptions: async (_p, { first, after, ownerId }, ctx) => {
      const page = await ctx.services.webhooks.list(caller(ctx), first ?? 20, after, ownerId);
      return { ...page, edges: page.edges.map((e) => ({ ...e, node: toSubscription(e.node) })) };
    },
    webhookSubscription: async (_p, { id }, ctx) =>
      toSubscription(await ctx.services.webhooks.get(caller(ctx), id)),
  },
  Mutation: {
    createWebhookSubscription: async (_p, { input }, ctx) => {
      const created = await ctx.services.webhooks.create(caller(ctx), input);
      return { secret: created.secret, subscription: toSubscription(created.subscription) };
    },
    updateWebhookSubscription: async (_p, { id, input }, ctx) =>
      toSubscription(await ctx.services.webhooks.update(caller(ctx), id, input)),
    rotateWebhookSecret: async (_p, { id }, ctx) => {
      const rotated = await ctx.services.webhooks.rotateSecret(caller(ctx), id);
      return { secret: rotated.secret, subscription: toSubscription(rotated.subscription) };
    },
    deleteWebhookSubscription: (_p, { id }, ctx) => ctx.services.webhooks.remove(caller(ctx), id),
  },
  WebhookSubscription: {
    deliveries: async (parent, { first, after, status }, ctx) => {
      const page = await ctx.services.webhooks.deliveries(caller(ctx), parent.id, first ?? 20, after, status);
      return { ...page, edges: page.edges.map((e) => ({ ...e, node: toDelivery(e.node) })) };
    },
  },
};
