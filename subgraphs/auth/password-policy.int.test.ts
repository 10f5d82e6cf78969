import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/helpers/subgraph-harness.ts';
import { assertPasswordRules } from './password.ts';
import { PASSWORD, startAuthHarness, type AuthHarness } from './testing.ts';

let h: AuthHarness;
let admin: { accessToken: string };

beforeAll(async () => {
  h = await startAuthHarness();
  await h.createUser('admin@lab.example', ['ADMIN']);
  admin = await h.login('admin@lab.example');
});
afterAll(async () => {
  await h?.close();
});

const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`;
const RESET = `mutation ($id: ID!, $p: String!) { resetPassword(id: $id, newPassword: $p) { id } }`;
const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }`;

const ruleOf = (body: { errors?: Array<{ extensions: Record<string, unknown> }> }) =>
  body.errors?.[0]?.extensions;

describe('password policy at the auth subgraph', () => {
  it('createUser refuses a common password, however it is dressed up', async () => {
    for (const password of [
      'Sunshine2024!',
      'P@ssw0rd12345',
      'passwordpassword',
      'qwertyuiopasdf',
      'Welcome2026!!',
    ]) {
      const input = { email: 'weak@lab.example', name: 'Weak', roles: ['STAFF'], password };
      const { body } = await h.gql(CREATE, { input }, bearer(admin.accessToken));
      expect(ruleOf(body), password).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'password',
        rule: 'PASSWORD_COMMON',
      });
    }
    expect(await h.subgraph.prisma.user.count({ where: { email: 'weak@lab.example' } })).toBe(0);
  });

  it('createUser refuses a password built from the email or the name', async () => {
    const input = { email: 'rosalind.franklin@lab.example', name: 'Rosalind Franklin', roles: ['STAFF'] };
    for (const password of ['rosalind.franklin!', 'Fr4nklin-is-my-lab', 'my name is ROSALIND']) {
      const { body } = await h.gql(CREATE, { input: { ...input, password } }, bearer(admin.accessToken));
      expect(ruleOf(body), password).toMatchObject({ rule: 'PASSWORD_CONTAINS_USER_DATA' });
    }
    const ok = await h.gql(CREATE, { input: { ...input, password: PASSWORD } }, bearer(admin.accessToken));
    expect(ok.body.errors).toBeUndefined();
  });

  it('resetPassword checks against the target user', async () => {
    const id = await h.createUser('maurice.wilkins@lab.example', ['STAFF']);
    const mine = await h.gql(RESET, { id, p: 'wilkins forever 1962' }, bearer(admin.accessToken));
    expect(ruleOf(mine.body)).toMatchObject({ rule: 'PASSWORD_CONTAINS_USER_DATA', field: 'newPassword' });
    const fine = await h.gql(RESET, { id, p: 'helix of sugar and phosphate' }, bearer(admin.accessToken));
    expect(fine.body.errors).toBeUndefined();
  });

  it('changePassword refuses repetitive and sequential passwords', async () => {
    await h.createUser('crick@lab.example', ['STAFF']);
    const { accessToken } = await h.login('crick@lab.example');
    const cases = {
      aaaaaaaaaaaaaaaa: 'PASSWORD_REPETITIVE',
      abcabcabcabcabc: 'PASSWORD_REPETITIVE',
      '123456789012': 'PASSWORD_SEQUENTIAL',
      zyxwvutsrqponm: 'PASSWORD_SEQUENTIAL',
    };
    for (const [n, rule] of Object.entries(cases)) {
      const { body } = await h.gql(CHANGE, { c: PASSWORD, n }, bearer(accessToken));
      expect(ruleOf(body), n).toMatchObject({ code: 'BAD_USER_INPUT', rule, field: 'newPassword' });
    }
  });
});

describe('assertPasswordRules', () => {
  it('accepts passphrases and random passwords', () => {
    for (const password of ['correct horse battery staple', 'a submitter password', 'Xk3$9vLq!2mZp7Rw']) {
      expect(() => assertPasswordRules(password, 'password', { email: 'someone@lab.example' })).not.toThrow();
    }
  });
});
