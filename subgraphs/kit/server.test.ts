import { Prisma } from '../../generated/prisma/auth/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { createLogger } from './logger.ts';
import { ERRORS } from './errors.ts';
import { hasAnyRole, isAuthenticated, allow } from './permissions.ts';
import { createSubgraphServer, type KitContext, type RunningServer } from './server.ts';
import { createTestSigner, type TestSigner } from './testing.ts';

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
  }
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
        busy: () => {
          throw new Prisma.PrismaClientKnownRequestError('Unable to start a transaction in the given time.', {
            code: 'P2028',
            clientVersion: Prisma.prismaVersion.client,
          });
        },
      },
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
