// Test support for the samples subgraph's own tests: a subgraph on a fresh database, real JWTs from a test
// signer over real HTTP, a movable clock, and a superuser SQL connection for seeding and inspection.
import pg from 'pg';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { bearerFor } from '../../test/helpers/bearer.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { post, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { createLogger } from '../kit/logger.ts';
import type { RunningServer } from '../kit/server.ts';
import { createTestSigner, type TestSigner } from '../kit/testing.ts';
import { loadSamplesConfig } from './config.ts';
import { createSamplesSubgraph, type SamplesSubgraph, type SamplesSubgraphDeps } from './server.ts';

export interface SamplesHarness {
  db: TestDatabase;
  samples: SamplesSubgraph;
  server: RunningServer;
  url: string;
  signer: TestSigner;
  /** The injected clock's current time. */
  now(): Date;
  /** Sets the injected clock (null: follow the system clock again, from its current offset). */
  setNow(date: Date): void;
  advanceHours(hours: number): void;
  /** A bearer header for a user with these roles (scopes as the auth subgraph derives them). */
  as(roles: Role[], userId?: string): Promise<Record<string, string>>;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  /** db_queries_total of the subgraph's /metrics: SQL statements sent so far. */
  queryCount(): Promise<number>;
  /** Runs SQL as the database superuser. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startSamplesHarness(
  env: Record<string, string> = {},
  options: SamplesSubgraphDeps = {},
): Promise<SamplesHarness> {
  const db = await createTestDatabase('samples');
  const signer = await createTestSigner();
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const samples = await createSamplesSubgraph(loadSamplesConfig({ SAMPLES_DATABASE_URL: db.url, ...env }), {
    now,
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth: signer.auth,
    ...options,
  });
  const server = await samples.listen(0, '127.0.0.1');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  return {
    db,
    samples,
    server,
    url: server.url,
    signer,
    now,
    setNow(date) {
      offsetMs = date.getTime() - Date.now();
    },
    advanceHours(hours) {
      offsetMs += hours * 3_600_000;
    },
    as: (roles, userId) => bearerFor(signer, roles, userId),
    gql: (query, variables, headers) => post(`${server.url}/graphql`, query, variables, headers),
    queryCount: () => readQueryCount(server.url),
    async sql(text, values) {
      return (await client.query(text, values)).rows;
    },
    async close() {
      await client.end();
      await server.close();
      await samples.close();
      await db.drop();
    },
  };
}

/** db_queries_total from a samples subgraph's /metrics (also used through the whole stack). */
export async function readQueryCount(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^db_queries_total(?:\{[^}]*\})? (\d+)/m.exec(text);
  if (!match) throw new Error('db_queries_total not found in /metrics');
  return Number(match[1]);
}
