// The auth flows end to end: real PostgreSQL, real HTTP through the router, real JWTs, the integrator client.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CreateUserDocument,
  createClient,
  GraphQLRequestError,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  RefreshSessionDocument,
  UsersDocument,
} from '../../client/index.ts';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const anonymous = () => createClient({ url: stack.routerUrl });
const as = (accessToken: string) => createClient({ url: stack.routerUrl, accessToken });
const codesOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLRequestError);
  return (error as GraphQLRequestError).codes;
};

async function createUser(email: string, roles: ('STAFF' | 'VIEWER' | 'SUBMITTER')[] = ['STAFF']) {
  const { login } = await anonymous().request(LoginDocument, stack.admin);
  // Not built from the email: the password policy refuses that.
  const password = 'a long passphrase for a test user';
  await as(login.accessToken).request(CreateUserDocument, { input: { email, name: email, roles, password } });
  return { email, password };
}

describe('login', () => {
  test('the bootstrap admin logs in through the router and sees themself', async () => {
    const { login } = await anonymous().request(LoginDocument, stack.admin);
    expect(login.user).toMatchObject({ email: stack.admin.email, roles: ['ADMIN'], active: true });
    expect(new Date(login.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const { me } = await as(login.accessToken).request(MeDocument);
    expect(me?.id).toBe(login.user.id);
    expect(me?.lastLoginAt).not.toBeNull();
  });

  test('a wrong password is UNAUTHENTICATED and says nothing about the account', async () => {
    // One at a time: a request started before its rejection is awaited would be an unhandled rejection.
    const wrongPassword = { email: stack.admin.email, password: 'not the password!' };
    const unknownUser = { email: 'nobody@lab.test', password: 'not the password!' };
    expect(await codesOf(anonymous().request(LoginDocument, wrongPassword))).toEqual(['UNAUTHENTICATED']);
    expect(await codesOf(anonymous().request(LoginDocument, unknownUser))).toEqual(['UNAUTHENTICATED']);
  });

  test('a 10 KB email is BAD_USER_INPUT 400 (TEXT_LENGTH), not an internal error', async () => {
    const email = `${randomBytes(5_000).toString('hex')}@lab.test`;
    const { status, body } = await post(
      stack.routerUrl,
      'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }',
      { email, password: 'not the password!' },
    );
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message: 'email must be at most 320 characters (it has 10009)',
        path: ['login'],
        extensions: {
          code: 'BAD_USER_INPUT',
          field: 'email',
          path: 'email',
          rule: 'TEXT_LENGTH',
          max: 320,
          length: 10_009,
        },
      },
    ]);
  });

  test('five failures lock the account; the right password is refused while locked', async () => {
    const user = await createUser('locked@lab.test');
    const codes: string[][] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        await codesOf(
          anonymous().request(LoginDocument, { email: user.email, password: 'wrong password 123' }),
        ),
      );
    }
    expect(codes.slice(0, 4)).toEqual(Array(4).fill(['UNAUTHENTICATED']));
    expect(codes[4]).toEqual(['ACCOUNT_LOCKED']);
    expect(await codesOf(anonymous().request(LoginDocument, user))).toEqual(['ACCOUNT_LOCKED']);
  });
});

describe('sessions', () => {
  test('refresh rotates the token; reusing a rotated one revokes the whole family', async () => {
    const user = await createUser('rotation@lab.test');
    const { login } = await anonymous().request(LoginDocument, user);
    const { refreshSession: second } = await anonymous().request(RefreshSessionDocument, {
      refreshToken: login.refreshToken,
    });
    expect(second.refreshToken).not.toBe(login.refreshToken);
    const { me } = await as(second.accessToken).request(MeDocument);
    expect(me?.email).toBe(user.email);

    // The first token was already rotated: presenting it again is reuse, and ends the family.
    const reuse = anonymous().request(RefreshSessionDocument, { refreshToken: login.refreshToken });
    expect(await codesOf(reuse)).toEqual(['UNAUTHENTICATED']);
    const newest = anonymous().request(RefreshSessionDocument, { refreshToken: second.refreshToken });
    expect(await codesOf(newest)).toEqual(['UNAUTHENTICATED']);
  });

  test('logout ends the session', async () => {
    const user = await createUser('logout@lab.test');
    const { login } = await anonymous().request(LoginDocument, user);
    const { logout } = await anonymous().request(LogoutDocument, { refreshToken: login.refreshToken });
    expect(logout).toBe(true);
    const refresh = anonymous().request(RefreshSessionDocument, { refreshToken: login.refreshToken });
    expect(await codesOf(refresh)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('authorization through the router', () => {
  test('an anonymous caller gets null and UNAUTHORIZED_FIELD_OR_TYPE for me; public fields still resolve', async () => {
    const { status, body } = await post(stack.routerUrl, '{ me { id } __typename }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: null, __typename: 'Query' });
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['me'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } }),
    ]);
  });

  test('users needs the users:admin scope: staff are refused, admins see the connection', async () => {
    const staff = await createUser('staff@lab.test');
    const { login: staffLogin } = await anonymous().request(LoginDocument, staff);
    const { body } = await post(
      stack.routerUrl,
      '{ users { totalCount } }',
      {},
      {
        authorization: `Bearer ${staffLogin.accessToken}`,
      },
    );
    expect(body.errors?.map((e) => [e.path, e.extensions.code])).toEqual([
      [['users'], 'UNAUTHORIZED_FIELD_OR_TYPE'],
    ]);

    const { login } = await anonymous().request(LoginDocument, stack.admin);
    const { users } = await as(login.accessToken).request(UsersDocument, { filter: { text: 'staff@' } });
    expect(users.totalCount).toBe(1);
    expect(users.edges[0]?.node.email).toBe(staff.email);
  });

  test('a tampered token is UNAUTHENTICATED (401), never anonymous', async () => {
    const { login } = await anonymous().request(LoginDocument, stack.admin);
    const [header, payload, signature] = login.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'], sub: 'someone-else' })).toString(
      'base64url',
    );
    const { status, body } = await post(
      stack.routerUrl,
      '{ me { id } }',
      {},
      {
        authorization: `Bearer ${header}.${forged}.${signature}`,
      },
    );
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});
