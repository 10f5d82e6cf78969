// The webhook dispatcher: delivers the queued webhook_delivery rows at least once. Each round claims due rows
// of active subscriptions with a lease (FOR UPDATE SKIP LOCKED, so replicas share the work and never send one
// row at the same time; a crashed sender's lease runs out and another takes the row), POSTs each event signed
// with its subscription's secret, and records the attempt: DELIVERED on a 2xx, otherwise another attempt after
// an exponential backoff with jitter, until AUDIT_WEBHOOK_MAX_ATTEMPTS or AUDIT_WEBHOOK_MAX_AGE_SECONDS make it
// FAILED. A subscription whose deliveries keep failing is DISABLED (recorded in the log as
// webhook.subscription_disabled). Every connection goes to an address checked by webhook-address.ts.
import type { Registry } from 'prom-client';
import { appendInTransaction, ownAuditEvent } from './chain.service.ts';
import type { WebhookConfig } from './config.ts';
import type { AuditDeps } from './deps.ts';
import { RECORD_COLUMNS, type AuditEventRecord } from './record.ts';
import type { Lookup } from './webhook-address.ts';
import { createWebhookMetrics } from './webhook-metrics.ts';
import { decryptSecret, signatureHeader } from './webhook-secret.ts';
import {
  backoffMs,
  deliveryBody,
  idempotencyKey,
  postWebhook,
  USER_AGENT,
  type AttemptResult,
} from './webhook-send.ts';

interface Claimed {
  id: bigint;
  subscriptionId: string;
  eventSequence: bigint;
  eventId: string;
  attempts: number;
  createdAt: Date;
  leaseUntil: Date;
}

export interface WebhookDispatcher {
  start(): void;
  stop(): Promise<void>;
  /** Look for due deliveries now (after events were stored). */
  notify(): void;
  /** One round: claims due deliveries and attempts them; returns how many were attempted. */
  runOnce(): Promise<number>;
}

export function createWebhookDispatcher(
  deps: AuditDeps,
  config: WebhookConfig,
  registry: Registry,
  options: { lookup?: Lookup; random?: () => number } = {},
): WebhookDispatcher {
  const { prisma, log } = deps;
  const metrics = createWebhookMetrics(registry, prisma);
  const leaseMs = config.timeoutMs * 2 + 5000;

  async function claim(now: Date): Promise<Claimed[]> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const rows = await prisma.$queryRaw<Claimed[]>`
      UPDATE webhook_delivery d SET lease_until = ${leaseUntil}
      WHERE d.id IN (
        SELECT d2.id FROM webhook_delivery d2
        JOIN webhook_subscription s ON s.id = d2.subscription_id AND s.status = 'ACTIVE'
        WHERE d2.status = 'PENDING' AND d2.next_attempt_at <= ${now}
          AND (d2.lease_until IS NULL OR d2.lease_until < ${now})
        ORDER BY d2.next_attempt_at, d2.id
        LIMIT ${Math.max(1, config.concurrency)}
        FOR UPDATE OF d2 SKIP LOCKED)
      RETURNING d.id, d.subscription_id::text AS "subscriptionId", d.event_sequence AS "eventSequence",
        d.event_id::text AS "eventId", d.attempts, d.created_at AS "createdAt", d.lease_until AS "leaseUntil"`;
    return rows;
  }

  async function attempt(delivery: Claimed): Promise<void> {
    const [sub, events] = await Promise.all([
      prisma.webhookSubscription.findUnique({ where: { id: delivery.subscriptionId } }),
      prisma.$queryRaw<AuditEventRecord[]>`
        SELECT ${RECORD_COLUMNS} FROM audit_event WHERE sequence = ${delivery.eventSequence}`,
    ]);
    if (!sub) return; // deleted meanwhile: its deliveries went with it
    const event = events[0];
    const startedAt = deps.now();
    const number = delivery.attempts + 1;
    let result: AttemptResult;
    let final = false;
    if (!event) {
      result = {
        statusCode: null,
        error: 'the event is no longer in the audit log (purged)',
        durationMs: 0,
        address: null,
      };
      final = true;
    } else if (startedAt.getTime() - delivery.createdAt.getTime() > config.maxAgeSeconds * 1000) {
      result = {
        statusCode: null,
        error: 'expired: older than AUDIT_WEBHOOK_MAX_AGE_SECONDS',
        durationMs: 0,
        address: null,
      };
      final = true;
    } else {
      let secret: string | null = null;
      try {
        secret = decryptSecret(config.secretKey, sub.id, sub.secretCiphertext);
      } catch {
        result = {
          statusCode: null,
          error: 'the signing secret cannot be opened (AUDIT_WEBHOOK_SECRET_KEY changed?): rotate it',
          durationMs: 0,
          address: null,
        };
      }
      if (secret !== null) {
        const body = deliveryBody(event, sub.id);
        const timestamp = Math.floor(Date.now() / 1000);
        const key = idempotencyKey(event.eventId, sub.id);
        const end = metrics.duration.startTimer();
        result = await postWebhook(
          new URL(sub.url),
          body,
          {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'idempotency-key': key,
            'x-webhook-id': key,
            'x-webhook-event': event.type,
            'x-webhook-timestamp': String(timestamp),
            'x-webhook-signature': signatureHeader(secret, timestamp, body),
            'x-webhook-attempt': String(number),
          },
          { policy: config.addresses, timeoutMs: config.timeoutMs, lookup: options.lookup },
        );
        end();
        if (result.error?.startsWith('address ')) metrics.refused.inc();
      }
    }
    await recordAttempt(delivery, sub.id, number, startedAt, result!, final);
  }

  async function recordAttempt(
    delivery: Claimed,
    subscriptionId: string,
    number: number,
    startedAt: Date,
    result: AttemptResult,
    forceFinal: boolean,
  ): Promise<void> {
    const now = deps.now();
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const wait = backoffMs(number, config.backoffBaseMs, config.backoffMaxMs, options.random);
    const next = new Date(now.getTime() + wait);
    const expired = next.getTime() - delivery.createdAt.getTime() > config.maxAgeSeconds * 1000;
    const failed = !ok && (forceFinal || number >= config.maxAttempts || expired);
    const outcome = ok ? 'delivered' : failed ? 'failed' : 'retry';
    const disabled = await prisma.$transaction(async (tx) => {
      // Still ours: the lease was not taken over (it ran out while we waited on a slow receiver).
      const updated = await tx.webhookDelivery.updateMany({
        where: { id: delivery.id, status: 'PENDING', leaseUntil: delivery.leaseUntil },
        data: {
          attempts: number,
          lastStatusCode: result.statusCode,
          lastDurationMs: result.durationMs,
          lastError: result.error,
          leaseUntil: null,
          ...(ok
            ? { status: 'DELIVERED', completedAt: now }
            : failed
              ? { status: 'FAILED', completedAt: now }
              : { nextAttemptAt: next }),
        },
      });
      if (!updated.count) return false;
      await tx.webhookDeliveryAttempt.create({
        data: {
          deliveryId: delivery.id,
          attempt: number,
          startedAt,
          durationMs: result.durationMs,
          statusCode: result.statusCode,
          error: result.error,
        },
      });
      if (ok) {
        await tx.webhookSubscription.update({
          where: { id: subscriptionId },
          data: { consecutiveFailures: 0, failingSince: null, lastSuccessAt: now },
        });
        return false;
      }
      const [sub] = await tx.$queryRaw<
        { status: string; ownerId: string; consecutiveFailures: number; failingSince: Date }[]
      >`
        UPDATE webhook_subscription
        SET consecutive_failures = consecutive_failures + ${failed ? 1 : 0},
          failing_since = coalesce(failing_since, ${startedAt})
        WHERE id = ${subscriptionId}::uuid
        RETURNING status, owner_id AS "ownerId", consecutive_failures AS "consecutiveFailures",
          failing_since AS "failingSince"`;
      if (!sub || sub.status !== 'ACTIVE') return false;
      const tooMany = sub.consecutiveFailures >= config.disableAfterFailures;
      const tooLong = now.getTime() - sub.failingSince.getTime() >= config.disableAfterSeconds * 1000;
      if (!tooMany && !tooLong) return false;
      const reason = tooMany
        ? `${sub.consecutiveFailures} deliveries in a row failed`
        : `failing since ${sub.failingSince.toISOString()}`;
      await tx.webhookSubscription.update({
        where: { id: subscriptionId },
        data: { status: 'DISABLED', statusReason: reason, statusChangedAt: now, updatedAt: now },
      });
      await appendInTransaction(
        tx,
        deps,
        [
          ownAuditEvent({
            type: 'webhook.subscription_disabled',
            entityType: 'WebhookSubscription',
            entityId: subscriptionId,
            ownerId: sub.ownerId,
            occurredAt: now,
            changes: { status: { from: 'ACTIVE', to: 'DISABLED' } },
            payload: { reason, lastError: result.error },
          }),
        ],
        now,
      );
      return true;
    });
    metrics.deliveries.inc({ outcome });
    if (disabled) {
      metrics.disabled.inc();
      log.warn(
        { subscriptionId, lastError: result.error },
        'webhook subscription disabled after persistent failure',
      );
    } else if (!ok) {
      log.info(
        { subscriptionId, deliveryId: String(delivery.id), attempt: number, error: result.error },
        'webhook delivery failed',
      );
    }
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim(deps.now());
    await Promise.all(
      claimed.map((d) =>
        attempt(d).catch((error: unknown) =>
          log.error({ err: error, deliveryId: String(d.id) }, 'webhook delivery could not be recorded'),
        ),
      ),
    );
    return claimed.length;
  }

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function run(): Promise<void> {
    while (running) {
      let attempted = 0;
      try {
        attempted = await runOnce();
      } catch (error) {
        log.error({ err: error }, 'webhook dispatcher round failed');
      }
      if (!running) break;
      // A full round: more may be due at once.
      if (attempted >= config.concurrency) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, config.pollMs);
      });
      wake = undefined;
    }
  }

  return {
    start() {
      if (running || config.concurrency === 0) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
    notify() {
      clearTimeout(timer);
      wake?.();
    },
    runOnce,
  };
}
