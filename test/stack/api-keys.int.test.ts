// API keys for integrators (issue 14, item 6), end to end through the router of the whole stack: an ADMIN creates
// a key (shown once), the key works with its own scopes only, its use is recorded and audited, it has its own
// request budget, wrong keys never lock anyone's password, revocation and expiry take effect at once.
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_KEY_EXCHANGE_PATH } from '../../common/api-key-wire.ts';
import { postSigned } from '../../common/service-auth.ts';
import { eventually } from '../helpers/eventually.ts';
import { post, refusedWithin, type GraphQLResponse } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { sql } from '../helpers/sql.ts';

const RATE_LIMIT = 10;
const MAX_FAILURES = 8;
const EXCHANGE_SECRET = randomBytes(32).toString('base64url');

let stack: TestStack;
let admin: string;
beforeAll(async () => {
  stack = await startTestStack({
    ROUTER_API_KEY_RATE_LIMIT: String(RATE_LIMIT),
    ROUTER_API_KEY_MAX_FAILURES: String(MAX_FAILURES),
    API_KEY_EXCHANGE_SECRET: EXCHANGE_SECRET,
    // The tests speak for several clients through X-Forwarded-For, as a proxy in front of the router would.
    ROUTER_TRUSTED_PROXIES: '127.0.0.1,::1',
  });
  admin = (await login(stack.admin.email, stack.admin.password)).accessToken;
});
afterAll(() => stack?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const from = (address: string) => ({ 'x-forwarded-for': address });
const apiKey = (key: string, address: string) => ({ authorization: `ApiKey ${key}`, ...from(address) });

async function login(email: string, password: string, headers: Record<string, string> = {}) {
  const { body } = await post(
    stack.routerUrl,
    `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }`,
    { e: email, p: password },
    headers,
  );
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.login as { accessToken: string; user: { id: string } };
}

let users = 0;
async function newUser(roles: string[]) {
  const email = `integrator${++users}@lab.test`;
  const password = `orchid kettle marble lantern ${users}`;
  const { body } = await post(
    stack.routerUrl,
    `mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }`,
    { i: { email, name: `Integrator ${users}`, roles, password } },
    bearer(admin),
  );
  expect(body.errors).toBeUndefined();
  return { id: body.data.createUser.id as string, email, password };
}

const CREATE = `mutation ($i: CreateApiKeyInput!) {
  createApiKey(input: $i) { key apiKey { id name prefix scopes expiresAt revokedAt lastUsedAt owner { id } createdBy { id } } }
}`;
const KEYS = `query ($owner: ID) { apiKeys(ownerId: $owner) { totalCount edges { node {
  id name prefix scopes createdAt expiresAt revokedAt lastUsedAt lastUsedAddress owner { id }
} } } }`;

async function createKey(ownerId: string, scopes: string[], extra: Record<string, unknown> = {}) {
  const res = await post(
    stack.routerUrl,
    CREATE,
    { i: { name: 'LIMS sync', ownerId, scopes, ...extra } },
    bearer(admin),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createApiKey as {
    key: string;
    apiKey: { id: string; prefix: string; scopes: string[]; expiresAt: string };
  };
}

async function listKeys(ownerId: string) {
  const { body } = await post(stack.routerUrl, KEYS, { owner: ownerId }, bearer(admin));
  expect(body.errors).toBeUndefined();
  return body.data.apiKeys.edges.map((e: { node: unknown }) => e.node) as Record<string, unknown>[];
}

const PROJECTS = `{ projects { id } }`;
const ME = `{ me { id } }`;
const code = (res: GraphQLResponse) => res.body.errors?.[0]?.extensions.code;
const reason = (res: GraphQLResponse) => res.body.errors?.[0]?.extensions.reason;

describe('an ADMIN creates API keys', () => {
  test('the key is shown once, the list never shows it, and it names owner, scopes and expiry', async () => {
    const owner = await newUser(['STAFF']);
    const created = await createKey(owner.id, ['samples:read', 'audit:read']);
    expect(created.key).toMatch(/^npk_[0-9a-f]{12}_[\w-]{43}$/);
    expect(created.key.startsWith(`${created.apiKey.prefix}_`)).toBe(true);
    expect(created.apiKey.scopes).toEqual(['audit:read', 'samples:read']);
    const ahead = new Date(created.apiKey.expiresAt).getTime() - Date.now();
    expect(ahead).toBeGreaterThan(89 * 86_400_000);
    expect(ahead).toBeLessThanOrEqual(90 * 86_400_000);
    const [listed] = await listKeys(owner.id);
    expect(listed).toMatchObject({ id: created.apiKey.id, revokedAt: null, lastUsedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(17));
    // The type has no field for the key at all.
    const asked = await post(stack.routerUrl, `{ apiKeys { edges { node { key } } } }`, {}, bearer(admin));
    expect(code(asked)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('only an ADMIN creates or lists keys', async () => {
    const staff = await newUser(['STAFF']);
    const token = (await login(staff.email, staff.password)).accessToken;
    const res = await post(
      stack.routerUrl,
      CREATE,
      { i: { name: 'mine', ownerId: staff.id, scopes: ['samples:read'] } },
      bearer(token),
    );
    expect(res.body.data?.createApiKey ?? null).toBeNull();
    expect(code(res)).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const list = await post(stack.routerUrl, `{ apiKeys { totalCount } }`, {}, bearer(token));
    expect(code(list)).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    // Straight at the auth subgraph, which never trusts the router's filtering.
    const direct = await post(
      stack.subgraphUrls.auth!,
      CREATE,
      { i: { name: 'mine', ownerId: staff.id, scopes: ['samples:read'] } },
      bearer(token),
    );
    expect(code(direct)).toBe('FORBIDDEN');
  });

  test('scopes beyond the owner roles, users:admin, unknown scopes and a far expiry are refused', async () => {
    const viewer = await newUser(['VIEWER']);
    const refused = async (scopes: string[], extra: Record<string, unknown> = {}) => {
      const res = await post(
        stack.routerUrl,
        CREATE,
        { i: { name: 'too much', ownerId: viewer.id, scopes, ...extra } },
        bearer(admin),
      );
      expect(code(res)).toBe('BAD_USER_INPUT');
      return res.body.errors![0].extensions;
    };
    expect(await refused(['samples:read', 'samples:write'])).toMatchObject({
      rule: 'SCOPE_NOT_GRANTED',
      scopes: ['samples:write'],
    });
    const adminOwner = (await login(stack.admin.email, stack.admin.password)).user.id;
    const res = await post(
      stack.routerUrl,
      CREATE,
      { i: { name: 'admin key', ownerId: adminOwner, scopes: ['users:admin'] } },
      bearer(admin),
    );
    expect(res.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'SCOPE_NOT_FOR_KEYS',
    });
    expect(await refused(['samples:everything'])).toMatchObject({ rule: 'SCOPE_UNKNOWN' });
    expect(await refused([])).toMatchObject({ rule: 'SCOPES_COUNT' });
    const farAway = new Date(Date.now() + 400 * 86_400_000).toISOString();
    expect(await refused(['samples:read'], { expiresAt: farAway })).toMatchObject({ rule: 'EXPIRY_RANGE' });
    expect(await listKeys(viewer.id)).toEqual([]);
  });
});

describe('a key at work', () => {
  test('queries with its own scopes only, as its owner; its use is recorded and audited', async () => {
    const owner = await newUser(['STAFF']);
    const { key, apiKey: created } = await createKey(owner.id, ['samples:read']);

    const me = await post(stack.routerUrl, ME, {}, apiKey(key, '203.0.113.10'));
    expect(me.body).toEqual({ data: { me: { id: owner.id } } });
    const projects = await post(stack.routerUrl, PROJECTS, {}, { 'x-api-key': key, ...from('203.0.113.10') });
    expect(projects.body.errors).toBeUndefined();
    expect(Array.isArray(projects.body.data.projects)).toBe(true);

    // STAFF may create projects, the key (samples:read) may not: the router removes the field.
    const write = await post(
      stack.routerUrl,
      `mutation { createProject(input: { name: "by key" }) { id } }`,
      {},
      apiKey(key, '203.0.113.10'),
    );
    expect(write.body.data?.createProject ?? null).toBeNull();
    expect(code(write)).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    // Nor may it manage its owner's account or other keys.
    const logoutAll = await post(stack.routerUrl, `mutation { logoutAll }`, {}, apiKey(key, '203.0.113.10'));
    expect(code(logoutAll)).toBe('FORBIDDEN');

    const [listed] = await listKeys(owner.id);
    expect(listed).toMatchObject({ id: created.id, lastUsedAddress: '203.0.113.10' });
    expect(listed!.lastUsedAt).not.toBeNull();

    // One exchange per key and client address (the token is cached): a second address is a second use.
    await post(stack.routerUrl, ME, {}, apiKey(key, '198.51.100.7'));
    const [again] = await listKeys(owner.id);
    expect(again).toMatchObject({ lastUsedAddress: '198.51.100.7' });

    const events = await eventually(
      async () => {
        const { body } = await post(
          stack.routerUrl,
          `query ($id: String!) { auditEvents(filter: { entityType: "ApiKey", entityId: $id }, first: 50) {
            edges { node { type actorId ownerId payload } } } }`,
          { id: created.id },
          bearer(admin),
        );
        const nodes = (body.data?.auditEvents.edges ?? []).map(
          (e: { node: Record<string, unknown> }) => e.node,
        ) as { type: string; actorId: string; ownerId: string; payload: { address?: string } }[];
        return nodes.filter((n) => n.type === 'api_key.used').length === 2 ? nodes : undefined;
      },
      { what: 'the key audit events', timeoutMs: 20_000 },
    );
    expect(events.map((e) => e.type).sort()).toEqual(['api_key.created', 'api_key.used', 'api_key.used']);
    const uses = events.filter((e) => e.type === 'api_key.used');
    expect(uses.map((e) => e.payload.address).sort()).toEqual(['198.51.100.7', '203.0.113.10']);
    expect(uses.every((e) => e.actorId === owner.id && e.ownerId === owner.id)).toBe(true);
  });

  test('each key has its own request budget: 429 with Retry-After, other keys unaffected', async () => {
    const owner = await newUser(['VIEWER']);
    const { key } = await createKey(owner.id, ['samples:read']);
    const { key: other } = await createKey(owner.id, ['samples:read']);
    const answers = [];
    for (let i = 0; i < RATE_LIMIT + 2; i++)
      answers.push(
        await fetch(stack.routerUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...apiKey(key, '203.0.113.20') },
          body: JSON.stringify({ query: ME }),
        }),
      );
    const statuses = answers.map((r) => r.status);
    expect(statuses.slice(0, RATE_LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(RATE_LIMIT)).toEqual([429, 429]);
    const limited = answers.at(-1)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited.json()) as GraphQLResponse['body'];
    expect(body.errors![0].extensions).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      reason: 'API_KEY_RATE_LIMITED',
    });
    // The same owner's other key, and the owner in person, keep working.
    expect((await post(stack.routerUrl, ME, {}, apiKey(other, '203.0.113.20'))).status).toBe(200);
    const person = await login(owner.email, owner.password, from('203.0.113.20'));
    expect(
      (await post(stack.routerUrl, ME, {}, { ...bearer(person.accessToken), ...from('203.0.113.20') }))
        .status,
    ).toBe(200);
  });

  test('35 wrong keys never lock the owner: 401, then 429 for that address, and the password still works', async () => {
    const owner = await newUser(['VIEWER']);
    const { key } = await createKey(owner.id, ['samples:read']);
    const address = '203.0.113.66';
    const wrong = (i: number) =>
      i % 2 === 0
        ? `${key.slice(0, 17)}${randomBytes(32).toString('base64url')}` // the real prefix, a guessed secret
        : `not-a-key-${i}`;
    const answers: GraphQLResponse[] = [];
    for (let i = 0; i < 35; i++) answers.push(await post(stack.routerUrl, ME, {}, apiKey(wrong(i), address)));
    expect(answers.slice(0, MAX_FAILURES).map((r) => [r.status, code(r), reason(r)])).toEqual(
      Array(MAX_FAILURES).fill([401, 'UNAUTHENTICATED', 'API_KEY_INVALID']),
    );
    expect(
      answers.slice(MAX_FAILURES).every((r) => r.status === 429 && reason(r) === 'API_KEY_FAILURES'),
    ).toBe(true);
    // The password login from the very same address: no lock, no throttle, no failed attempt stored.
    const person = await login(owner.email, owner.password, from(address));
    expect(person.user.id).toBe(owner.id);
    const rows = await sql(
      stack.databaseUrls.auth!,
      `SELECT outcome, count(*)::int AS n FROM login_attempt WHERE user_id = $1 GROUP BY outcome`,
      [owner.id],
    );
    expect(rows).toEqual([{ outcome: 'SUCCEEDED', n: 1 }]);
    // Another address with the right key is not affected by the first one's failures.
    expect((await post(stack.routerUrl, ME, {}, apiKey(key, '203.0.113.67'))).status).toBe(200);
  });
});

describe('a key ends', () => {
  test('revocation takes effect at once: the cached token and the key itself are refused', async () => {
    const owner = await newUser(['VIEWER']);
    const { key, apiKey: created } = await createKey(owner.id, ['samples:read']);
    expect((await post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.30'))).status).toBe(200);
    const revoked = await post(
      stack.routerUrl,
      `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
      { id: created.id },
      bearer(admin),
    );
    expect(revoked.body.data.revokeApiKey.revokedAt).not.toBeNull();
    const first = await refusedWithin(() => post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.30')));
    expect([first.status, code(first)]).toEqual([401, 'UNAUTHENTICATED']);
    const next = await post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.30'));
    expect([next.status, code(next), reason(next)]).toEqual([401, 'UNAUTHENTICATED', 'API_KEY_REVOKED']);
    const [listed] = await listKeys(owner.id);
    expect(listed!.revokedAt).not.toBeNull();
    await eventually(
      async () => {
        const { body } = await post(
          stack.routerUrl,
          `query ($id: String!) { auditEvents(filter: { entityType: "ApiKey", entityId: $id, action: "api_key.revoked" }) {
            edges { node { actorId } } } }`,
          { id: created.id },
          bearer(admin),
        );
        return body.data?.auditEvents.edges.length === 1 || undefined;
      },
      { what: 'the api_key.revoked event', timeoutMs: 20_000 },
    );
  });

  test('an expired key is refused, and a token never outlives its key', async () => {
    const owner = await newUser(['VIEWER']);
    const soon = new Date(Date.now() + 90_000);
    const { key, apiKey: created } = await createKey(owner.id, ['samples:read'], {
      expiresAt: soon.toISOString(),
    });
    // The exchange itself, signed as the router signs it: the token expires with the key, not 15 minutes later.
    const exchangeUrl = new URL(API_KEY_EXCHANGE_PATH, stack.subgraphUrls.auth!).href;
    const body = JSON.stringify({ key, clientAddress: '203.0.113.40' });
    const response = await postSigned(exchangeUrl, body, { secret: EXCHANGE_SECRET, service: 'router' });
    expect(response.status).toBe(200);
    const { accessToken } = (await response.json()) as { accessToken: string };
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({
      sub: owner.id,
      api_key: created.id,
      scope: 'samples:read',
      roles: ['VIEWER'],
    });
    expect(claims.exp! * 1000).toBeLessThanOrEqual(soon.getTime());
    // Unsigned, the exchange refuses.
    const unsigned = await fetch(exchangeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);

    // Past its expiry (moved into the past in the database), the key is refused by the router.
    await sql(
      stack.databaseUrls.auth!,
      `UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [created.id],
    );
    const res = await post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.41'));
    expect([res.status, code(res), reason(res)]).toEqual([401, 'UNAUTHENTICATED', 'API_KEY_EXPIRED']);
  });

  test("the owner's deactivation ends the key's tokens; the key does not work for a deactivated owner", async () => {
    const owner = await newUser(['STAFF']);
    const { key } = await createKey(owner.id, ['samples:read']);
    expect((await post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.50'))).status).toBe(200);
    const { body } = await post(
      stack.routerUrl,
      'mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { active } }',
      { id: owner.id },
      bearer(admin),
    );
    expect(body.errors).toBeUndefined();
    const first = await refusedWithin(() => post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.50')));
    expect(first.status).toBe(401);
    const next = await post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.50'));
    expect([next.status, reason(next)]).toEqual([401, 'API_KEY_OWNER_INACTIVE']);
  });

  test("the owner's role change ends the key's token; the next one carries only what the new roles grant", async () => {
    const owner = await newUser(['STAFF']);
    const { key } = await createKey(owner.id, ['samples:read', 'samples:write']);
    const create = () =>
      post(
        stack.routerUrl,
        `mutation ($n: String!) { createProject(input: { name: $n }) { id } }`,
        { n: `by key ${randomBytes(4).toString('hex')}` },
        apiKey(key, '203.0.113.60'),
      );
    expect((await create()).body.errors).toBeUndefined();
    const { body } = await post(
      stack.routerUrl,
      'mutation ($id: ID!) { updateUser(id: $id, input: { roles: [VIEWER] }) { roles } }',
      { id: owner.id },
      bearer(admin),
    );
    expect(body.errors).toBeUndefined();
    const first = await refusedWithin(() => post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.60')));
    expect(first.status).toBe(401);
    // The key still works, under a new session, with samples:read only (VIEWER grants no samples:write).
    expect(
      (await post(stack.routerUrl, PROJECTS, {}, apiKey(key, '203.0.113.60'))).body.errors,
    ).toBeUndefined();
    const refused = await create();
    expect(code(refused)).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
