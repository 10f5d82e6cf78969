// Test fixtures for the router: tiny inline subgraphs on random ports, an in-process supergraph, a JWKS server
// and real signed tokens. Every start function returns something with close(); tests close all of them.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import express from 'express';
import { parse } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import { pino } from 'pino';
import {
  createRouter,
  type RouterOptions,
  type Router,
  type ListeningRouter,
} from '../../router/createRouter.ts';

export const federation = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes", "@policy", "@cost", "@listSize"])`;

export interface TestSubgraph {
  name: string;
  url: string;
  typeDefs: string;
  /** Headers of every GraphQL request the subgraph received. */
  requests: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)),
  );
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

/** A plain Apollo subgraph on express, at <origin>/graphql, with GET /health unless `health: false`. */
export async function startSubgraph(
  name: string,
  typeDefs: string,
  resolvers: GraphQLResolverMap<unknown>,
  options: { health?: boolean; routes?: (app: express.Express) => void } = {},
): Promise<TestSubgraph> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const requests: TestSubgraph['requests'] = [];
  const app = express();
  if (options.health !== false) app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  options.routes?.(app);
  app.use(
    '/graphql',
    express.json(),
    (req, _res, next) => {
      const query = (req.body as { query?: string } | undefined)?.query ?? '';
      if (!query.includes('__ApolloGetServiceDefinition__') && !query.includes('{ __typename }'))
        requests.push(req.headers);
      next();
    },
    expressMiddleware(apollo),
  );
  const server = createServer(app);
  const port = await listen(server);
  return {
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    typeDefs,
    requests,
    async close() {
      await closeServer(server);
      await apollo.stop();
    },
  };
}

export function composeSupergraphSdl(
  subgraphs: Array<Pick<TestSubgraph, 'name' | 'url' | 'typeDefs'>>,
): string {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.typeDefs) })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

export interface TestKeys {
  jwksUrl: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
  /** How many times the JWKS was fetched. */
  fetches: () => number;
  /** Ends a session: the server's revocation feed (/sessions/revoked, as the auth subgraph's) lists it. */
  revoke(sid: string): void;
  /** Makes the feed answer 500 (true) or work again (false). */
  breakFeed(broken: boolean): void;
  close(): Promise<void>;
}

export const issuer = 'urn:nanopore:auth';
export const audience = 'urn:nanopore:supergraph';

/** An Ed25519 key pair and a JWKS server publishing the public half. */
export async function startJwks(): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = 'test-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  let fetches = 0;
  const revoked: { sid: string; until: number }[] = [];
  let feedBroken = false;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/sessions/revoked') {
      if (feedBroken) {
        res.statusCode = 500;
        res.end('{}');
        return;
      }
      const after = Number(url.searchParams.get('after') ?? '0');
      const page = revoked.slice(after);
      res.end(JSON.stringify({ cursor: String(revoked.length), revoked: page, more: false }));
      return;
    }
    fetches += 1;
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  const port = await listen(server);
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    privateKey,
    publicJwk,
    kid,
    fetches: () => fetches,
    revoke: (sid) => void revoked.push({ sid, until: Date.now() + 600_000 }),
    breakFeed: (broken) => {
      feedBroken = broken;
    },
    close: () => closeServer(server),
  };
}

/** A token with hand-made header and payload and an arbitrary signature part. */
export function rawToken(header: object, payload: object, signature = ''): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

export async function signToken(
  keys: Pick<TestKeys, 'privateKey' | 'kid'>,
  claims: JWTPayload & { roles?: string[]; scope?: string } = {},
  options: { expiresIn?: string | number; issuer?: string; audience?: string; kid?: string } = {},
): Promise<string> {
  return new SignJWT({ roles: [], scope: '', sid: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.kid ?? keys.kid })
    .setSubject(claims.sub ?? 'user-1')
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(keys.privateKey);
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface TestRouter extends ListeningRouter {
  router: Router;
  logs: LogLine[];
  /** POST a GraphQL request; returns status, headers and the parsed body. */
  post(
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: GraphQLBody }>;
}

/** A router listening on a random port, logging into `logs`; waits until its supergraph is loaded. */
export async function startRouter(options: RouterOptions, waitReady = true): Promise<TestRouter> {
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const router = await createRouter({ logger, supergraphPollIntervalMs: 200, ...options });
  const listening = await router.listen(0, '127.0.0.1');
  if (waitReady) await router.ready;
  return {
    ...listening,
    router,
    logs,
    async close() {
      await router.close();
    },
    async post(body, headers = {}) {
      const response = await fetch(listening.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text) as GraphQLBody };
    },
  };
}
