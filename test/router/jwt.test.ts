import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audience,
  composeSupergraphSdl,
  federation,
  issuer,
  rawToken,
  signToken,
  startJwks,
  startRouter,
  startSubgraph,
  type TestKeys,
  type TestRouter,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let router: TestRouter;

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  router = await startRouter({ supergraph: { sdl }, jwt: { jwksUrl: keys.jwksUrl } });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), keys?.close()]);
});

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: 'u1', iss: issuer, aud: audience, exp: now() + 300, roles: [], scope: '' });

const expectUnauthenticated = async (token: string) => {
  const res = await router.post({ query: '{ hello }' }, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(401);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
};

describe('JWT verification', () => {
  it('treats a request without Authorization as anonymous', async () => {
    const res = await router.post({ query: '{ hello }' });
    expect(res.body).toEqual({ data: { hello: 'world' } });
  });

  it('accepts a valid EdDSA token', async () => {
    const res = await router.post(
      { query: '{ me { id } }' },
      { authorization: `Bearer ${await signToken(keys)}` },
    );
    expect(res.body).toEqual({ data: { me: { id: 'u1' } } });
  });

  it('refuses alg none', async () => {
    await expectUnauthenticated(rawToken({ alg: 'none', typ: 'JWT' }, claims()));
    await expectUnauthenticated(rawToken({ alg: 'none', typ: 'JWT', kid: keys.kid }, claims()));
  });

  it('refuses an HS256 token signed with the public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(keys.publicJwk));
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: keys.kid })
      .sign(secret);
    await expectUnauthenticated(token);
    const fromX = Buffer.from(keys.publicJwk.x ?? '', 'base64url');
    await expectUnauthenticated(
      await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: keys.kid }).sign(fromX),
    );
  });

  it('refuses an unknown kid, re-fetching the JWKS at most once per cooldown', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const before = keys.fetches();
    for (let i = 0; i < 3; i += 1) {
      await expectUnauthenticated(await signToken({ privateKey: other.privateKey, kid: 'unknown-kid' }));
    }
    expect(keys.fetches() - before).toBeLessThanOrEqual(1);
  });

  it('refuses a bad signature and a tampered payload', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await expectUnauthenticated(await signToken({ privateKey: other.privateKey, kid: keys.kid }));
    const [header, , signature] = (await signToken(keys, { sub: 'u1' })).split('.');
    const tampered = Buffer.from(JSON.stringify({ ...claims(), sub: 'admin', roles: ['ADMIN'] })).toString(
      'base64url',
    );
    await expectUnauthenticated(`${header}.${tampered}.${signature}`);
  });

  it('refuses expired tokens and tokens without exp', async () => {
    await expectUnauthenticated(await signToken(keys, {}, { expiresIn: now() - 3600 }));
    const noExp = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(keys.privateKey);
    await expectUnauthenticated(noExp);
  });

  it('refuses a wrong audience or issuer', async () => {
    await expectUnauthenticated(await signToken(keys, {}, { audience: 'urn:somewhere:else' }));
    await expectUnauthenticated(await signToken(keys, {}, { issuer: 'urn:evil:issuer' }));
  });

  it('derives the JWKS URL from the auth subgraph when none is configured', async () => {
    const auth = await startSubgraph(
      'auth',
      `${federation}\ntype Query { whoami: String @authenticated }`,
      { Query: { whoami: () => 'u1' } },
      {
        routes: (app) =>
          app
            .get('/.well-known/jwks.json', (_req, res) => void res.json({ keys: [keys.publicJwk] }))
            .get(
              '/sessions/revoked',
              (_req, res) => void res.json({ cursor: '0', revoked: [], more: false }),
            ),
      },
    );
    const derived = await startRouter({ supergraph: { sdl: composeSupergraphSdl([auth]) } });
    try {
      const res = await derived.post(
        { query: '{ whoami }' },
        { authorization: `Bearer ${await signToken(keys)}` },
      );
      expect(res.body).toEqual({ data: { whoami: 'u1' } });
    } finally {
      await derived.close();
      await auth.close();
    }
  });

  it('refuses a token without a session, issued in the future, or living longer than the maximum', async () => {
    const claims = { roles: [], scope: '' };
    const noSid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.kid })
      .setSubject('u1')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(keys.privateKey);
    await expectUnauthenticated(noSid);
    const issued = (iat: number, exp: number) =>
      new SignJWT({ ...claims, sid: 'a-session' })
        .setProtectedHeader({ alg: 'EdDSA', kid: keys.kid })
        .setSubject('u1')
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(keys.privateKey);
    // Within the limits (900 s lifetime, 5 s clock tolerance) it passes ...
    const ok = await router.post(
      { query: '{ hello }' },
      { authorization: `Bearer ${await issued(now(), now() + 900)}` },
    );
    expect(ok.body).toEqual({ data: { hello: 'world' } });
    // ... a minute in the future or a day long it does not.
    await expectUnauthenticated(await issued(now() + 60, now() + 600));
    await expectUnauthenticated(await issued(now(), now() + 86_400));
    await expectUnauthenticated(await issued(now() - 10, now() + 900));
  });

  it('refuses the tokens of an ended session once the revocation feed lists it', async () => {
    const sid = 'ended-session';
    const token = await signToken(keys, { sid });
    const call = () => router.post({ query: '{ hello }' }, { authorization: `Bearer ${token}` });
    expect((await call()).body).toEqual({ data: { hello: 'world' } });
    keys.revoke(sid);
    const deadline = Date.now() + 5000;
    let res = await call();
    while (res.status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await call();
    }
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    // Other sessions are unaffected.
    expect(
      (await router.post({ query: '{ hello }' }, { authorization: `Bearer ${await signToken(keys)}` })).body,
    ).toEqual({
      data: { hello: 'world' },
    });
  });

  it('fails closed for authenticated requests while the revocation feed is unreadable', async () => {
    const ownKeys = await startJwks();
    const strict = await startRouter({
      supergraph: { sdl: composeSupergraphSdl([graphs.users, graphs.samples]) },
      jwt: { jwksUrl: ownKeys.jwksUrl, revocations: { pollMs: 100, maxStaleMs: 500 } },
    });
    try {
      const token = await signToken(ownKeys);
      const call = () => strict.post({ query: '{ hello }' }, { authorization: `Bearer ${token}` });
      expect((await call()).body).toEqual({ data: { hello: 'world' } });
      ownKeys.breakFeed(true);
      await new Promise((r) => setTimeout(r, 800));
      const refused = await call();
      expect(refused.status).toBe(503);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      // Anonymous requests do not depend on it.
      expect((await strict.post({ query: '{ hello }' })).body).toEqual({ data: { hello: 'world' } });
      ownKeys.breakFeed(false);
      expect((await call()).body).toEqual({ data: { hello: 'world' } });
    } finally {
      await strict.close();
      await ownKeys.close();
    }
  });

  it('refuses a malformed Authorization header instead of going anonymous', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-jwt']) {
      const res = await router.post({ query: '{ hello }' }, { authorization: header });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    }
  });
});
