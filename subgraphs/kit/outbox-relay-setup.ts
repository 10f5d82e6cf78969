// What every subgraph with an outbox shares about its relay: the three variables that turn audit delivery on,
// and starting the relay next to the subgraph (woken by each mutation rather than waiting for its next poll).
import type { ApolloServerPlugin } from '@apollo/server';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { env } from './config.ts';
import type { Logger } from './logger.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
import { INGEST_PATH, MAX_BATCH_EVENTS } from './outbox-wire.ts';
import { MIN_SERVICE_SECRET_LENGTH } from './service-auth.ts';

/** Spread into a subgraph's config schema: `z.object({ ...outboxRelayVariables, ... })`. */
export const outboxRelayVariables = {
  /**
   * Shared with the audit subgraph: signs the outbox relay's deliveries (kit/service-auth.ts). At least 32
   * characters; no default. With AUDIT_INGEST_URL it turns audit delivery on.
   */
  OUTBOX_RELAY_SECRET: z
    .string()
    .min(MIN_SERVICE_SECRET_LENGTH, { message: `must be at least ${MIN_SERVICE_SECRET_LENGTH} characters` })
    .optional(),
  /**
   * Where the outbox relay delivers events: the audit subgraph's ingestion URL, or just its origin (the path
   * /internal/audit/events is then added). Default none: delivery off, events accumulate in the outbox.
   */
  AUDIT_INGEST_URL: env.httpUrl().optional(),
  /** Events per delivery; default 100, at most 500 (the receiver's limit). Larger batches catch up faster. */
  OUTBOX_RELAY_BATCH_SIZE: env.positiveInt(100).pipe(z.number().max(MAX_BATCH_EVENTS)),
};

interface RelayVariables {
  OUTBOX_RELAY_SECRET?: string;
  AUDIT_INGEST_URL?: string;
  OUTBOX_RELAY_BATCH_SIZE: number;
}

/**
 * For the schema's superRefine: a receiver without a credential is a half-done setup, so say so rather than
 * silently not deliver. (The secret alone is fine: it may be set for every process while this one runs
 * without an audit subgraph.)
 */
export function checkOutboxRelayVariables(v: RelayVariables, ctx: z.RefinementCtx): void {
  if (v.AUDIT_INGEST_URL && !v.OUTBOX_RELAY_SECRET) {
    ctx.addIssue({
      code: 'custom',
      path: ['OUTBOX_RELAY_SECRET'],
      message: 'required when AUDIT_INGEST_URL is set',
    });
  }
}

export interface OutboxRelayConfig {
  secret: string;
  ingestUrl: string;
  batchSize: number;
}

/** Outbox delivery to the audit subgraph; undefined when off (events accumulate in the outbox). */
export function toOutboxRelayConfig(v: RelayVariables): OutboxRelayConfig | undefined {
  if (!v.OUTBOX_RELAY_SECRET || !v.AUDIT_INGEST_URL) return undefined;
  const url = new URL(v.AUDIT_INGEST_URL);
  if (url.pathname === '/') url.pathname = INGEST_PATH;
  return { secret: v.OUTBOX_RELAY_SECRET, ingestUrl: url.toString(), batchSize: v.OUTBOX_RELAY_BATCH_SIZE };
}

export interface SubgraphRelayOptions {
  config: OutboxRelayConfig | undefined;
  databaseUrl: string;
  service: string;
  registry: Registry;
  log: Logger;
  now: () => Date;
  /** Tests: poll interval, backoff. */
  overrides?: Partial<OutboxRelayOptions>;
}

/** Starts the relay, or logs that delivery is off and returns undefined. */
export function startSubgraphRelay(options: SubgraphRelayOptions): OutboxRelay | undefined {
  const { config, log } = options;
  if (!config) {
    log.info('outbox relay: audit delivery is off (AUDIT_INGEST_URL not set), events stay in the outbox');
    return undefined;
  }
  const relay = createOutboxRelay({
    databaseUrl: options.databaseUrl,
    service: options.service,
    ingestUrl: config.ingestUrl,
    secret: config.secret,
    batchSize: config.batchSize,
    registry: options.registry,
    logger: log,
    now: options.now,
    ...options.overrides,
  });
  relay.start();
  return relay;
}

/** Mutations are what record events: wakes the relays when one is done, rather than wait for their next poll. */
export function notifyRelaysAfterMutations<T extends object>(
  getRelays: () => readonly OutboxRelay[],
): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation === 'mutation') for (const relay of getRelays()) relay.notify();
        },
      };
    },
  };
}
