// Test support for the auth subgraph's own tests: a subgraph on a fresh database, a movable clock, GraphQL over
// real HTTP. (Stack-level tests through the router live in test/.)
import { randomBytes } from 'node:crypto';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { post, type GraphQLResponse } from '../../test/helpers/graphql.ts';
import { createLogger } from '../kit/logger.ts';
import type { RunningServer } from '../kit/server.ts';
import { loadAuthConfig } from './config.ts';
import { hashPassword } from './password.ts';
import { createAuthSubgraph, type AuthSubgraph, type AuthSubgraphDeps } from './server.ts';

export const PASSWORD = 'correct horse battery staple';

export interface AuthHarness {
  db: TestDatabase;
  /** The key-encryption key of this run (AUTH_KEY_ENCRYPTION_KEY, base64), unless the test passed one. */
  kek: string;
  auth: AuthSubgraph;
  server: RunningServer;
  url: string;
  /** Moves the injected clock. */
  advance(seconds: number): void;
  now(): Date;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  /** Creates a user directly in the database. */
  createUser(
    email: string,
    roles: Role[],
    options?: { active?: boolean; password?: string },
  ): Promise<string>;
  /** Logs in over GraphQL and returns the payload (throws on errors). */
  login(
    email: string,
    password?: string,
  ): Promise<{ accessToken: string; refreshToken: string; user: { id: string } }>;
  /** Every outbox event, oldest first. */
  events(): Promise<
    {
      type: string;
      entityType: string;
      entityId: string;
      actorId: string | null;
      changes: unknown;
      payload: unknown;
      requestId: string | null;
    }[]
  >;
  close(): Promise<void>;
}

export async function startAuthHarness(
  env: Record<string, string> = {},
  options: AuthSubgraphDeps & { db?: TestDatabase } = {},
): Promise<AuthHarness> {
  const db = options.db ?? (await createTestDatabase('auth'));
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const kek = env.AUTH_KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64');
  const config = loadAuthConfig({
    AUTH_DATABASE_URL: db.url,
    ADMIN_PASSWORD: 'bootstrap operator passphrase',
    ...env,
    AUTH_KEY_ENCRYPTION_KEY: kek,
  });
  const auth = await createAuthSubgraph(config, {
    now,
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    print: () => {},
    skipBootstrap: true,
    ...options,
  });
  const server = await auth.listen(0, '127.0.0.1');
  const gql: AuthHarness['gql'] = (query, variables, headers) =>
    post(`${server.url}/graphql`, query, variables, headers);
  return {
    db,
    kek,
    auth,
    server,
    url: server.url,
    now,
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    gql,
    async createUser(email, roles, { active = true, password = PASSWORD } = {}) {
      const user = await auth.prisma.user.create({
        data: {
          email,
          name: email.split('@')[0] ?? email,
          roles,
          active,
          passwordHash: await hashPassword(password),
        },
      });
      return user.id;
    },
    async login(email, password = PASSWORD) {
      const { body } = await gql(
        'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken user { id } } }',
        { e: email, p: password },
      );
      if (body.errors) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
      return body.data.login;
    },
    events: () => auth.prisma.outboxEvent.findMany({ orderBy: { occurredAt: 'asc' } }),
    async close() {
      await server.close();
      await auth.close();
      if (!options.db) await db.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
