import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeSupergraphSdl,
  signToken,
  startJwks,
  startRouter,
  type TestKeys,
  type TestRouter,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let router: TestRouter;
let sdl: string;

const unauthorized = (path: Array<string | number>) => ({
  message: 'Unauthorized field or type',
  path,
  extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
});

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  router = await startRouter({ supergraph: { sdl }, jwt: { jwksUrl: keys.jwksUrl } });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close()]);
});

const bearer = async (claims: Parameters<typeof signToken>[1]) => ({
  authorization: `Bearer ${await signToken(keys, claims)}`,
});

describe('authorization directives (filter mode)', () => {
  it('gives anonymous callers null plus an error on @authenticated fields while public fields resolve', async () => {
    const res = await router.post({ query: '{ hello me { id name } }' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { hello: 'world', me: null }, errors: [unauthorized(['me'])] });
  });

  it('resolves @authenticated fields for a signed-in caller', async () => {
    const res = await router.post({ query: '{ me { id name pin } }' }, await bearer({ sub: 'u1' }));
    expect(res.body).toEqual({ data: { me: { id: 'u1', name: 'Ada', pin: '1234' } } });
  });

  it('removes a field whose @requiresScopes is not met, keeping its siblings', async () => {
    const res = await router.post({ query: '{ me { id email } }' }, await bearer({ scope: 'samples:read' }));
    expect(res.body).toEqual({
      data: { me: { id: 'u1', email: null } },
      errors: [unauthorized(['me', 'email'])],
    });
    const ok = await router.post(
      { query: '{ me { email } }' },
      await bearer({ scope: 'samples:read users:read' }),
    );
    expect(ok.body).toEqual({ data: { me: { email: 'ada@example.org' } } });
  });

  it('accepts any one of the OR-ed scope sets', async () => {
    const res = await router.post({ query: '{ users { id } }' }, await bearer({ scope: 'users:admin' }));
    expect(res.body).toEqual({ data: { users: [{ id: 'u1' }] } });
  });

  it('reports list positions as @ and propagates a removed non-null field to the nearest nullable parent', async () => {
    const token = await bearer({ scope: 'users:admin' });
    const res = await router.post({ query: '{ users { id email } sample(id: "s1") { id } }' }, token);
    expect(res.body).toEqual({
      data: { users: [{ id: 'u1', email: null }], sample: { id: 's1' } },
      errors: [unauthorized(['users', '@', 'email'])],
    });
    const anonymous = await router.post({ query: '{ sample(id: "s1") { id barcode } hello }' });
    expect(anonymous.body).toEqual({
      data: { sample: null, hello: 'world' },
      errors: [unauthorized(['sample', 'barcode'])],
    });
    // publicSamples: [Sample!]! - nothing on the way up is nullable, so the whole data becomes null.
    const root = await router.post({ query: '{ publicSamples { id barcode } }' });
    expect(root.body).toEqual({ data: null, errors: [unauthorized(['publicSamples', '@', 'barcode'])] });
  });

  it('evaluates @policy with the router policies; unknown policies deny', async () => {
    const query = '{ secret staffNote unknownPolicy }';
    const staff = await router.post({ query }, await bearer({ roles: ['STAFF'] }));
    expect(staff.body).toEqual({
      data: { secret: null, staffNote: 'for staff', unknownPolicy: null },
      errors: [unauthorized(['secret']), unauthorized(['unknownPolicy'])],
    });
    const admin = await router.post({ query }, await bearer({ roles: ['ADMIN'] }));
    expect(admin.body).toEqual({
      data: { secret: 'for admins', staffNote: 'for staff', unknownPolicy: null },
      errors: [unauthorized(['unknownPolicy'])],
    });
  });

  it('does not call a subgraph whose fields were all removed', async () => {
    const before = graphs.samples.requests.length;
    const res = await router.post({ query: '{ hello samples { id name } }' });
    expect(res.body).toEqual({
      data: { hello: 'world', samples: null },
      errors: [unauthorized(['samples'])],
    });
    expect(graphs.samples.requests.length).toBe(before);
  });

  it('answers without calling any subgraph when every root field was removed', async () => {
    const before = graphs.users.requests.length + graphs.samples.requests.length;
    const res = await router.post({ query: '{ me { id } secret }' });
    expect(res.body).toEqual({
      data: { me: null, secret: null },
      errors: [unauthorized(['me']), unauthorized(['secret'])],
    });
    expect(graphs.users.requests.length + graphs.samples.requests.length).toBe(before);
  });

  it('handles fragments, removes emptied parents and drops variables no longer used', async () => {
    const query = `query Q($id: ID!, $first: Int) {
      sample(id: $id) { ...S }
      users(first: $first) { id }
      hello
    }
    fragment S on Sample { barcode }`;
    const res = await router.post({ query, variables: { id: 's1', first: 1 }, operationName: 'Q' });
    expect(res.body).toEqual({
      data: { sample: null, users: null, hello: 'world' },
      errors: [unauthorized(['sample', 'barcode']), unauthorized(['users'])],
    });
  });

  it('does not reuse the plan of a full operation for a filtered one (and vice versa)', async () => {
    const query = '{ hello me { id } }';
    const anonymous = await router.post({ query });
    const signedIn = await router.post({ query }, await bearer({}));
    const anonymousAgain = await router.post({ query });
    expect(signedIn.body).toEqual({ data: { hello: 'world', me: { id: 'u1' } } });
    expect(anonymousAgain.body).toEqual(anonymous.body);
  });

  it('resolves entities across subgraphs with authorized fields', async () => {
    const res = await router.post({ query: '{ publicSamples { id owner { name } } }' });
    expect(res.body).toEqual({
      data: {
        publicSamples: [
          { id: 's1', owner: { name: 'Ada' } },
          { id: 's2', owner: { name: 'Ada' } },
        ],
      },
    });
  });
});

describe('authorization modes', () => {
  it('reject mode refuses the whole operation with 403 and calls no subgraph', async () => {
    const reject = await startRouter({
      supergraph: { sdl },
      jwt: { jwksUrl: keys.jwksUrl },
      authorization: { mode: 'reject' },
    });
    try {
      const before = graphs.users.requests.length;
      const res = await reject.post({ query: '{ hello me { id } }' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ errors: [unauthorized(['me'])] });
      expect(graphs.users.requests.length).toBe(before);
      const allowed = await reject.post({ query: '{ hello }' });
      expect(allowed.body).toEqual({ data: { hello: 'world' } });
    } finally {
      await reject.close();
    }
  });

  it('dry_run mode logs what would be removed and removes nothing', async () => {
    const dryRun = await startRouter({
      supergraph: { sdl },
      jwt: { jwksUrl: keys.jwksUrl },
      authorization: { mode: 'dry_run' },
    });
    try {
      const res = await dryRun.post({ query: '{ hello me { id } }' });
      expect(res.body).toEqual({ data: { hello: 'world', me: { id: 'u1' } } });
      expect(dryRun.logs.find((l) => l.stage === 'authorization')).toMatchObject({ paths: [['me']] });
    } finally {
      await dryRun.close();
    }
  });
});
