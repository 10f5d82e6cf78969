// Ended sessions stop working within seconds (issue 10, class 6), through the router and straight at a
// subgraph's port: every process polls the auth subgraph's revocation feed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { post, refusedWithin } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let admin: string;
beforeAll(async () => {
  stack = await startTestStack();
  admin = (await login(stack.admin.email, stack.admin.password)).accessToken;
});
afterAll(() => stack?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const LOGIN = `mutation ($e: String!, $p: String!) {
  login(email: $e, password: $p) { accessToken refreshToken user { id } }
}`;
const CREATE_PROJECT = `mutation ($n: String!) { createProject(input: { name: $n }) { id } }`;
const PROJECTS = `{ projects { id } }`;

async function login(email: string, password: string) {
  const { body } = await post(stack.routerUrl, LOGIN, { e: email, p: password });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.login as { accessToken: string; refreshToken: string; user: { id: string } };
}

let users = 0;
async function newUser(roles: string[]) {
  const email = `user${++users}@lab.test`;
  const password = `orchid kettle marble lantern ${users}`;
  const { body } = await post(
    stack.routerUrl,
    `mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }`,
    { i: { email, name: email, roles, password } },
    bearer(admin),
  );
  expect(body.errors).toBeUndefined();
  return { id: body.data.createUser.id as string, email, password };
}

/** A read with the token through the router and straight at the samples subgraph. */
const read = (url: string, token: string) => post(url, PROJECTS, {}, bearer(token));

async function expectEnded(token: string) {
  for (const url of [stack.routerUrl, stack.subgraphUrls.samples!]) {
    const res = await refusedWithin(() => read(url, token));
    expect(res.status).toBe(401);
    expect(res.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  }
}

async function expectWorks(token: string) {
  for (const url of [stack.routerUrl, stack.subgraphUrls.samples!]) {
    const res = await read(url, token);
    expect(res.body.errors).toBeUndefined();
  }
}

describe('an ended session stops working within seconds, at the router and at the subgraphs', () => {
  test('logoutAll', async () => {
    const user = await newUser(['VIEWER']);
    const first = await login(user.email, user.password);
    const second = await login(user.email, user.password);
    await expectWorks(second.accessToken);
    const { body } = await post(stack.routerUrl, 'mutation { logoutAll }', {}, bearer(first.accessToken));
    expect(body.data.logoutAll).toBe(2);
    await expectEnded(first.accessToken);
    await expectEnded(second.accessToken);
  });

  test('changePassword ends the other sessions and keeps the caller', async () => {
    const user = await newUser(['VIEWER']);
    const caller = await login(user.email, user.password);
    const other = await login(user.email, user.password);
    const { body } = await post(
      stack.routerUrl,
      'mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }',
      { c: user.password, n: 'a different long password' },
      bearer(caller.accessToken),
    );
    expect(body.errors).toBeUndefined();
    await expectEnded(other.accessToken);
    await expectWorks(caller.accessToken);
  });

  test('deactivation', async () => {
    const user = await newUser(['STAFF']);
    const session = await login(user.email, user.password);
    await expectWorks(session.accessToken);
    const { body } = await post(
      stack.routerUrl,
      'mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { active } }',
      { id: user.id },
      bearer(admin),
    );
    expect(body.data.updateUser.active).toBe(false);
    await expectEnded(session.accessToken);
  });

  test('a demoted STAFF can no longer write', async () => {
    const user = await newUser(['STAFF']);
    const session = await login(user.email, user.password);
    const write = (url: string) =>
      post(url, CREATE_PROJECT, { n: `P-${Date.now()}` }, bearer(session.accessToken));
    expect((await write(stack.routerUrl)).body.errors).toBeUndefined();
    const { body } = await post(
      stack.routerUrl,
      'mutation ($id: ID!) { updateUser(id: $id, input: { roles: [VIEWER] }) { roles } }',
      { id: user.id },
      bearer(admin),
    );
    expect(body.data.updateUser.roles).toEqual(['VIEWER']);
    for (const url of [stack.routerUrl, stack.subgraphUrls.samples!]) {
      const res = await refusedWithin(() => write(url));
      expect(res.status).toBe(401);
      expect(res.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
      expect(res.body.data?.createProject ?? null).toBeNull();
    }
    // Signed in again, the user has the new role only: reads work, writes are forbidden.
    const again = await login(user.email, user.password);
    await expectWorks(again.accessToken);
    const denied = await post(stack.routerUrl, CREATE_PROJECT, { n: 'P-denied' }, bearer(again.accessToken));
    expect(denied.body.errors![0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(denied.body.data?.createProject ?? null).toBeNull();
  });

  test('refresh-token reuse ends the session, the newest access token included', async () => {
    const user = await newUser(['VIEWER']);
    const session = await login(user.email, user.password);
    const REFRESH = 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }';
    const rotated = await post(stack.routerUrl, REFRESH, { t: session.refreshToken });
    const newest = rotated.body.data.refreshSession.accessToken as string;
    await expectWorks(newest);
    const reused = await post(stack.routerUrl, REFRESH, { t: session.refreshToken });
    expect(reused.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
    await expectEnded(newest);
    await expectEnded(session.accessToken);
  });
});
