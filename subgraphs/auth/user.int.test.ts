import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer } from '../../test/helpers/subgraph-harness.ts';
import { PASSWORD, startAuthHarness, type AuthHarness } from './testing.ts';

let h: AuthHarness;
let admin: { accessToken: string; user: { id: string } };
let staff: { accessToken: string; user: { id: string } };
let viewer: { accessToken: string; user: { id: string } };

beforeAll(async () => {
  h = await startAuthHarness();
  await h.createUser('admin@lab.example', ['ADMIN']);
  await h.createUser('staff@lab.example', ['STAFF']);
  await h.createUser('viewer@lab.example', ['VIEWER']);
  admin = await h.login('admin@lab.example');
  staff = await h.login('staff@lab.example');
  viewer = await h.login('viewer@lab.example');
});
afterAll(async () => {
  await h?.close();
});

const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id email name roles active } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id name roles active } }`;
const RESET = `mutation ($id: ID!, $p: String!) { resetPassword(id: $id, newPassword: $p) { id } }`;

describe('createUser', () => {
  it('lets an admin create a user, who can then log in; writes user.created', async () => {
    const input = {
      email: 'New.Person@Lab.Example',
      name: 'New Person',
      roles: ['SUBMITTER'],
      password: PASSWORD,
    };
    const { body } = await h.gql(CREATE, { input }, bearer(admin.accessToken));
    expect(body.errors).toBeUndefined();
    const user = body.data.createUser;
    expect(user).toMatchObject({ email: 'new.person@lab.example', roles: ['SUBMITTER'], active: true });
    await h.login('new.person@lab.example');
    const created = (await h.events()).find((e) => e.type === 'user.created' && e.entityId === user.id);
    expect(created).toMatchObject({ actorId: admin.user.id });
    expect(created!.changes).toEqual({
      email: { from: null, to: 'new.person@lab.example' },
      name: { from: null, to: 'New Person' },
      roles: { from: null, to: ['SUBMITTER'] },
      active: { from: null, to: true },
    });
  });

  it('gives CONFLICT for a taken email and BAD_USER_INPUT naming the password rule', async () => {
    const taken = { email: 'staff@lab.example', name: 'Dup', roles: ['STAFF'], password: PASSWORD };
    const dup = await h.gql(CREATE, { input: taken }, bearer(admin.accessToken));
    expect(dup.body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
    const short = { email: 'short@lab.example', name: 'Short', roles: ['STAFF'], password: 'elevenchars' };
    const weak = await h.gql(CREATE, { input: short }, bearer(admin.accessToken));
    expect(weak.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'PASSWORD_MIN_LENGTH',
    });
  });

  it('is FORBIDDEN to non-admins and UNAUTHENTICATED anonymously', async () => {
    const input = { email: 'x@lab.example', name: 'X', roles: ['ADMIN'], password: PASSWORD };
    const asStaff = await h.gql(CREATE, { input }, bearer(staff.accessToken));
    expect(asStaff.body.errors![0].extensions.code).toBe('FORBIDDEN');
    const anonymous = await h.gql(CREATE, { input });
    expect(anonymous.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await h.subgraph.prisma.user.count({ where: { email: 'x@lab.example' } })).toBe(0);
  });
});

describe('updateUser', () => {
  it('changes roles, ending the sessions that carry the old ones; writes user.roles_changed with from/to', async () => {
    const id = await h.createUser('promote@lab.example', ['VIEWER']);
    const session = await h.login('promote@lab.example');
    const { body } = await h.gql(
      UPDATE,
      { id, input: { roles: ['STAFF', 'VIEWER'] } },
      bearer(admin.accessToken),
    );
    expect(body.data.updateUser.roles).toEqual(['STAFF', 'VIEWER']);
    const event = (await h.events()).find((e) => e.type === 'user.roles_changed' && e.entityId === id);
    expect(event!.changes).toEqual({ roles: { from: ['VIEWER'], to: ['STAFF', 'VIEWER'] } });
    expect(event!.payload).toEqual({ sessionsRevoked: 1 });
    const refreshed = await h.gql(
      'mutation ($t: String!) { refreshSession(refreshToken: $t) { user { roles } } }',
      { t: session.refreshToken },
    );
    expect(refreshed.body.errors![0].extensions).toMatchObject({ reason: 'SESSION_REVOKED' });
    // The old access token stops working within a poll of the revocation feed (1 s) ...
    const me = () => h.gql('{ me { id } }', {}, bearer(session.accessToken));
    const deadline = Date.now() + 5000;
    let res = await me();
    while (res.status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await me();
    }
    expect(res.body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
    // ... and a new sign-in carries the new roles.
    const again = await h.login('promote@lab.example');
    expect(decodeJwt(again.accessToken).roles).toEqual(['STAFF', 'VIEWER']);
  });

  it('deactivating ends all sessions and blocks login; writes user.deactivated', async () => {
    const id = await h.createUser('leaver@lab.example', ['STAFF']);
    const session = await h.login('leaver@lab.example');
    const { body } = await h.gql(
      UPDATE,
      { id, input: { active: false, name: 'Leaver' } },
      bearer(admin.accessToken),
    );
    expect(body.data.updateUser).toMatchObject({ active: false, name: 'Leaver' });
    const refreshed = await h.gql(
      'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }',
      {
        t: session.refreshToken,
      },
    );
    expect(refreshed.body.errors![0].extensions.reason).toBe('SESSION_REVOKED');
    const relogin = await h.gql(
      'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
      {
        e: 'leaver@lab.example',
        p: PASSWORD,
      },
    );
    expect(relogin.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
    const events = (await h.events()).filter((e) => e.entityId === id);
    expect(events.find((e) => e.type === 'user.deactivated')).toMatchObject({
      changes: { active: { from: true, to: false } },
      payload: { sessionsRevoked: 1 },
    });
    expect(events.find((e) => e.type === 'user.updated')!.changes).toEqual({
      name: { from: 'leaver', to: 'Leaver' },
    });
  });

  it('refuses to remove the last active admin, and FORBIDDEN for non-admins, NOT_FOUND for unknown ids', async () => {
    const self = await h.gql(
      UPDATE,
      { id: admin.user.id, input: { active: false } },
      bearer(admin.accessToken),
    );
    expect(self.body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', rule: 'LAST_ADMIN' });
    const asStaff = await h.gql(
      UPDATE,
      { id: staff.user.id, input: { roles: ['ADMIN'] } },
      bearer(staff.accessToken),
    );
    expect(asStaff.body.errors![0].extensions.code).toBe('FORBIDDEN');
    const missing = await h.gql(
      UPDATE,
      { id: '00000000-0000-4000-8000-000000000000', input: { name: 'x' } },
      bearer(admin.accessToken),
    );
    expect(missing.body.errors![0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('resetPassword', () => {
  it('sets a new password, ends all sessions, writes user.password_reset; non-admins are FORBIDDEN', async () => {
    const id = await h.createUser('forgot@lab.example', ['SUBMITTER']);
    const session = await h.login('forgot@lab.example');
    const asViewer = await h.gql(RESET, { id, p: 'another long password' }, bearer(viewer.accessToken));
    expect(asViewer.body.errors![0].extensions.code).toBe('FORBIDDEN');
    const weak = await h.gql(RESET, { id, p: 'short' }, bearer(admin.accessToken));
    expect(weak.body.errors![0].extensions).toMatchObject({
      rule: 'PASSWORD_MIN_LENGTH',
      field: 'newPassword',
    });
    const { body } = await h.gql(RESET, { id, p: 'another long password' }, bearer(admin.accessToken));
    expect(body.data.resetPassword.id).toBe(id);
    await h.login('forgot@lab.example', 'another long password');
    const old = await h.gql('mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }', {
      t: session.refreshToken,
    });
    expect(old.body.errors![0].extensions.reason).toBe('SESSION_REVOKED');
    const event = (await h.events()).find((e) => e.type === 'user.password_reset' && e.entityId === id);
    expect(event).toMatchObject({ actorId: admin.user.id, payload: { sessionsRevoked: 1 } });
  });
});

describe('reading users', () => {
  it('me returns the caller; user(id) is open to admin and staff, and to oneself', async () => {
    const me = await h.gql('{ me { id email roles lastLoginAt } }', {}, bearer(viewer.accessToken));
    expect(me.body.data.me).toMatchObject({ id: viewer.user.id, roles: ['VIEWER'] });
    expect(me.body.data.me.lastLoginAt).not.toBeNull();

    const Q = 'query ($id: ID!) { user(id: $id) { id name } }';
    expect((await h.gql(Q, { id: viewer.user.id }, bearer(staff.accessToken))).body.data.user.id).toBe(
      viewer.user.id,
    );
    expect(
      (await h.gql(Q, { id: staff.user.id }, bearer(viewer.accessToken))).body.errors![0].extensions.code,
    ).toBe('FORBIDDEN');
    expect((await h.gql(Q, { id: viewer.user.id }, bearer(viewer.accessToken))).body.data.user.id).toBe(
      viewer.user.id,
    );
    expect((await h.gql(Q, { id: viewer.user.id })).body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('hides lastLoginAt of others from non-admins', async () => {
    const { body } = await h.gql(
      'query ($id: ID!) { user(id: $id) { id lastLoginAt } }',
      { id: viewer.user.id },
      bearer(staff.accessToken),
    );
    expect(body.data.user).toEqual({ id: viewer.user.id, lastLoginAt: null });
    expect(body.errors![0]).toMatchObject({
      path: ['user', 'lastLoginAt'],
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('users: a filtered, paginated connection for admins only', async () => {
    const Q = `query ($f: UserFilter, $first: Int, $after: String) {
      users(filter: $f, first: $first, after: $after) {
        totalCount edges { cursor node { email } } pageInfo { hasNextPage endCursor }
      }
    }`;
    const all = await h.gql(Q, { first: 2 }, bearer(admin.accessToken));
    const page1 = all.body.data.users;
    expect(page1.edges).toHaveLength(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const total = page1.totalCount;
    const emails: string[] = page1.edges.map((e: { node: { email: string } }) => e.node.email);
    let after = page1.pageInfo.endCursor;
    for (;;) {
      const next = (await h.gql(Q, { first: 2, after }, bearer(admin.accessToken))).body.data.users;
      emails.push(...next.edges.map((e: { node: { email: string } }) => e.node.email));
      if (!next.pageInfo.hasNextPage) break;
      after = next.pageInfo.endCursor;
    }
    expect(emails).toHaveLength(total);
    expect([...emails].sort()).toEqual(emails);

    const staffOnly = await h.gql(Q, { f: { role: 'STAFF', text: 'STAFF@' } }, bearer(admin.accessToken));
    expect(staffOnly.body.data.users.edges.map((e: { node: { email: string } }) => e.node.email)).toEqual([
      'staff@lab.example',
    ]);
    const tooMany = await h.gql(Q, { first: 101 }, bearer(admin.accessToken));
    expect(tooMany.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'PAGE_SIZE' });

    const asStaff = await h.gql(Q, {}, bearer(staff.accessToken));
    expect(asStaff.body.errors![0].extensions.code).toBe('FORBIDDEN');
  });

  it('resolves a User reference with the account details only for the user, STAFF and ADMIN', async () => {
    const ENTITY = `query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on User { id name email roles active createdAt } } }`;
    const PROFILE = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }';
    const ownerId = await h.createUser('owner@lab.example', ['SUBMITTER']);
    const owner = await h.login('owner@lab.example');
    await h.createUser('other@lab.example', ['SUBMITTER']);
    const other = await h.login('other@lab.example');
    const r = [{ __typename: 'User', id: ownerId }];
    const full = {
      id: ownerId,
      name: 'owner',
      email: 'owner@lab.example',
      roles: ['SUBMITTER'],
      active: true,
    };

    for (const reader of [owner, staff, admin]) {
      const { body } = await h.gql(ENTITY, { r }, bearer(reader.accessToken));
      expect(body.errors).toBeUndefined();
      expect(body.data._entities).toEqual([{ ...full, createdAt: expect.any(String) }]);
    }
    // Another submitter and a viewer reach the display name (as on a sample's history), nothing else.
    for (const reader of [other, viewer]) {
      // One field at a time: the first refused non-null field nulls the entity and ends the others.
      for (const field of ['email', 'roles', 'active', 'createdAt']) {
        const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id ${field} } } }`;
        const { body } = await h.gql(query, { r }, bearer(reader.accessToken));
        expect(body.data._entities).toEqual([null]);
        expect(body.errors![0]).toMatchObject({
          path: ['_entities', 0, field],
          extensions: { code: 'FORBIDDEN' },
        });
      }
      const profile = await h.gql(PROFILE, { r }, bearer(reader.accessToken));
      expect(profile.body).toEqual({ data: { _entities: [{ id: ownerId, name: 'owner' }] } });
    }
    const anonymous = await h.gql(PROFILE, { r });
    expect(anonymous.body.data).toBeNull();
    expect(anonymous.body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('resolves User references for the router in one query (dataloader)', async () => {
    const ids = (await h.subgraph.prisma.user.findMany({ select: { id: true } })).map((u) => u.id);
    const spy = vi.spyOn(h.subgraph.prisma.user, 'findMany');
    try {
      const { body } = await h.gql(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }',
        {
          r: [...ids, '00000000-0000-4000-8000-000000000000', 'not-a-uuid'].map((id) => ({
            __typename: 'User',
            id,
          })),
        },
        bearer(staff.accessToken),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data._entities).toHaveLength(ids.length + 2);
      expect(body.data._entities.slice(0, ids.length).map((u: { id: string }) => u.id)).toEqual(ids);
      expect(body.data._entities.slice(ids.length)).toEqual([null, null]);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
