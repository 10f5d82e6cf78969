// Issue 14 item 7 end to end: the whole stack through the router, a webhook receiver on localhost (allowed by
// AUDIT_WEBHOOK_ALLOWED_HOSTS=127.0.0.1). Real changes made through the graph reach the subscribers as signed
// deliveries (HMAC verified here), a SUBMITTER's subscription only for their own sample, a 500 is retried with
// the same idempotency key, the delivery log is read through the router, and a private address is refused.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts';
import { verifySignature } from '../../subgraphs/audit/webhook-secret.ts';
import { eventually } from '../helpers/eventually.ts';
import { loginThroughRouter, post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let receiver: WebhookReceiver;
let port = 0;
const received: ReceivedWebhook[] = [];
const answers = new Map<string, number[]>();
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

const gql = async (who: string, query: string, variables: Record<string, unknown> = {}) => {
  const { body } = await post(stack.routerUrl, query, variables, { authorization: `Bearer ${tokens[who]}` });
  return body;
};
const ok = async (who: string, query: string, variables: Record<string, unknown> = {}) => {
  const body = await gql(who, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data;
};

const login = (email: string, password: string) => loginThroughRouter(stack.routerUrl, email, password);

const SUBSCRIBE = `mutation ($i: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $i) { secret subscription { id status eventTypes } } }`;
const at = (path: string) => received.filter((r) => r.path === path);
const bodies = (path: string) =>
  at(path).map((r) => JSON.parse(r.body) as { id: string; type: string; data: { entityId: string } });

beforeAll(async () => {
  receiver = await startWebhookReceiver(received, answers);
  port = receiver.port;
  stack = await startTestStack({
    AUDIT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    AUDIT_WEBHOOK_ALLOW_HTTP: 'true',
    AUDIT_WEBHOOK_POLL_MS: '100',
    AUDIT_WEBHOOK_BACKOFF_BASE_MS: '100',
    AUDIT_WEBHOOK_BACKOFF_MAX_MS: '200',
  });
  const admin = await login(stack.admin.email, stack.admin.password);
  tokens.admin = admin.accessToken;
  for (const [key, role] of [
    ['staff', 'STAFF'],
    ['submitter', 'SUBMITTER'],
    ['other', 'SUBMITTER'],
  ] as const) {
    const email = `${key}@lab.test`;
    const password = 'orchid kettle marble lantern';
    await ok('admin', 'mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }', {
      i: { email, name: `${key} person`, roles: [role], password },
    });
    const user = await login(email, password);
    tokens[key] = user.accessToken;
    ids[key] = user.user.id;
  }
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('webhooks through the router', () => {
  test('changes made through the graph reach subscribers signed, as each may see them, retried after a 500', async () => {
    // The staff receiver fails its first request: that delivery is retried.
    answers.set('/staff', [500, 200]);
    const staffSub = (
      await ok('staff', SUBSCRIBE, {
        i: { url: `http://127.0.0.1:${port}/staff`, eventTypes: ['sample.created', 'sample.stage_changed'] },
      })
    ).createWebhookSubscription;
    const submitterSub = (
      await ok('submitter', SUBSCRIBE, {
        i: { url: `http://127.0.0.1:${port}/submitter`, eventTypes: ['sample.stage_changed'] },
      })
    ).createWebhookSubscription;
    expect(submitterSub.subscription).toMatchObject({
      status: 'ACTIVE',
      eventTypes: ['sample.stage_changed'],
    });

    const create = 'mutation ($i: CreateSampleInput!) { createSample(input: $i) { id } }';
    const own = (await ok('staff', create, { i: { name: 'WH-own', ownerId: ids.submitter } })).createSample
      .id;
    const other = (await ok('staff', create, { i: { name: 'WH-other', ownerId: ids.other } })).createSample
      .id;
    await ok('staff', 'mutation ($ids: [ID!]!) { receiveSamples(ids: $ids) { succeeded } }', {
      ids: [own, other],
    });

    // Staff (audit:read): both samples created and received, one of them after a retry.
    await eventually(() => new Set(bodies('/staff').map((b) => b.id)).size >= 4, {
      what: 'four events delivered to the staff receiver',
      timeoutMs: 30_000,
    });
    const staffTypes = [
      ...new Map(bodies('/staff').map((b) => [b.id, `${b.type} ${b.data.entityId}`])).values(),
    ];
    expect(staffTypes.sort()).toEqual(
      [
        `sample.created ${own}`,
        `sample.created ${other}`,
        `sample.received ${own}`,
        `sample.received ${other}`,
      ].sort(),
    );
    // The submitter: only their own sample's move.
    await eventually(() => at('/submitter').length >= 1, {
      what: "the submitter's delivery",
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bodies('/submitter').map((b) => `${b.type} ${b.data.entityId}`)).toEqual([
      `sample.received ${own}`,
    ]);

    const now = Math.floor(Date.now() / 1000);
    for (const r of at('/staff')) {
      expect(verifySignature(staffSub.secret, String(r.headers['x-webhook-signature']), r.body, now)).toBe(
        true,
      );
    }
    const mine = at('/submitter')[0]!;
    expect(
      verifySignature(submitterSub.secret, String(mine.headers['x-webhook-signature']), mine.body, now),
    ).toBe(true);
    expect(
      verifySignature(staffSub.secret, String(mine.headers['x-webhook-signature']), mine.body, now),
    ).toBe(false);

    // The failed request and its retry carry the same idempotency key and body.
    const [failed, ...later] = at('/staff');
    const retry = later.find((r) => r.headers['idempotency-key'] === failed!.headers['idempotency-key']);
    expect(retry?.body).toBe(failed!.body);
    expect(retry?.headers['x-webhook-attempt']).toBe('2');

    // The delivery log, through the router.
    const log = await eventually(async () => {
      const data = await ok(
        'staff',
        `{ webhookSubscriptions(first: 10) { totalCount edges { node { id deliveries(first: 10) { totalCount
          edges { node { eventId status attempts idempotencyKey attemptLog { attempt statusCode } } } } } } } }`,
      );
      const node = data.webhookSubscriptions.edges[0]?.node;
      return (
        node?.deliveries.edges.every((e: { node: { status: string } }) => e.node.status === 'DELIVERED') &&
        data
      );
    });
    expect(log.webhookSubscriptions.totalCount).toBe(1);
    const deliveries = log.webhookSubscriptions.edges[0].node.deliveries.edges.map(
      (e: { node: { attemptLog: { statusCode: number }[]; idempotencyKey: string } }) => e.node,
    );
    expect(deliveries).toHaveLength(4);
    const retried = deliveries.find(
      (d: { idempotencyKey: string }) => d.idempotencyKey === failed!.headers['idempotency-key'],
    );
    expect(retried).toMatchObject({
      status: 'DELIVERED',
      attempts: 2,
      attemptLog: [{ statusCode: 500 }, { statusCode: 200 }],
    });

    // The subscription's creation is in the audit log, without the secret.
    const audit = await ok(
      'staff',
      'query ($id: String!) { auditEvents(filter: { entityId: $id }) { edges { node { type payload changes { field } } } } }',
      { id: staffSub.subscription.id },
    );
    expect(audit.auditEvents.edges.map((e: { node: { type: string } }) => e.node.type)).toEqual([
      'webhook.subscription_created',
    ]);
    expect(JSON.stringify(audit)).not.toContain(staffSub.secret);
  });

  test("a private address is refused when not configured; someone else's subscription is NOT_FOUND", async () => {
    for (const url of [
      'http://10.0.0.7/hook',
      `http://[::1]:${port}/hook`,
      'http://169.254.169.254/latest',
    ]) {
      const body = await gql('staff', SUBSCRIBE, { i: { url, eventTypes: ['file.uploaded'] } });
      expect(body.errors?.[0]?.extensions, url).toMatchObject({
        code: 'BAD_USER_INPUT',
        rule: 'ADDRESS_FORBIDDEN',
      });
    }
    const { webhookSubscriptions } = await ok('staff', '{ webhookSubscriptions { edges { node { id } } } }');
    const id = webhookSubscriptions.edges[0].node.id;
    const body = await gql('other', 'mutation ($id: ID!) { deleteWebhookSubscription(id: $id) }', { id });
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(
      (await ok('admin', 'mutation ($id: ID!) { deleteWebhookSubscription(id: $id) }', { id }))
        .deleteWebhookSubscription,
    ).toBe(id);
  });
});
