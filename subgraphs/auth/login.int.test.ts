import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { CLIENT_ADDRESS_HEADER, signClientAddress } from '../../common/client-address.ts';
import { JWKS_PATH } from './server.ts';
import { PASSWORD, startAuthHarness, type AuthHarness } from './testing.ts';

const LOGIN = `mutation ($e: String!, $p: String!) {
  login(email: $e, password: $p) { accessToken refreshToken expiresAt user { id email roles lastLoginAt } }
}`;

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuthHarness();
});
afterAll(async () => {
  await h?.close();
});

const login = (email: string, password = PASSWORD) => h.gql(LOGIN, { e: email, p: password });

describe('login', () => {
  it('issues an EdDSA access token that verifies against the JWKS, with roles and scopes', async () => {
    const id = await h.createUser('ada@lab.example', ['STAFF']);
    const { body } = await login('  Ada@Lab.Example ');
    expect(body.errors).toBeUndefined();
    const payload = body.data.login;
    expect(payload.user).toMatchObject({ id, email: 'ada@lab.example', roles: ['STAFF'] });
    expect(payload.user.lastLoginAt).not.toBeNull();
    expect(payload.refreshToken).toMatch(/^[\w-]{43}$/);

    const jwks = createRemoteJWKSet(new URL(`${h.url}${JWKS_PATH}`));
    const { payload: claims, protectedHeader } = await jwtVerify(payload.accessToken, jwks, {
      issuer: 'urn:nanopore:auth',
      audience: 'urn:nanopore:supergraph',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(claims.sub).toBe(id);
    expect(claims.roles).toEqual(['STAFF']);
    expect(String(claims.scope).split(' ')).toEqual(
      expect.arrayContaining(['samples:write', 'workflow:advance']),
    );
    expect(String(claims.scope)).not.toContain('users:admin');
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims.jti).toBeTruthy();
    expect(new Date(payload.expiresAt).getTime()).toBe(claims.exp! * 1000);

    const events = (await h.events()).filter((e) => e.type === 'user.login_succeeded');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ entityType: 'User', entityId: id, actorId: id });
  });

  it('rejects a wrong password with UNAUTHENTICATED and records user.login_failed', async () => {
    const id = await h.createUser('bob@lab.example', ['VIEWER']);
    const { body } = await login('bob@lab.example', 'not the right password');
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_CREDENTIALS',
    });
    const failed = (await h.events()).filter((e) => e.type === 'user.login_failed' && e.entityId === id);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.payload).toMatchObject({ email: 'bob@lab.example', reason: 'WRONG_PASSWORD' });
  });

  it('refuses a deactivated user even with the right password', async () => {
    await h.createUser('gone@lab.example', ['STAFF'], { active: false });
    const { body } = await login('gone@lab.example');
    expect(body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DISABLED' });
  });
});

describe('lockout', () => {
  it('locks an account after 5 failures within 15 minutes, for 15 minutes', async () => {
    await h.createUser('carol@lab.example', ['SUBMITTER']);
    for (let i = 0; i < 4; i++) {
      const { body } = await login('carol@lab.example', 'wrong password here');
      expect(body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const fifth = await login('carol@lab.example', 'wrong password here');
    expect(fifth.body.errors![0].extensions).toMatchObject({
      code: 'ACCOUNT_LOCKED',
      retryAfterSeconds: 900,
    });
    expect(fifth.body.errors![0].message).toBe('too many failed attempts, try again later');

    // Even the right password is refused while locked.
    h.advance(14 * 60);
    const locked = await login('carol@lab.example');
    expect(locked.body.errors![0].extensions.code).toBe('ACCOUNT_LOCKED');

    h.advance(61);
    const after = await login('carol@lab.example');
    expect(after.body.errors).toBeUndefined();

    const types = (await h.events()).map((e) => e.type);
    expect(types.filter((t) => t === 'user.locked_out')).toHaveLength(1);
  });

  it('treats an unknown email exactly like a known one', async () => {
    const responses = [];
    for (let i = 0; i < 6; i++)
      responses.push((await login('nobody@lab.example', 'wrong password here')).body);
    const known = [];
    await h.createUser('dave@lab.example', ['VIEWER']);
    for (let i = 0; i < 6; i++) known.push((await login('dave@lab.example', 'wrong password here')).body);
    expect(responses).toEqual(known);
    expect(responses[4]!.errors![0]!.extensions.code).toBe('ACCOUNT_LOCKED');

    const events = (await h.events()).filter((e) => e.entityId === 'nobody@lab.example');
    expect(events.every((e) => e.entityType === 'LoginAttempt')).toBe(true);
    expect(events.map((e) => e.type)).toContain('user.locked_out');
  });

  it('forgets failures after a successful login', async () => {
    await h.createUser('erin@lab.example', ['VIEWER']);
    for (let i = 0; i < 4; i++) await login('erin@lab.example', 'wrong password here');
    expect((await login('erin@lab.example')).body.errors).toBeUndefined();
    for (let i = 0; i < 4; i++) await login('erin@lab.example', 'wrong password here');
    expect((await login('erin@lab.example')).body.errors).toBeUndefined();
  });

  it('stops counting failures older than the window', async () => {
    await h.createUser('fay@lab.example', ['VIEWER']);
    for (let i = 0; i < 4; i++) await login('fay@lab.example', 'wrong password here');
    h.advance(16 * 60);
    const { body } = await login('fay@lab.example', 'wrong password here');
    expect(body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('client address throttling', () => {
  it('throttles an address after LOGIN_IP_MAX_ATTEMPTS failures, whatever the emails', async () => {
    const throttled = await startAuthHarness(
      { LOGIN_IP_MAX_ATTEMPTS: '3', AUTH_KEY_ENCRYPTION_KEY: h.kek },
      { db: h.db },
    );
    try {
      // The harness shares the database with earlier tests: start from a clean slate of attempts.
      await throttled.subgraph.prisma.loginAttempt.deleteMany();
      for (let i = 0; i < 3; i++) {
        const { body } = await throttled.gql(LOGIN, { e: `x${i}@lab.example`, p: 'wrong password here' });
        expect(body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
      }
      const { body } = await throttled.gql(LOGIN, { e: 'ada@lab.example', p: PASSWORD });
      expect(body.errors![0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    } finally {
      await throttled.close();
    }
  });

  it('believes only a client address the router signed; X-Forwarded-For and unsigned headers are ignored', async () => {
    const secret = randomBytes(32).toString('base64url');
    const proxied = await startAuthHarness(
      { LOGIN_IP_MAX_ATTEMPTS: '2', CLIENT_ADDRESS_SECRET: secret, AUTH_KEY_ENCRYPTION_KEY: h.kek },
      { db: h.db },
    );
    try {
      await proxied.subgraph.prisma.loginAttempt.deleteMany();
      const attempt = (headers: Record<string, string>) =>
        proxied.gql(LOGIN, { e: 'zed@lab.example', p: 'wrong password here' }, headers);
      const signed = (ip: string) => ({ [CLIENT_ADDRESS_HEADER]: signClientAddress(secret, ip) });
      await attempt(signed('10.0.0.1'));
      await attempt(signed('10.0.0.1'));
      expect((await attempt(signed('10.0.0.1'))).body.errors![0].extensions.code).toBe('TOO_MANY_REQUESTS');
      expect((await attempt(signed('10.0.0.2'))).body.errors![0].extensions.code).toBe('UNAUTHENTICATED');

      // A direct caller's claims are not believed: each of these is the socket peer, 127.0.0.1.
      await attempt({ 'x-forwarded-for': '10.9.9.1' });
      await attempt({
        [CLIENT_ADDRESS_HEADER]: signClientAddress('another secret entirely, 32+ chars', '10.9.9.2'),
      });
      const stale = { [CLIENT_ADDRESS_HEADER]: signClientAddress(secret, '10.9.9.3', Date.now() - 120_000) };
      expect((await attempt(stale)).body.errors![0].extensions.code).toBe('TOO_MANY_REQUESTS');
      const ips = await proxied.subgraph.prisma.loginAttempt.findMany({
        select: { ip: true },
        distinct: ['ip'],
      });
      expect(ips.map((r) => r.ip).sort()).toEqual(['10.0.0.1', '10.0.0.2', '127.0.0.1']);
    } finally {
      await proxied.close();
    }
  });

  it('counts an IPv6 client by its /64, so rotating addresses within it gains nothing', async () => {
    const secret = randomBytes(32).toString('base64url');
    const v6 = await startAuthHarness(
      { LOGIN_IP_MAX_ATTEMPTS: '2', CLIENT_ADDRESS_SECRET: secret, AUTH_KEY_ENCRYPTION_KEY: h.kek },
      { db: h.db },
    );
    try {
      await v6.subgraph.prisma.loginAttempt.deleteMany();
      const from = async (ip: string) => {
        const headers = { [CLIENT_ADDRESS_HEADER]: signClientAddress(secret, ip) };
        const { body } = await v6.gql(LOGIN, { e: 'zoe@lab.example', p: 'wrong password here' }, headers);
        return body.errors![0].extensions.code;
      };
      expect(await from('2001:db8:0:7::1')).toBe('UNAUTHENTICATED');
      expect(await from('2001:db8:0:7::2')).toBe('UNAUTHENTICATED');
      expect(await from('2001:db8:0:7:abcd::3')).toBe('TOO_MANY_REQUESTS');
      expect(await from('2001:db8:0:8::1')).toBe('UNAUTHENTICATED');
    } finally {
      await v6.close();
    }
  });

  it("locks an account per client address: one address's failures never block another's correct password", async () => {
    const secret = randomBytes(32).toString('base64url');
    const split = await startAuthHarness(
      { CLIENT_ADDRESS_SECRET: secret, AUTH_KEY_ENCRYPTION_KEY: h.kek },
      { db: h.db },
    );
    try {
      await split.subgraph.prisma.loginAttempt.deleteMany();
      await split.createUser('hal@lab.example', ['ADMIN']);
      const from = (ip: string, password: string) =>
        split.gql(
          LOGIN,
          { e: 'hal@lab.example', p: password },
          {
            [CLIENT_ADDRESS_HEADER]: signClientAddress(secret, ip),
          },
        );
      const codes = [];
      for (let i = 0; i < 6; i++)
        codes.push((await from('10.1.0.1', 'wrong password here')).body.errors![0].extensions.code);
      expect(codes.slice(3)).toEqual(['UNAUTHENTICATED', 'ACCOUNT_LOCKED', 'ACCOUNT_LOCKED']);
      // The attacker's address stays locked even with the right password ...
      expect((await from('10.1.0.1', PASSWORD)).body.errors![0].extensions.code).toBe('ACCOUNT_LOCKED');
      // ... while the owner, elsewhere, signs in.
      const owner = await from('10.2.0.1', PASSWORD);
      expect(owner.body.errors).toBeUndefined();
      expect(owner.body.data.login.user.email).toBe('hal@lab.example');
    } finally {
      await split.close();
    }
  });
});

describe('changePassword', () => {
  const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }`;

  it('counts wrong current-password guesses toward the lockout', async () => {
    await h.createUser('ivy@lab.example', ['STAFF']);
    const { accessToken } = await h.login('ivy@lab.example');
    const guess = (current: string) =>
      h.gql(
        CHANGE,
        { c: current, n: 'a brand new long password' },
        { authorization: `Bearer ${accessToken}` },
      );
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push((await guess(`wrong guess number ${i}`)).body.errors![0].extensions.code);
    expect(codes).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'ACCOUNT_LOCKED',
    ]);
    // Locked: even the right current password is refused now, and so is a login from the same address.
    expect((await guess(PASSWORD)).body.errors![0].extensions.code).toBe('ACCOUNT_LOCKED');
    expect((await login('ivy@lab.example')).body.errors![0].extensions.code).toBe('ACCOUNT_LOCKED');
    const locked = (await h.events()).filter((e) => e.type === 'user.locked_out');
    expect(locked.at(-1)!.payload).toMatchObject({ email: 'ivy@lab.example', failures: 5 });
  });
});

describe('tokens', () => {
  it('accepts its own tokens on the auth subgraph (me) and rejects them once expired', async () => {
    const id = await h.createUser('gil@lab.example', ['STAFF']);
    const { accessToken } = await h.login('gil@lab.example');
    const me = await h.gql('{ me { id email } }', {}, { authorization: `Bearer ${accessToken}` });
    expect(me.body.data.me).toEqual({ id, email: 'gil@lab.example' });
    expect(decodeJwt(accessToken).sid).toBeTruthy();
    h.advance(900 + 10); // past exp plus the 5 s clock tolerance
    const expired = await h.gql('{ me { id } }', {}, { authorization: `Bearer ${accessToken}` });
    expect(expired.status).toBe(401);
    expect(expired.body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'TOKEN_EXPIRED',
    });
  });
});
