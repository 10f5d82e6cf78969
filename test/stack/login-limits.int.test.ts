// Login limits per client through the router (issue 10, class 3): one client's failure storm never locks the
// admin out elsewhere. The router trusts the test's loopback connection as a proxy, so X-Forwarded-For names
// the clients; the auth subgraph believes only the address the router signs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ ROUTER_TRUSTED_PROXIES: '127.0.0.1' });
});
afterAll(() => stack?.close());

const LOGIN = `mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken user { email } }
}`;

async function loginCode(url: string, password: string, forwardedFor: string) {
  const { body } = await post(
    url,
    LOGIN,
    { email: stack.admin.email, password },
    {
      'x-forwarded-for': forwardedFor,
    },
  );
  return body.errors ? (body.errors[0].extensions.code as string) : 'OK';
}

describe('login limits per client', () => {
  test("31 failures from client A lock and throttle A only: the admin's password works from client B", async () => {
    const attacker = '203.0.113.5';
    const codes: string[] = [];
    for (let i = 0; i < 31; i++)
      codes.push(await loginCode(stack.routerUrl, `wrong password ${i}`, attacker));
    expect(codes.slice(0, 4)).toEqual(Array(4).fill('UNAUTHENTICATED'));
    expect(codes.slice(4, 30)).toEqual(Array(26).fill('ACCOUNT_LOCKED'));
    expect(codes[30]).toBe('TOO_MANY_REQUESTS');

    // A is throttled, with the right password and when it prepends someone else's address.
    expect(await loginCode(stack.routerUrl, stack.admin.password, attacker)).toBe('TOO_MANY_REQUESTS');
    expect(await loginCode(stack.routerUrl, stack.admin.password, `198.51.100.7, ${attacker}`)).toBe(
      'TOO_MANY_REQUESTS',
    );
    // B signs in.
    expect(await loginCode(stack.routerUrl, stack.admin.password, '198.51.100.7')).toBe('OK');
  });

  test('X-Forwarded-For sent straight to the auth port is not believed', async () => {
    const auth = stack.subgraphUrls.auth!;
    const codes: string[] = [];
    // Each request claims a fresh address; the auth subgraph sees its socket peer every time.
    for (let i = 0; i < 31; i++) codes.push(await loginCode(auth, `wrong password ${i}`, `192.0.2.${i + 1}`));
    expect(codes[30]).toBe('TOO_MANY_REQUESTS');
    expect(await loginCode(auth, stack.admin.password, '192.0.2.200')).toBe('TOO_MANY_REQUESTS');
    // The router's clients are unaffected.
    expect(await loginCode(stack.routerUrl, stack.admin.password, '198.51.100.8')).toBe('OK');
  });
});
