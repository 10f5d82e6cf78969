import { Prisma } from '../../generated/prisma/auth/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { createLogger } from './logger.ts';
import { GraphQLError } from 'graphql';
import { ERRORS } from './errors.ts';
import { DateTimeScalar } from './scalars.ts';
import { hasAnyRole, isAuthenticated, allow } from './permissions.ts';
import { createSubgraphServer, type KitContext, type RunningServer } from './server.ts';
import { createTestSigner, type TestSigner } from './testing.ts';
import { freePort } from '../../scripts/free-port.ts';

const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Widget @key(fields: "id") {
    id: ID!
    name: String!
    secret: String
  }
  type Query {
    publicHello: String!
    me: String
    adminOnly: String
    unlisted: String
    boom: String
    coded: String
    busy: String
    mustExist: String!
    mustWork: String!
    uncoded: String
    after(at: DateTime!): String
  }
  scalar DateTime
`;

const ISSUER = 'urn:test:auth';
const AUDIENCE = 'urn:test:graph';

let server: RunningServer;
let signer: TestSigner;
let failReady = false;

beforeAll(async () => {
  signer = await createTestSigner({ issuer: ISSUER, audience: AUDIENCE });
  const subgraph = createSubgraphServer<KitContext>({
    name: 'widgets',
    typeDefs,
    logger: createLogger({ level: 'silent' }),
    auth: signer.auth,
    defaultMetrics: false,
    resolvers: {
      Query: {
        publicHello: () => 'hello',
        me: (_p: unknown, _a: unknown, ctx: KitContext) => `${ctx.identity?.userId} ${ctx.requestId}`,
        adminOnly: () => 'secret',
        unlisted: () => 'never',
        boom: () => {
          throw new Error('db password is hunter2');
        },
        coded: () => {
          throw ERRORS.NOT_FOUND.err('no such widget');
        },
        mustExist: () => {
          throw ERRORS.NOT_FOUND.err('no such widget');
        },
        mustWork: () => {
          throw new Error('db password is hunter2');
        },
        uncoded: () => {
          throw new GraphQLError('db password is hunter2');
        },
        after: (_p: unknown, { at }: { at: Date }) => at.toISOString(),
        busy: () => {
          throw new Prisma.PrismaClientKnownRequestError('Unable to start a transaction in the given time.', {
            code: 'P2028',
            clientVersion: Prisma.prismaVersion.client,
          });
        },
      },
      DateTime: DateTimeScalar,
      Widget: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `widget ${ref.id}`, secret: 's' }),
      },
    },
    permissions: {
      Query: {
        publicHello: allow,
        me: isAuthenticated,
        adminOnly: hasAnyRole('ADMIN'),
        boom: allow,
        coded: allow,
        busy: allow,
        mustExist: allow,
        mustWork: allow,
        uncoded: allow,
        after: allow,
      },
      Widget: { id: allow, name: isAuthenticated },
    },
    readiness: {
      database: async () => {
        if (failReady) throw new Error('connection refused');
      },
    },
  });
  server = await subgraph.listen(0);
});

afterAll(async () => {
  await server?.close();
});

function token(claims: { roles?: string[] } = {}, options: { exp?: string; issuer?: string } = {}) {
  return signer.sign({
    userId: 'user-1',
    roles: claims.roles ?? ['STAFF'],
    scopes: ['samples:read'],
    expiresIn: options.exp,
    issuer: options.issuer,
  });
}

async function gql(query: string, headers: Record<string, string> = {}, variables?: unknown) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('permissions', () => {
  it('allows a public field', async () => {
    const { body } = await gql('{ publicHello }');
    expect(body).toEqual({ data: { publicHello: 'hello' } });
  });

  it('denies an unlisted field by default with FORBIDDEN or UNAUTHENTICATED, never INTERNAL_SERVER_ERROR', async () => {
    const anonymous = await gql('{ unlisted }');
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const signedIn = await gql('{ unlisted }', { authorization: `Bearer ${await token()}` });
    expect(signedIn.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(signedIn.body.data).toEqual({ unlisted: null });
  });

  it('gives FORBIDDEN for a missing role and UNAUTHENTICATED when anonymous', async () => {
    const staff = await gql('{ adminOnly }', { authorization: `Bearer ${await token()}` });
    expect(staff.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(staff.body.errors[0].path).toEqual(['adminOnly']);
    const admin = await gql('{ adminOnly }', {
      authorization: `Bearer ${await token({ roles: ['ADMIN'] })}`,
    });
    expect(admin.body).toEqual({ data: { adminOnly: 'secret' } });
    const anonymous = await gql('{ adminOnly }');
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('serves _service (to signed-in callers, like introspection) and _entities to signed-in callers (entity fields keep their rules)', async () => {
    const sdl = await gql('{ _service { sdl } }', { authorization: `Bearer ${await token()}` });
    expect(sdl.body.data._service.sdl).toContain('type Widget');
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id name } } }';
    const variables = { r: [{ __typename: 'Widget', id: 'w1' }] };
    const signedIn = await gql(query, { authorization: `Bearer ${await token()}` }, variables);
    expect(signedIn.body).toEqual({ data: { _entities: [{ id: 'w1', name: 'widget w1' }] } });
    // Even a field every caller may read (id) is not resolved for an anonymous caller: _entities itself refuses.
    const anonymous = await gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id } } }',
      {},
      variables,
    );
    expect(anonymous.body.data).toBeNull();
    expect(anonymous.body.errors[0]).toMatchObject({
      path: ['_entities'],
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const hidden = await gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { secret } } }',
      { authorization: `Bearer ${await token()}` },
      variables,
    );
    expect(hidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('identity', () => {
  it('puts the verified identity and the request id on the context', async () => {
    const { body, headers } = await gql('{ me }', {
      authorization: `Bearer ${await token()}`,
      'x-request-id': 'req-42',
    });
    expect(body.data.me).toBe('user-1 req-42');
    expect(headers.get('x-request-id')).toBe('req-42');
  });

  it('rejects forged, unsigned, expired and wrong-issuer tokens with UNAUTHENTICATED', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ roles: ['ADMIN'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'test-key' })
      .setSubject('user-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(other.privateKey);
    const unsigned = new UnsecuredJWT({ roles: ['ADMIN'] })
      .setSubject('user-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    const expired = await token({}, { exp: '-1m' });
    const wrongIssuer = await token({}, { issuer: 'urn:evil' });
    for (const bad of [forged, unsigned, expired, wrongIssuer, 'garbage']) {
      const { status, body } = await gql('{ publicHello }', { authorization: `Bearer ${bad}` });
      expect(status).toBe(401);
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('ignores identity headers', async () => {
    const { body } = await gql('{ me }', { 'x-user-id': 'admin', 'x-roles': 'ADMIN' });
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('errors', () => {
  it('masks unknown errors and passes coded ones through', async () => {
    const boom = await gql('{ boom }');
    expect(boom.body.errors[0]).toMatchObject({ message: 'Internal server error', path: ['boom'] });
    expect(boom.body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(boom.body)).not.toContain('hunter2');
    const coded = await gql('{ coded }');
    expect(coded.body.errors[0]).toMatchObject({
      message: 'no such widget',
      extensions: { code: 'NOT_FOUND' },
    });
    // A Prisma error no resolver mapped still gets its code: overload is worth a retry, not a mask.
    const busy = await gql('{ busy }');
    expect(busy.body.errors[0]).toMatchObject({
      path: ['busy'],
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it('masks a GraphQLError thrown without a code', async () => {
    const { body } = await gql('{ uncoded }');
    expect(body.errors[0]).toEqual({
      message: 'Internal server error',
      locations: [{ line: 1, column: 3 }],
      path: ['uncoded'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it("answers a response that is only the client's error with the registry's status; partial data stays 200", async () => {
    const whole = await gql('{ mustExist }');
    expect([whole.status, whole.body.data, whole.body.errors[0].extensions]).toEqual([
      404,
      null,
      { code: 'NOT_FOUND' },
    ]);
    expect(whole.body.errors[0].message).toBe('no such widget');
    const partial = await gql('{ coded publicHello }');
    expect([partial.status, partial.body.data]).toEqual([200, { coded: null, publicHello: 'hello' }]);
  });

  it('answers 500 with the masked error when nothing but an internal failure is left', async () => {
    const { status, body } = await gql('{ mustWork }');
    expect(status).toBe(500);
    expect(body).toMatchObject({ data: null, errors: [{ message: 'Internal server error' }] });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it("refuses a bad DateTime with 400 and the scalar's message", async () => {
    const variable = await gql('query ($at: DateTime!) { after(at: $at) }', {}, { at: 'yesterday' });
    expect(variable.status).toBe(400);
    expect(variable.body.errors[0]).toMatchObject({
      message: 'Variable "$at" got invalid value "yesterday"; DateTime must be an ISO 8601 date-time string',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const literal = await gql('{ after(at: "yesterday") }');
    expect(literal.status).toBe(400);
    expect(literal.body.errors[0]).toMatchObject({
      message: 'DateTime must be an ISO 8601 date-time string',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const good = await gql('{ after(at: "2026-03-01T09:30:00Z") }');
    expect(good.body).toEqual({ data: { after: '2026-03-01T09:30:00.000Z' } });
  });

  it('answers malformed requests with 4xx JSON and a code, never an HTML page', async () => {
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const notJson = await post('{nope');
    expect([notJson.status, notJson.headers.get('content-type')]).toEqual([
      400,
      expect.stringContaining('json'),
    ]);
    expect(await notJson.json()).toEqual({
      errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
    });
    const tooLarge = await post(JSON.stringify({ query: `{ publicHello } #${'x'.repeat(1_100_000)}` }));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({
      errors: [{ extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'bodyLimit' } }],
    });
    const mismatch = await post(
      JSON.stringify({
        query: '{ publicHello }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
      }),
    );
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toEqual({
      errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }],
    });
    const unknownOperation = await post(
      JSON.stringify({ query: 'query A { publicHello }', operationName: 'B' }),
    );
    expect(unknownOperation.status).toBe(400);
    expect(await unknownOperation.json()).toEqual({
      errors: [
        { message: 'Unknown operation named "B".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
      ],
    });
  });

  it('keeps CSRF prevention on', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ publicHello }')}`);
    expect(res.status).toBe(400);
  });
});

describe('http endpoints', () => {
  it('/health is live, /ready runs the checks', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    failReady = true;
    const notReady = await fetch(`${server.url}/ready`);
    failReady = false;
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'unavailable', checks: { database: 'failed' } });
  });

  it('/metrics counts http requests and graphql operations', async () => {
    await gql('query Hello { publicHello }');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(
      /graphql_operations_total\{operation="Hello",type="query",outcome="success",subgraph="widgets"\} \d+/,
    );
    expect(text).toMatch(
      /http_requests_total\{method="POST",route="\/graphql",status="200",subgraph="widgets"\}/,
    );
  });
});

describe('session checks', () => {
  const minimal = {
    typeDefs,
    logger: createLogger({ level: 'silent' }),
    defaultMetrics: false,
    resolvers: { Query: { publicHello: () => 'hello', me: () => 'me' } },
    permissions: { Query: { publicHello: allow, me: isAuthenticated } },
  };
  const me = (url: string, bearer: string) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query: '{ me }' }),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as any })); // eslint-disable-line @typescript-eslint/no-explicit-any

  it('refuses a token issued in the future or living longer than the maximum', async () => {
    const bounded = await createSubgraphServer<KitContext>({
      ...minimal,
      name: 'bounded',
      auth: { ...signer.auth, maxTokenLifetimeSeconds: 900 },
    }).listen(0);
    try {
      const sign = (expiresIn: string, issuedAt?: string) =>
        signer.sign({ userId: 'user-1', expiresIn, issuedAt });
      expect((await me(bounded.url, await sign('15m'))).body).toEqual({ data: { me: 'me' } });
      for (const token of [await sign('20m', '2m'), await sign('16m')]) {
        const refused = await me(bounded.url, token);
        expect(refused.status).toBe(401);
        expect(refused.body.errors[0].extensions).toMatchObject({
          code: 'UNAUTHENTICATED',
          reason: 'TOKEN_INVALID',
        });
      }
    } finally {
      await bounded.close();
    }
  });

  it('fails closed (503) for authenticated requests while the revocation feed cannot be read', async () => {
    const nobodyListens = `http://127.0.0.1:${await freePort()}/sessions/revoked`;
    const unchecked = await createSubgraphServer<KitContext>({
      ...minimal,
      name: 'unchecked',
      auth: { ...signer.auth, revocations: { url: nobodyListens, pollMs: 100, maxStaleMs: 500 } },
    }).listen(0);
    try {
      const refused = await me(unchecked.url, await signer.sign({ userId: 'user-1' }));
      expect(refused.status).toBe(503);
      expect(refused.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      const anonymous = await gql('{ publicHello }');
      expect(anonymous.body).toEqual({ data: { publicHello: 'hello' } });
    } finally {
      await unchecked.close();
    }
  });
});
