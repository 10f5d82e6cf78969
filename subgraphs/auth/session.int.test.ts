import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/helpers/subgraph-harness.ts';
import { PASSWORD, startAuthHarness, type AuthHarness } from './testing.ts';

const REFRESH = `mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { id email } } }`;
const LOGOUT = `mutation ($t: String!) { logout(refreshToken: $t) }`;

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuthHarness();
});
afterAll(async () => {
  await h?.close();
});

const refresh = (token: string) => h.gql(REFRESH, { t: token });

describe('refreshSession', () => {
  it('rotates the refresh token: the new one works, the user is visible to its owner', async () => {
    const id = await h.createUser('ann@lab.example', ['STAFF']);
    const first = await h.login('ann@lab.example');
    const { body } = await refresh(first.refreshToken);
    expect(body.errors).toBeUndefined();
    expect(body.data.refreshSession.user).toEqual({ id, email: 'ann@lab.example' });
    expect(body.data.refreshSession.refreshToken).not.toBe(first.refreshToken);
    const again = await refresh(body.data.refreshSession.refreshToken);
    expect(again.body.errors).toBeUndefined();
  });

  it('revokes the whole family when a rotated token is reused (the newest token stops working too)', async () => {
    const id = await h.createUser('ben@lab.example', ['STAFF']);
    const first = await h.login('ben@lab.example');
    const second = (await refresh(first.refreshToken)).body.data.refreshSession.refreshToken;

    const reuse = await refresh(first.refreshToken);
    expect(reuse.body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
    expect(reuse.body.errors![0].message).toMatch(/revoked/);

    const newest = await refresh(second);
    expect(newest.body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });

    const revoked = (await h.events()).filter((e) => e.type === 'user.session_revoked' && e.entityId === id);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.payload).toMatchObject({ reason: 'REUSE_DETECTED' });

    // Other sessions of the same user are untouched.
    const other = await h.login('ben@lab.example');
    expect((await refresh(other.refreshToken)).body.errors).toBeUndefined();
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    await h.createUser('cat@lab.example', ['STAFF']);
    const { refreshToken } = await h.login('cat@lab.example');
    const results = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
  });

  it('rejects unknown and expired tokens, and deactivated users', async () => {
    const unknown = await refresh('not-a-token');
    expect(unknown.body.errors![0].extensions).toMatchObject({ reason: 'REFRESH_TOKEN_INVALID' });

    await h.createUser('dan@lab.example', ['STAFF']);
    const expiring = await h.login('dan@lab.example');
    h.advance(30 * 24 * 3600 + 1);
    const expired = await refresh(expiring.refreshToken);
    expect(expired.body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_EXPIRED',
    });

    const id = await h.createUser('eve@lab.example', ['STAFF']);
    const session = await h.login('eve@lab.example');
    await h.subgraph.prisma.user.update({ where: { id }, data: { active: false } });
    const disabled = await refresh(session.refreshToken);
    expect(disabled.body.errors![0].extensions).toMatchObject({ reason: 'ACCOUNT_DISABLED' });
  });
});

describe('logout', () => {
  it('ends the session: its refresh token no longer works', async () => {
    const id = await h.createUser('fred@lab.example', ['VIEWER']);
    const { refreshToken } = await h.login('fred@lab.example');
    expect((await h.gql(LOGOUT, { t: refreshToken })).body.data.logout).toBe(true);
    const after = await refresh(refreshToken);
    expect(after.body.errors![0].extensions.reason).toBe('SESSION_REVOKED');
    expect((await h.gql(LOGOUT, { t: 'unknown' })).body.data.logout).toBe(true);
    const events = (await h.events()).filter((e) => e.type === 'user.logged_out' && e.entityId === id);
    expect(events).toHaveLength(1);
  });

  it('logoutAll ends every session of the caller and needs a token', async () => {
    await h.createUser('gina@lab.example', ['VIEWER']);
    const a = await h.login('gina@lab.example');
    const b = await h.login('gina@lab.example');
    const { body } = await h.gql('mutation { logoutAll }', {}, bearer(a.accessToken));
    expect(body.data.logoutAll).toBe(2);
    for (const t of [a.refreshToken, b.refreshToken]) {
      expect((await refresh(t)).body.errors![0].extensions.reason).toBe('SESSION_REVOKED');
    }
    const anonymous = await h.gql('mutation { logoutAll }');
    expect(anonymous.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('changePassword', () => {
  const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }`;

  it('changes the password, keeps the current session and ends the others', async () => {
    const id = await h.createUser('hal@lab.example', ['STAFF']);
    const current = await h.login('hal@lab.example');
    const other = await h.login('hal@lab.example');
    const { body } = await h.gql(
      CHANGE,
      { c: PASSWORD, n: 'a brand new passphrase' },
      bearer(current.accessToken),
    );
    expect(body.data.changePassword.id).toBe(id);

    expect((await refresh(current.refreshToken)).body.errors).toBeUndefined();
    expect((await refresh(other.refreshToken)).body.errors![0].extensions.reason).toBe('SESSION_REVOKED');
    expect(
      (await h.gql(`mutation { login(email: "hal@lab.example", password: "${PASSWORD}") { accessToken } }`))
        .body.errors![0].extensions.code,
    ).toBe('UNAUTHENTICATED');
    await h.login('hal@lab.example', 'a brand new passphrase');

    const events = (await h.events()).filter((e) => e.type === 'user.password_changed' && e.entityId === id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: id, payload: { sessionsRevoked: 1 } });
    expect(JSON.stringify(events[0])).not.toContain('argon2');
  });

  it('names the broken rule', async () => {
    await h.createUser('ivy@lab.example', ['STAFF']);
    const { accessToken } = await h.login('ivy@lab.example');
    const wrong = await h.gql(
      CHANGE,
      { c: 'not my password!', n: 'a brand new passphrase' },
      bearer(accessToken),
    );
    expect(wrong.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'CURRENT_PASSWORD_INCORRECT',
    });
    const short = await h.gql(CHANGE, { c: PASSWORD, n: 'short' }, bearer(accessToken));
    expect(short.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'PASSWORD_MIN_LENGTH',
      field: 'newPassword',
    });
    const long = await h.gql(CHANGE, { c: PASSWORD, n: 'x'.repeat(257) }, bearer(accessToken));
    expect(long.body.errors![0].extensions).toMatchObject({ rule: 'TEXT_LENGTH', max: 256 });
  });
});
