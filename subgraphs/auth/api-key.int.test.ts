// The auth subgraph's side of API keys: the signed exchange refuses anything but the router's signature and a
// well-formed body, and honours the key's expiry on the subgraph's own clock; a key's token may not act on its
// owner's account. (The life cycle through the router: test/stack/api-keys.int.test.ts.)
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_KEY_EXCHANGE_PATH } from '../../common/api-key-wire.ts';
import { postSigned } from '../kit/service-auth.ts';
import { bearer } from '../../test/helpers/subgraph-harness.ts';
import { startAuthHarness, type AuthHarness } from './testing.ts';

const SECRET = randomBytes(32).toString('base64url');
let h: AuthHarness;
let admin: Record<string, string>;
let owner: string;
beforeAll(async () => {
  h = await startAuthHarness({ API_KEY_EXCHANGE_SECRET: SECRET });
  await h.createUser('admin@lab.test', ['ADMIN']);
  admin = bearer((await h.login('admin@lab.test')).accessToken);
  owner = await h.createUser('lims@lab.test', ['STAFF']);
});
afterAll(() => h?.close());

const exchangeUrl = () => `${h.url}${API_KEY_EXCHANGE_PATH}`;
const exchange = (body: string, service = 'router', secret = SECRET) =>
  postSigned(exchangeUrl(), body, { secret, service });

async function createKey(expiresAt?: Date) {
  const { body } = await h.gql(
    `mutation ($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id } } }`,
    { i: { name: 'lims', ownerId: owner, scopes: ['samples:read'], expiresAt: expiresAt?.toISOString() } },
    admin,
  );
  expect(body.errors).toBeUndefined();
  return body.data.createApiKey as { key: string; apiKey: { id: string } };
}

describe('POST /internal/api-keys/exchange', () => {
  test('answers a token for the router, refuses other signers, bad signatures and bad bodies', async () => {
    const { key, apiKey } = await createKey();
    const body = JSON.stringify({ key, clientAddress: '192.0.2.1' });
    const ok = await exchange(body);
    expect(ok.status).toBe(200);
    const answer = (await ok.json()) as { accessToken: string; keyId: string };
    expect(answer.keyId).toBe(apiKey.id);
    expect(decodeJwt(answer.accessToken)).toMatchObject({ sub: owner, api_key: apiKey.id, roles: ['STAFF'] });

    expect((await exchange(body, 'samples')).status).toBe(401);
    expect((await exchange(body, 'router', randomBytes(32).toString('base64url'))).status).toBe(401);
    const unsigned = await fetch(exchangeUrl(), { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    expect((await exchange('{"key": 5}')).status).toBe(400);
    expect((await exchange('not json')).status).toBe(400);
    expect((await exchange(JSON.stringify({ key: 'x'.repeat(5000), clientAddress: null }))).status).toBe(413);
    const wrong = await exchange(JSON.stringify({ key: `${key.slice(0, -4)}AAAA`, clientAddress: null }));
    expect([wrong.status, await wrong.json()]).toEqual([
      401,
      { refused: 'API_KEY_INVALID', message: 'The API key is not valid' },
    ]);
    // Exactly one use was recorded: the successful exchange.
    const uses = (await h.events(apiKey.id)).filter((e) => e.type === 'api_key.used');
    expect(uses).toHaveLength(1);
    expect(uses[0]!.payload).toMatchObject({ address: '192.0.2.1', scopes: ['samples:read'] });
  });

  test("honours the key's expiry on the subgraph's clock", async () => {
    const { key } = await createKey(new Date(h.now().getTime() + 10 * 60_000));
    const body = JSON.stringify({ key, clientAddress: null });
    const early = await exchange(body);
    const { accessToken } = (await early.json()) as { accessToken: string };
    // 15-minute tokens, but the key ends in 10.
    const claims = decodeJwt(accessToken);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(600);
    h.advance(601);
    const late = await exchange(body);
    expect([late.status, ((await late.json()) as { refused: string }).refused]).toEqual([
      401,
      'API_KEY_EXPIRED',
    ]);
  });

  test('answers 503 when API_KEY_EXCHANGE_SECRET is not set', async () => {
    const bare = await startAuthHarness();
    try {
      const res = await postSigned(`${bare.url}${API_KEY_EXCHANGE_PATH}`, '{}', {
        secret: SECRET,
        service: 'router',
      });
      expect(res.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

test("a key's token may not change its owner's password or end their sessions, and never counts as a failed login", async () => {
  const { key } = await createKey();
  const res = await exchange(JSON.stringify({ key, clientAddress: '192.0.2.9' }));
  const token = bearer(((await res.json()) as { accessToken: string }).accessToken);
  const change = await h.gql(
    `mutation { changePassword(currentPassword: "wrong wrong wrong", newPassword: "a fresh long passphrase") { id } }`,
    {},
    token,
  );
  expect(change.body.errors![0].extensions.code).toBe('FORBIDDEN');
  const logoutAll = await h.gql(`mutation { logoutAll }`, {}, token);
  expect(logoutAll.body.errors![0].extensions.code).toBe('FORBIDDEN');
  expect(await h.sql(`SELECT 1 FROM login_attempt WHERE user_id = $1`, [owner])).toEqual([]);
});
