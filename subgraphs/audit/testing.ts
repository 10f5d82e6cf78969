// Test support for the audit subgraph's own tests: the shared subgraph harness, with signed ingestion over real
// HTTP and valid wire events.
import { randomBytes, randomUUID } from 'node:crypto';
import { startSubgraphHarness, type SubgraphHarness } from '../../test/helpers/subgraph-harness.ts';
import { INGEST_PATH, type WireEvent } from '../kit/outbox-wire.ts';
import { signServiceRequest } from '../kit/service-auth.ts';
import { loadAuditConfig } from './config.ts';
import type { NewAuditEvent } from './chain.service.ts';
import { createAuditSubgraph, type AuditSubgraph, type AuditSubgraphDeps } from './server.ts';

export const RELAY_SECRET = 'a relay secret of at least 32 characters!';

// Tests inspect arbitrary response shapes.
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface IngestResponse {
  status: number;
  body: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A valid wire event; override any field. */
export function wireEvent(overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    id: randomUUID(),
    type: 'user.updated',
    entityType: 'User',
    entityId: randomUUID(),
    ownerId: null,
    actor: { userId: randomUUID(), roles: ['ADMIN'] },
    service: 'auth',
    requestId: randomUUID(),
    occurredAt: new Date().toISOString(),
    sequence: 1,
    changes: { name: { from: 'Old', to: 'New' } },
    payload: null,
    ...overrides,
  };
}

/** An event as the chain service appends it (past ingestion): for tests that append directly. */
export function newAuditEvent(): NewAuditEvent {
  return {
    eventId: randomUUID(),
    type: 'user.updated',
    entityType: 'User',
    entityId: randomUUID(),
    ownerId: null,
    actorId: null,
    actorRoles: [],
    service: 'auth',
    requestId: null,
    occurredAt: new Date(),
    changes: {},
    payload: null,
    sourceSequence: null,
    truncated: false,
    fullContentSha256: null,
  };
}

export interface AuditHarness extends SubgraphHarness<AuditSubgraph> {
  /** POSTs a signed batch (or `body` as given); `service` signs as that service. */
  ingest(
    events: unknown[],
    options?: {
      service?: string;
      secret?: string;
      body?: string;
      headers?: Record<string, string>;
      now?: number;
    },
  ): Promise<IngestResponse>;
}

export async function startAuditHarness(
  env: Record<string, string> = {},
  options: AuditSubgraphDeps = {},
): Promise<AuditHarness> {
  const h = await startSubgraphHarness({
    domain: 'audit',
    env: {
      OUTBOX_RELAY_SECRET: RELAY_SECRET,
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
      // Tests sign on demand (chain.checkpoint()); a timer firing mid-test would make results depend on timing.
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '3600',
      ...env,
    },
    start: (env, deps) => createAuditSubgraph(loadAuditConfig(env), { ...deps, ...options }),
  });
  return {
    ...h,
    async ingest(events, opts = {}) {
      const body = opts.body ?? JSON.stringify({ events });
      const authorization = signServiceRequest({
        secret: opts.secret ?? RELAY_SECRET,
        service: opts.service ?? 'auth',
        body,
        now: opts.now,
      });
      const res = await fetch(`${h.url}${INGEST_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization, ...opts.headers },
        body,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}
