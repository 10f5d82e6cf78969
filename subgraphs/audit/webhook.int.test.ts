// Webhooks in the audit subgraph, with its real database and a real HTTP receiver on localhost (allowed by
// AUDIT_WEBHOOK_ALLOWED_HOSTS=localhost; DNS answered by a resolver of the test's own, so that a host can be
// made to rebind): signed deliveries of ingested events, the subscriber's read rules, a retry after a 500 with
// the same idempotency key, disabling after persistent failure, and private addresses refused at subscribe
// time and at delivery time.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '../../test/helpers/webhook-receiver.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';
import { Registry } from 'prom-client';
import { loadAuditConfig } from './config.ts';
import type { Lookup } from './webhook-address.ts';
import { createWebhookDispatcher } from './webhook-dispatcher.ts';
import { verifySignature } from './webhook-secret.ts';

let h: AuditHarness;
let receiver: WebhookReceiver;
let port = 0;
const received: ReceivedWebhook[] = [];
/** Status codes to answer per path, in order; the last one repeats. Default 200. */
const answers = new Map<string, number[]>();
/** What the test's resolver answers per host name. */
const dns = new Map<string, string>([['localhost', '127.0.0.1']]);

const ENV = {
  AUDIT_WEBHOOK_ALLOWED_HOSTS: 'localhost',
  AUDIT_WEBHOOK_ALLOW_HTTP: 'true',
  AUDIT_WEBHOOK_POLL_MS: '50',
  AUDIT_WEBHOOK_BACKOFF_BASE_MS: '50',
  AUDIT_WEBHOOK_BACKOFF_MAX_MS: '100',
  AUDIT_WEBHOOK_MAX_ATTEMPTS: '2',
  AUDIT_WEBHOOK_DISABLE_AFTER_FAILURES: '2',
  AUDIT_WEBHOOK_TIMEOUT_MS: '2000',
  AUDIT_WEBHOOK_MAX_PER_OWNER: '3',
  // Shared by the second dispatcher below (by default the key derives from the harness's random signing key).
  AUDIT_WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
};
const testLookup: Lookup = (host) => {
  const address = dns.get(host);
  return address
    ? Promise.resolve([{ address, family: 4 }])
    : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
};

const CREATE = `mutation ($i: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $i) { secret subscription { id status eventTypes ownerId } } }`;
const LOG = `query ($id: ID!) { webhookSubscription(id: $id) { id status statusReason consecutiveFailures
  deliveries(first: 20) { totalCount edges { node { eventId eventType status attempts lastStatusCode lastError
    idempotencyKey attemptLog { attempt statusCode durationMs error } } } } } }`;

async function subscribe(headers: Record<string, string>, url: string, eventTypes: string[]) {
  const { body } = await h.gql(CREATE, { i: { url, eventTypes } }, headers);
  expect(body.errors).toBeUndefined();
  return body.data.createWebhookSubscription as { secret: string; subscription: { id: string } };
}

async function deliveryLog(id: string, headers: Record<string, string>) {
  const { body } = await h.gql(LOG, { id }, headers);
  expect(body.errors).toBeUndefined();
  return body.data.webhookSubscription;
}

const at = (path: string) => received.filter((r) => r.path === path);

beforeAll(async () => {
  receiver = await startWebhookReceiver(received, answers);
  port = receiver.port;
  h = await startAuditHarness(ENV, { webhookLookup: testLookup });
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

describe('webhook deliveries', () => {
  it('delivers signed events to a subscriber that may read them, and a SUBMITTER only their own', async () => {
    const staff = await h.as(['STAFF']);
    const submitterId = randomUUID();
    const submitter = await h.as(['SUBMITTER'], submitterId);
    const all = await subscribe(staff, `http://localhost:${port}/all`, [
      'sample.stage_changed',
      'file.uploaded',
    ]);
    const own = await subscribe(submitter, `http://localhost:${port}/own`, ['sample.stage_changed']);
    expect(all.secret).toMatch(/^whsec_/);

    const mine = wireEvent({
      type: 'sample.advanced',
      entityType: 'Sample',
      service: 'samples',
      ownerId: submitterId,
    });
    const theirs = wireEvent({
      type: 'sample.advanced',
      entityType: 'Sample',
      service: 'samples',
      ownerId: randomUUID(),
    });
    const unsubscribed = wireEvent({ type: 'sample.note_added', entityType: 'Sample', service: 'samples' });
    expect((await h.ingest([mine, theirs, unsubscribed], { service: 'samples' })).status).toBe(200);

    await eventually(() => at('/all').length >= 2 && at('/own').length >= 1, { what: 'three deliveries' });
    expect(
      at('/all')
        .map((r) => JSON.parse(r.body).id)
        .sort(),
    ).toEqual([mine.id, theirs.id].sort());
    // The SUBMITTER's subscription received only the event of their own sample.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(at('/own').map((r) => JSON.parse(r.body).id)).toEqual([mine.id]);

    for (const [request, sub] of [
      [at('/own')[0]!, own],
      ...at('/all').map((r) => [r, all] as const),
    ] as const) {
      const header = String(request.headers['x-webhook-signature']);
      expect(verifySignature(sub.secret, header, request.body, Math.floor(Date.now() / 1000))).toBe(true);
      // Another secret, or a body changed by one byte, does not verify.
      expect(
        verifySignature(all === sub ? own.secret : all.secret, header, request.body, Date.now() / 1000),
      ).toBe(false);
      expect(verifySignature(sub.secret, header, `${request.body} `, Math.floor(Date.now() / 1000))).toBe(
        false,
      );
      const body = JSON.parse(request.body);
      expect(request.headers['idempotency-key']).toBe(`${body.id}.${sub.subscription.id}`);
      expect(request.headers['x-webhook-timestamp']).toBe(/t=(\d+)/.exec(header)![1]);
      expect(body).toMatchObject({
        type: 'sample.advanced',
        subscriptionId: sub.subscription.id,
        data: { entityType: 'Sample', service: 'samples' },
      });
    }

    const log = await deliveryLog(own.subscription.id, submitter);
    expect(log.deliveries).toMatchObject({
      totalCount: 1,
      edges: [{ node: { eventId: mine.id, status: 'DELIVERED', attempts: 1, lastStatusCode: 200 } }],
    });
    // Someone else's subscription does not exist for a SUBMITTER; an ADMIN sees it.
    const { body } = await h.gql(LOG, { id: all.subscription.id }, submitter);
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await deliveryLog(all.subscription.id, await h.as(['ADMIN']))).deliveries.totalCount).toBe(2);
  });

  it('retries after a 500 with the same idempotency key, and logs both attempts', async () => {
    answers.set('/flaky', [500, 200]);
    const staff = await h.as(['STAFF']);
    const sub = await subscribe(staff, `http://localhost:${port}/flaky`, ['file.uploaded']);
    const event = wireEvent({ type: 'file.uploaded', entityType: 'File', service: 'files' });
    await h.ingest([event], { service: 'files' });

    await eventually(() => at('/flaky').length >= 2, { what: 'a retry' });
    const [first, second] = at('/flaky');
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['x-webhook-attempt']).toBe('2');
    const log = await eventually(async () => {
      const l = await deliveryLog(sub.subscription.id, staff);
      return l.deliveries.edges[0]?.node.status === 'DELIVERED' && l;
    });
    expect(log.deliveries.edges[0].node).toMatchObject({
      eventId: event.id,
      attempts: 2,
      idempotencyKey: `${event.id}.${sub.subscription.id}`,
      attemptLog: [
        { attempt: 1, statusCode: 500, error: 'HTTP 500: receiver broke' },
        { attempt: 2, statusCode: 200, error: null },
      ],
    });
    expect(log).toMatchObject({ status: 'ACTIVE', consecutiveFailures: 0 });
  });

  it('disables a subscription whose deliveries keep failing, visibly in the audit log and the metrics', async () => {
    answers.set('/down', [503]);
    const staff = await h.as(['STAFF']);
    const sub = await subscribe(staff, `http://localhost:${port}/down`, ['submission.accepted']);
    const events = [1, 2].map(() =>
      wireEvent({ type: 'submission.accepted', entityType: 'Submission', service: 'submission' }),
    );
    await h.ingest(events, { service: 'submission' });

    const log = await eventually(
      async () => {
        const l = await deliveryLog(sub.subscription.id, staff);
        return l.status === 'DISABLED' && l;
      },
      { what: 'the subscription disabled' },
    );
    expect(log.statusReason).toBe('2 deliveries in a row failed');
    expect(
      log.deliveries.edges.map((e: { node: { status: string; attempts: number } }) => e.node),
    ).toMatchObject([
      { status: 'FAILED', attempts: 2 },
      { status: 'FAILED', attempts: 2 },
    ]);
    const { body } = await h.gql(
      `query ($id: String!) { auditEvents(filter: { entityId: $id, action: "webhook.subscription_disabled" }) {
        edges { node { type entityType changes { field from to } } } } }`,
      { id: sub.subscription.id },
      staff,
    );
    expect(body.data.auditEvents.edges).toMatchObject([
      {
        node: {
          entityType: 'WebhookSubscription',
          changes: [{ field: 'status', from: 'ACTIVE', to: 'DISABLED' }],
        },
      },
    ]);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/^audit_webhook_subscriptions_disabled_total\{subgraph="audit"\} 1$/m);
    expect(metrics).toMatch(/^audit_webhook_deliveries_total\{outcome="failed",subgraph="audit"\} 2$/m);
    expect(metrics).toMatch(/^audit_webhook_disabled_subscriptions\{subgraph="audit"\} 1$/m);

    // Nothing more is sent while disabled; activating it again resets the count.
    const before = at('/down').length;
    await h.ingest(
      [wireEvent({ type: 'submission.accepted', entityType: 'Submission', service: 'submission' })],
      {
        service: 'submission',
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at('/down')).toHaveLength(before);
    const { body: updated } = await h.gql(
      `mutation ($id: ID!) { updateWebhookSubscription(id: $id, input: { active: true }) { status consecutiveFailures } }`,
      { id: sub.subscription.id },
      staff,
    );
    expect(updated.data.updateWebhookSubscription).toEqual({ status: 'ACTIVE', consecutiveFailures: 0 });
  });
});

describe('webhook replicas', () => {
  it('two dispatchers on one database (two replicas) never send one delivery twice', async () => {
    const staff = await h.as(['STAFF']);
    await subscribe(staff, `http://localhost:${port}/pair`, ['project.created']);
    const config = loadAuditConfig({
      ...ENV,
      AUDIT_DATABASE_URL: h.db.url,
      OUTBOX_RELAY_SECRET: 'x'.repeat(32),
      AUDIT_SIGNING_KEY: Buffer.alloc(32, 1).toString('base64'),
      EXPORT_SIGNING_SECRET: 'e'.repeat(32),
      AUDIT_WEBHOOK_CONCURRENCY: '3',
    });
    const second = createWebhookDispatcher(h.subgraph.deps, config.webhooks, new Registry(), {
      lookup: testLookup,
    });
    second.start();
    try {
      const events = Array.from({ length: 30 }, () =>
        wireEvent({ type: 'project.created', entityType: 'Project', service: 'samples' }),
      );
      await h.ingest(events, { service: 'samples' });
      await eventually(() => at('/pair').length >= 30, { what: '30 deliveries', timeoutMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await second.stop();
    }
    const keys = at('/pair').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(30);
    expect(new Set(keys).size).toBe(30);
  });
});

describe('webhook subscriptions', () => {
  it("pauses an owner's subscriptions when their roles change; only the owner activates them again", async () => {
    const ownerId = randomUUID();
    const owner = await h.as(['STAFF'], ownerId);
    const sub = await subscribe(owner, `http://localhost:${port}/owner`, ['sample.created']);
    await h.ingest(
      [
        wireEvent({
          type: 'user.roles_changed',
          entityType: 'User',
          entityId: ownerId,
          changes: { roles: { from: ['STAFF'], to: ['SUBMITTER'] } },
        }),
      ],
      { service: 'auth' },
    );
    const paused = await deliveryLog(sub.subscription.id, owner);
    expect(paused).toMatchObject({ status: 'PAUSED', statusReason: 'OWNER_CHANGED' });
    // Events stored meanwhile are not queued for it.
    await h.ingest([wireEvent({ type: 'sample.created', entityType: 'Sample', service: 'samples' })], {
      service: 'samples',
    });
    expect((await deliveryLog(sub.subscription.id, owner)).deliveries.totalCount).toBe(0);

    const activate = `mutation ($id: ID!) { updateWebhookSubscription(id: $id, input: { active: true }) { status } }`;
    const byAdmin = await h.gql(activate, { id: sub.subscription.id }, await h.as(['ADMIN']));
    expect(byAdmin.body.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      rule: 'OWNER_MUST_ACTIVATE',
    });
    // The owner, now a SUBMITTER, activates it: from now on only events of what they own.
    const demoted = await h.as(['SUBMITTER'], ownerId);
    expect(
      (await h.gql(activate, { id: sub.subscription.id }, demoted)).body.data.updateWebhookSubscription,
    ).toEqual({
      status: 'ACTIVE',
    });
    const [row] = await h.sql<{ owner_reads_all: boolean }>(
      'SELECT owner_reads_all FROM webhook_subscription WHERE id = $1',
      [sub.subscription.id],
    );
    expect(row?.owner_reads_all).toBe(false);
  });

  it('bounds subscriptions per owner and event types per subscription', async () => {
    const user = await h.as(['VIEWER']);
    const url = `http://localhost:${port}/bounded`;
    for (let i = 0; i < 3; i++) await subscribe(user, url, ['file.uploaded']);
    const fourth = await h.gql(CREATE, { i: { url, eventTypes: ['file.uploaded'] } }, user);
    expect(fourth.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'SUBSCRIPTION_LIMIT',
    });
    const other = await h.as(['VIEWER']);
    for (const eventTypes of [[], Array.from({ length: 51 }, () => 'file.uploaded')]) {
      const { body } = await h.gql(CREATE, { i: { url, eventTypes } }, other);
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'eventTypes',
        rule: 'LIST_SIZE',
      });
    }
    const long = await h.gql(
      CREATE,
      { i: { url: `${url}?${'x'.repeat(2100)}`, eventTypes: ['file.uploaded'] } },
      other,
    );
    expect(long.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'TEXT_LENGTH' });
  });
});

describe('webhook addresses (no SSRF)', () => {
  it('refuses loopback, private and metadata addresses at subscribe time unless allowed', async () => {
    const staff = await h.as(['STAFF']);
    dns.set('internal.test', '10.1.2.3');
    for (const [url, rule] of [
      [`http://127.0.0.1:${port}/x`, 'ADDRESS_FORBIDDEN'],
      [`http://[::1]:${port}/x`, 'ADDRESS_FORBIDDEN'],
      ['http://169.254.169.254/latest/meta-data', 'ADDRESS_FORBIDDEN'],
      ['http://internal.test/hook', 'ADDRESS_FORBIDDEN'],
      ['http://nowhere.test/hook', 'HOST_UNRESOLVED'],
      ['ftp://localhost/hook', 'URL_SCHEME'],
      [`http://user:pw@localhost:${port}/x`, 'URL_INVALID'],
    ]) {
      const { body } = await h.gql(CREATE, { i: { url, eventTypes: ['file.uploaded'] } }, staff);
      expect(body.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url', rule });
    }
    const { body } = await h.gql(
      CREATE,
      { i: { url: `http://localhost:${port}/x`, eventTypes: ['user.login_failed'] } },
      staff,
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'EVENT_TYPE' });
    const rows = await h.sql(`SELECT url FROM webhook_subscription WHERE url NOT LIKE 'http://localhost:%'`);
    expect(rows).toEqual([]);
  });

  it('refuses at delivery time a host that now resolves to a loopback address (DNS rebinding)', async () => {
    const staff = await h.as(['STAFF']);
    dns.set('rebind.test', '93.184.216.34');
    const sub = await subscribe(staff, `http://rebind.test:${port}/rebind`, ['run.created']);
    dns.set('rebind.test', '127.0.0.1');
    await h.ingest([wireEvent({ type: 'run.created', entityType: 'Run', service: 'samples' })], {
      service: 'samples',
    });
    const log = await eventually(
      async () => {
        const l = await deliveryLog(sub.subscription.id, staff);
        return l.deliveries.edges[0]?.node.attempts >= 1 && l;
      },
      { what: 'an attempt' },
    );
    expect(log.deliveries.edges[0].node.attemptLog[0]).toMatchObject({ statusCode: null });
    expect(log.deliveries.edges[0].node.attemptLog[0].error).toMatch(/^address refused: .*127\.0\.0\.1/);
    expect(at('/rebind')).toEqual([]);
  });
});
