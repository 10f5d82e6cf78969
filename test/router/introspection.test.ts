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
import type { IntrospectionMode } from '../../common/introspection.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
const routers: Partial<Record<IntrospectionMode | 'default', TestRouter>> = {};

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  const start = (introspection?: { mode: IntrospectionMode }) =>
    startRouter({ supergraph: { sdl }, jwt: { jwksUrl: keys.jwksUrl }, introspection });
  [routers.default, routers.off, routers.on] = await Promise.all([
    start(),
    start({ mode: 'off' }),
    start({ mode: 'on' }),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(routers).map((r) => r.close()));
  await Promise.all([graphs?.close(), keys?.close()]);
});

const signedIn = async () => ({ authorization: `Bearer ${await signToken(keys)}` });
const schemaQuery = '{ __schema { queryType { name } } }';
// Hidden in a fragment, under an alias: still introspection.
const typeQuery = 'query Q { ...F } fragment F on Query { t: __type(name: "User") { fields { name } } }';
const typo = '{ helo }';

describe('introspection (ROUTER_INTROSPECTION, default authenticated)', () => {
  it('refuses __schema and __type to anonymous callers, with no data', async () => {
    for (const query of [schemaQuery, typeQuery]) {
      const { status, body } = await routers.default!.post({ query });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors).toEqual([
        {
          message: 'Introspection is not allowed for anonymous callers: send a bearer token',
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        },
      ]);
    }
  });

  it('answers introspection for a caller with a verified token', async () => {
    const { status, body } = await routers.default!.post({ query: typeQuery }, await signedIn());
    expect(status).toBe(200);
    expect(body.data?.t).toMatchObject({ fields: expect.arrayContaining([{ name: 'name' }]) });
  });

  it('keeps __typename for everyone', async () => {
    const { body } = await routers.default!.post({ query: '{ __typename hello }' });
    expect(body).toEqual({ data: { __typename: 'Query', hello: 'world' } });
  });

  it('strips "Did you mean" suggestions for anonymous callers, keeps them for signed-in ones', async () => {
    const anonymous = await routers.default!.post({ query: typo });
    expect(anonymous.body.errors?.[0]?.message).toBe('Cannot query field "helo" on type "Query".');
    expect(JSON.stringify(anonymous.body)).not.toContain('hello');
    const member = await routers.default!.post({ query: typo }, await signedIn());
    expect(member.body.errors?.[0]?.message).toBe(
      'Cannot query field "helo" on type "Query". Did you mean "hello"?',
    );
  });

  it('off refuses everyone and strips suggestions for everyone', async () => {
    const { status, body } = await routers.off!.post({ query: schemaQuery }, await signedIn());
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toBe('Introspection is disabled');
    const suggestion = await routers.off!.post({ query: typo }, await signedIn());
    expect(suggestion.body.errors?.[0]?.message).toBe('Cannot query field "helo" on type "Query".');
  });

  it('on answers anonymous callers, suggestions included', async () => {
    const { body } = await routers.on!.post({ query: schemaQuery });
    expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const suggestion = await routers.on!.post({ query: typo });
    expect(suggestion.body.errors?.[0]?.message).toContain('Did you mean "hello"?');
  });
});
