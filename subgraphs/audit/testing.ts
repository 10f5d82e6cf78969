// Test support for the audit subgraph's own tests: a subgraph on a fresh database, real JWTs from a test signer,
// signed ingestion over real HTTP, a movable clock, and a superuser SQL connection for tampering.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { bearerFor } from '../../test/helpers/bearer.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { post, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { createLogger } from '../kit/logger.ts';
import { INGEST_PATH, type WireEvent } from '../kit/outbox-wire.ts';
import type { RunningServer } from '../kit/server.ts';
import { signServiceRequest } from '../kit/service-auth.ts';
import { createTestSigner, type TestSigner } from '../kit/testing.ts';
import { loadAuditConfig } from './config.ts';
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

export interface AuditHarness {
  db: TestDatabase;
  audit: AuditSubgraph;
  server: RunningServer;
  url: string;
  signer: TestSigner;
  /** Moves the injected clock. */
  advanceDays(days: number): void;
  /** A bearer header for a user with these roles (scopes as the auth subgraph derives them). */
  as(roles: Role[], userId?: string): Promise<Record<string, string>>;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
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
  /** Runs SQL as the database superuser (triggers still apply unless the statement disables them). */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startAuditHarness(
  env: Record<string, string> = {},
  options: AuditSubgraphDeps = {},
): Promise<AuditHarness> {
  const db = await createTestDatabase('audit');
  const signer = await createTestSigner();
  let offsetMs = 0;
  const config = loadAuditConfig({
    AUDIT_DATABASE_URL: db.url,
    OUTBOX_RELAY_SECRET: RELAY_SECRET,
    AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
    // Tests sign on demand (chain.checkpoint()); a timer firing mid-test would make results depend on timing.
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: '3600',
    ...env,
  });
  const audit = await createAuditSubgraph(config, {
    now: () => new Date(Date.now() + offsetMs),
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth: signer.auth,
    ...options,
  });
  const server = await audit.listen(0, '127.0.0.1');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  return {
    db,
    audit,
    server,
    url: server.url,
    signer,
    advanceDays(days) {
      offsetMs += days * 24 * 3600 * 1000;
    },
    as: (roles, userId) => bearerFor(signer, roles, userId),
    gql: (query, variables, headers) => post(`${server.url}/graphql`, query, variables, headers),
    async ingest(events, opts = {}) {
      const body = opts.body ?? JSON.stringify({ events });
      const authorization = signServiceRequest({
        secret: opts.secret ?? RELAY_SECRET,
        service: opts.service ?? 'auth',
        body,
        now: opts.now,
      });
      const res = await fetch(`${server.url}${INGEST_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization, ...opts.headers },
        body,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async sql(text, values) {
      return (await client.query(text, values)).rows;
    },
    async close() {
      await client.end();
      await server.close();
      await audit.close();
      await db.drop();
    },
  };
}
