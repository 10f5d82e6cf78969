// Test support for the auth subgraph's own tests: the shared subgraph harness, with users made in the database and
// logins over GraphQL. (Stack-level tests through the router live in test/.)
import { randomBytes } from 'node:crypto';
import type { Role } from '../../generated/prisma/auth/client.ts';
import type { TestDatabase } from '../../test/helpers/database.ts';
import { startSubgraphHarness, type SubgraphHarness } from '../../test/helpers/subgraph-harness.ts';
import { loadAuthConfig } from './config.ts';
import { hashPassword } from './password.ts';
import { createAuthSubgraph, type AuthSubgraph, type AuthSubgraphDeps } from './server.ts';

export const PASSWORD = 'correct horse battery staple';

export interface AuthHarness extends SubgraphHarness<AuthSubgraph> {
  /** The key-encryption key of this run (AUTH_KEY_ENCRYPTION_KEY, base64), unless the test passed one. */
  kek: string;
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
}

export async function startAuthHarness(
  env: Record<string, string> = {},
  { db, ...options }: AuthSubgraphDeps & { db?: TestDatabase } = {},
): Promise<AuthHarness> {
  const kek = env.AUTH_KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64');
  const h = await startSubgraphHarness({
    domain: 'auth',
    db,
    env: { ADMIN_PASSWORD: 'bootstrap operator passphrase', ...env, AUTH_KEY_ENCRYPTION_KEY: kek },
    // The auth subgraph signs its own tokens: it takes no verifier.
    start: (env, { now, log }) =>
      createAuthSubgraph(loadAuthConfig(env), { now, log, print: () => {}, skipBootstrap: true, ...options }),
  });
  return {
    ...h,
    kek,
    async createUser(email, roles, { active = true, password = PASSWORD } = {}) {
      const user = await h.subgraph.prisma.user.create({
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
      const { body } = await h.gql(
        'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken user { id } } }',
        { e: email, p: password },
      );
      if (body.errors) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
      return body.data.login;
    },
  };
}
