// The outbox and the audit trail under faults, with the real auth and audit subgraphs, real PostgreSQL and
// real HTTP: the audit subgraph down, a relay killed mid-batch, two relays at once, a tampered row.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { subgraphs, wireSettings, type RunningProcess } from '../../scripts/stack.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { sql } from '../helpers/sql.ts';
import { eventually } from '../helpers/eventually.ts';

const admin = { email: 'admin@lab.test', password: randomBytes(18).toString('base64url') };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Fresh auth and audit databases and the settings that wire the two subgraphs together on free ports. */
async function setUp() {
  const [authDb, auditDb]: TestDatabase[] = await Promise.all([
    createTestDatabase('auth'),
    createTestDatabase('audit'),
  ]);
  cleanup.push(
    () => authDb!.drop(),
    () => auditDb!.drop(),
  );
  const env = await wireSettings({
    databaseUrls: { auth: authDb!.url, audit: auditDb!.url },
    env: { ...process.env, LOG_LEVEL: 'silent', ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
    subgraphPort: () => 0,
  });
  const start = async (name: 'auth' | 'audit'): Promise<RunningProcess> => {
    const running = await subgraphs[name]!(env);
    cleanup.push(() => running.close());
    return running;
  };
  return { authDb: authDb!.url, auditDb: auditDb!.url, env, start };
}

/** Logs in at `url` (a subgraph or the router) and returns the access token. */
async function adminToken(url: string, credentials = admin): Promise<string> {
  const { body } = await post(
    url,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: credentials.email, p: credentials.password },
  );
  return body.data!.login.accessToken;
}

/** `count` renames spread over `users` users: auditable changes, each one outbox event. */
async function makeChanges(authUrl: string, count: number, users = 10): Promise<void> {
  const token = await adminToken(authUrl);
  const headers = { authorization: `Bearer ${token}` };
  const ids: string[] = [];
  for (let i = 0; i < users; i++) {
    const { body } = await post(
      authUrl,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      {
        input: {
          email: `user${i}-${randomBytes(3).toString('hex')}@lab.test`,
          name: 'v0',
          roles: ['STAFF'],
          password: 'a long enough password',
        },
      },
      headers,
    );
    ids.push(body.data!.createUser.id);
  }
  const rename = async (i: number) => {
    const { body } = await post(
      authUrl,
      'mutation($id: ID!, $name: String!) { updateUser(id: $id, input: { name: $name }) { id } }',
      { id: ids[i % users], name: `v${Math.floor(i / users) + 1}` },
      headers,
    );
    expect(body.errors).toBeUndefined();
  };
  // Per user the renames are sequential (v1, v2, ...), so the per-entity order is known.
  await Promise.all(
    ids.map(async (_, u) => {
      for (let i = u; i < count; i += users) await rename(i);
    }),
  );
}

/** The audit subgraph's `audit_events_ingested_total{outcome}` (0 when the series does not exist yet). */
function ingested(metrics: string, outcome: string): number {
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('audit_events_ingested_total{') && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const pendingCount = async (authDb: string) =>
  Number(
    (
      await sql<{ n: string }>(authDb, 'SELECT count(*) AS n FROM outbox_event WHERE delivered_at IS NULL')
    )[0]!.n,
  );

/** Every outbox event is in the audit log exactly once, and per entity in the outbox's order. */
async function expectAllStoredOnceInOrder(authDb: string, auditDb: string): Promise<number> {
  const outbox = await sql<{ id: string; sequence: string }>(
    authDb,
    'SELECT id, sequence FROM outbox_event ORDER BY sequence',
  );
  const stored = await sql<{
    event_id: string;
    entity_type: string;
    entity_id: string;
    source_sequence: string;
  }>(
    auditDb,
    `SELECT event_id, entity_type, entity_id, source_sequence FROM audit_event WHERE service = 'auth' ORDER BY sequence`,
  );
  expect(stored.map((e) => e.event_id).sort()).toEqual(outbox.map((e) => e.id).sort());
  const lastByEntity = new Map<string, number>();
  for (const event of stored) {
    const key = `${event.entity_type}:${event.entity_id}`;
    expect(Number(event.source_sequence)).toBeGreaterThan(lastByEntity.get(key) ?? 0);
    lastByEntity.set(key, Number(event.source_sequence));
  }
  return stored.length;
}

// The relay backs off up to 30 s while the audit subgraph is down, and may wait that long once it returns.
describe('the outbox under faults', { timeout: 120_000 }, () => {
  test('with the audit subgraph down, 1,000 changes succeed, queue, and are stored exactly once in order after it returns', async () => {
    const { authDb, auditDb, start } = await setUp();
    const auth = await start('auth');
    await makeChanges(auth.url, 1000);
    expect(await pendingCount(authDb)).toBeGreaterThanOrEqual(1000);

    await start('audit');
    await eventually(async () => (await pendingCount(authDb)) === 0, {
      what: 'the backlog to drain',
      timeoutMs: 60_000,
    });
    expect(await expectAllStoredOnceInOrder(authDb, auditDb)).toBeGreaterThanOrEqual(1000);
  });

  test('a relay killed in the middle of a batch loses and duplicates nothing after restart', async () => {
    const { authDb, auditDb, env, start } = await setUp();
    const inProcess = await start('auth');
    await makeChanges(inProcess.url, 600);
    await inProcess.close();

    await start('audit');
    // The auth subgraph (and its relay) as its own process, killed with SIGKILL as soon as delivery has begun.
    const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/auth/index.ts'], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanup.push(async () => (child.exitCode === null ? (child.kill('SIGKILL'), exited) : undefined));
    await eventually(async () => (await pendingCount(authDb)) < 600, {
      what: 'delivery to begin',
      timeoutMs: 30_000,
    });
    child.kill('SIGKILL');
    await exited;
    expect(await pendingCount(authDb)).toBeGreaterThan(0);

    await start('auth');
    await eventually(async () => (await pendingCount(authDb)) === 0, {
      what: 'the rest to drain',
      timeoutMs: 60_000,
    });
    await expectAllStoredOnceInOrder(authDb, auditDb);
  });

  test('two relays of one subgraph deliver every event once', async () => {
    const { authDb, auditDb, env, start } = await setUp();
    const first = await start('auth');
    await makeChanges(first.url, 500);
    const second = await subgraphs.auth!({ ...env, AUTH_PORT: '0' });
    cleanup.push(() => second.close());
    const audit = await start('audit');
    await eventually(async () => (await pendingCount(authDb)) === 0, {
      what: 'the backlog to drain',
      timeoutMs: 60_000,
    });
    const stored = await expectAllStoredOnceInOrder(authDb, auditDb);
    // Idempotency would hide a double delivery from the table: the audit subgraph's counters must not.
    const metrics = await (await fetch(audit.url.replace('/graphql', '/metrics'))).text();
    expect(ingested(metrics, 'duplicate')).toBe(0);
    expect(ingested(metrics, 'stored')).toBe(stored);
  });
});

describe('the audit trail through the router', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  test("a user's trail composes across subgraphs: me (auth) -> auditTrail (audit)", async () => {
    const headers = { authorization: `Bearer ${await adminToken(stack.routerUrl, stack.admin)}` };
    const query =
      '{ me { email auditTrail(first: 5) { totalCount edges { node { type service actor { email } } } } } }';
    await eventually(
      async () => {
        const { body } = await post(stack.routerUrl, query, {}, headers);
        return (body.data?.me?.auditTrail.totalCount ?? 0) > 0;
      },
      { what: 'the login to reach the trail', timeoutMs: 60_000 },
    );
    const { body } = await post(stack.routerUrl, query, {}, headers);
    expect(body.errors).toBeUndefined();
    expect(body.data!.me.auditTrail.edges).toContainEqual({
      node: { type: 'user.login_succeeded', service: 'auth', actor: { email: stack.admin.email } },
    });
  });

  test('a row altered directly in SQL is found by verifyAuditChain', async () => {
    const headers = { authorization: `Bearer ${await adminToken(stack.routerUrl, stack.admin)}` };
    const verify = 'query { verifyAuditChain { intact checked firstBrokenSequence reason } }';
    await eventually(
      async () => {
        const { body } = await post(stack.routerUrl, verify, {}, headers);
        return (body.data?.verifyAuditChain.checked ?? 0) > 0;
      },
      { what: 'the login to reach the audit log', timeoutMs: 60_000 },
    );
    const before = await post(stack.routerUrl, verify, {}, headers);
    expect(before.body.data!.verifyAuditChain).toMatchObject({ intact: true, firstBrokenSequence: null });

    const auditDb = stack.databaseUrls.audit!;
    const [row] = await sql<{ sequence: string }>(
      auditDb,
      'SELECT sequence FROM audit_event ORDER BY sequence LIMIT 1',
    );
    await sql(auditDb, `ALTER TABLE audit_event DISABLE TRIGGER USER`);
    await sql(
      auditDb,
      `UPDATE audit_event SET changes = '{"roles":{"from":[],"to":["ADMIN"]}}' WHERE sequence = $1`,
      [row!.sequence],
    );
    await sql(auditDb, `ALTER TABLE audit_event ENABLE TRIGGER USER`);

    const after = await post(stack.routerUrl, verify, {}, headers);
    expect(after.body.data!.verifyAuditChain).toMatchObject({
      intact: false,
      firstBrokenSequence: Number(row!.sequence),
    });
  });
});
