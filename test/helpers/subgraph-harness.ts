// One subgraph on a fresh test database for that subgraph's own tests: real JWTs from a test signer, GraphQL over
// real HTTP, a movable clock, superuser SQL, the outbox and the query count. Each domain's testing.ts says how its
// subgraph is built (config loader, create function, extra options) and adds what only that domain needs.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { scopesForRoles } from '../../subgraphs/auth/scopes.ts';
import { createLogger, type Logger } from '../../subgraphs/kit/logger.ts';
import type { RunningServer } from '../../subgraphs/kit/server.ts';
import { createTestSigner, type TestSigner } from '../../subgraphs/kit/testing.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { post, type GraphQLResponse } from './graphql.ts';
import { readQueryCount } from './metrics.ts';

/** What every create<Domain>Subgraph returns. */
export interface Subgraph {
  listen(port?: number, host?: string): Promise<RunningServer>;
  close(): Promise<void>;
}

/** What the harness gives the subgraph it builds. */
export interface HarnessDeps {
  now: () => Date;
  log: Logger;
  auth: TestSigner['auth'];
}

export interface HarnessSpec<S extends Subgraph> {
  /** The test database's template, and <DOMAIN>_DATABASE_URL in the environment `start` receives. */
  domain: string;
  /** Builds the subgraph from `env` (the database URL over the overrides) and the harness's dependencies. */
  start(env: Record<string, string>, deps: HarnessDeps): Promise<S>;
  env?: Record<string, string>;
  /** A database to use instead of a fresh one; left in place on close. */
  db?: TestDatabase;
  /** Share one signer between subgraphs that verify the same tokens. */
  signer?: TestSigner;
  /** Default 0 (any free port). */
  port?: number;
}

/** An outbox row. */
export interface OutboxEvent {
  id: string;
  type: string;
  entityType: string;
  entityId: string;
  ownerId: string | null;
  actorId: string | null;
  requestId: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  payload: Record<string, unknown> | null;
}

export interface SubgraphHarness<S extends Subgraph> {
  subgraph: S;
  db: TestDatabase;
  url: string;
  signer: TestSigner;
  /** The injected clock; it runs with the system clock from wherever it was set. */
  now(): Date;
  setNow(date: Date): void;
  advance(seconds: number): void;
  /** A bearer header for a user with these roles (scopes as the auth subgraph derives them). */
  as(roles: Role[], userId?: string): Promise<Record<string, string>>;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  /** SQL as the database superuser (triggers still apply unless the statement disables them). */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /** The outbox (of one entity, when given), in delivery order; every subgraph but audit has one. */
  events(entityId?: string): Promise<OutboxEvent[]>;
  /** db_queries_total of the subgraph's /metrics: SQL statements sent so far. */
  queryCount(): Promise<number>;
  close(): Promise<void>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function startSubgraphHarness<S extends Subgraph>(
  spec: HarnessSpec<S>,
): Promise<SubgraphHarness<S>> {
  const db = spec.db ?? (await createTestDatabase(spec.domain));
  const signer = spec.signer ?? (await createTestSigner());
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const subgraph = await spec.start(
    { [`${spec.domain.toUpperCase()}_DATABASE_URL`]: db.url, ...spec.env },
    { now, log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), auth: signer.auth },
  );
  const server = await subgraph.listen(spec.port ?? 0, '127.0.0.1');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const sql: SubgraphHarness<S>['sql'] = async (text, values) => (await client.query(text, values)).rows;

  return {
    subgraph,
    db,
    url: server.url,
    signer,
    now,
    setNow(date) {
      offsetMs = date.getTime() - Date.now();
    },
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    async as(roles, userId = randomUUID()) {
      return bearer(await signer.sign({ userId, roles, scopes: scopesForRoles(roles) }));
    },
    gql: (query, variables, headers) => post(`${server.url}/graphql`, query, variables, headers),
    sql,
    events: (entityId) =>
      sql<OutboxEvent>(
        `SELECT id, type, entity_type AS "entityType", entity_id AS "entityId", owner_id AS "ownerId",
                actor_id AS "actorId", request_id AS "requestId", changes, payload
           FROM outbox_event WHERE $1::text IS NULL OR entity_id = $1 ORDER BY sequence`,
        [entityId ?? null],
      ),
    queryCount: () => readQueryCount(server.url),
    async close() {
      await client.end();
      await server.close();
      await subgraph.close();
      if (!spec.db) await db.drop();
    },
  };
}
