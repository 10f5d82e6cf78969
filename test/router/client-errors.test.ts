// A client's mistake through the router is a 4xx with its real message and code (common/errors.ts); only
// internal failures are masked. Each case was a masked "Internal server error" (or had no code) before.
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTimeScalar } from '../../subgraphs/kit/scalars.ts';
import {
  composeSupergraphSdl,
  federation,
  startRouter,
  startSubgraph,
  type GraphQLBody,
  type TestRouter,
  type TestSubgraph,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let events: TestSubgraph;
let router: TestRouter;

const eventsTypeDefs = `${federation}
scalar DateTime
"The router knows nothing of this scalar: only the subgraph checks it."
scalar Email
type Query {
  eventsSince(at: DateTime!): [String!]
  mailbox(address: Email!): String!
  widget: String!
  maybeWidget: String
  ledger: String!
}
type Mutation { touch: Boolean }
`;

beforeAll(async () => {
  [graphs, events] = await Promise.all([
    startTestGraphs(),
    startSubgraph('events', eventsTypeDefs, {
      DateTime: DateTimeScalar,
      Email: new GraphQLScalarType({
        name: 'Email',
        parseValue(value) {
          if (typeof value === 'string' && value.includes('@')) return value;
          throw new GraphQLError('Email must contain @', { extensions: { code: 'BAD_USER_INPUT' } });
        },
      }),
      Query: {
        eventsSince: (_: unknown, { at }: { at: Date }) => [at.toISOString()],
        mailbox: (_: unknown, { address }: { address: string }) => address,
        widget: () => {
          throw new GraphQLError('no such widget', { extensions: { code: 'NOT_FOUND' } });
        },
        maybeWidget: () => {
          throw new GraphQLError('no such widget', { extensions: { code: 'NOT_FOUND' } });
        },
        ledger: () => {
          throw new Error('connect ECONNREFUSED postgres://admin:hunter2@db.internal:5432/ledger');
        },
      },
      Mutation: { touch: () => true },
    } as never),
  ]);
  const sdl = composeSupergraphSdl([graphs.users, graphs.samples, events]);
  router = await startRouter({ supergraph: { sdl } });
});

afterAll(async () => {
  await router?.close();
  await Promise.all([graphs?.close(), events?.close()]);
});

/** Status, code and message of a response that is one error. */
const failure = (res: { status: number; body: GraphQLBody }) => ({
  status: res.status,
  code: res.body.errors?.[0]?.extensions?.code,
  message: res.body.errors?.[0]?.message,
});

describe('client mistakes through the router', () => {
  it('an operationName that names no operation is OPERATION_RESOLUTION_FAILURE 400', async () => {
    expect(failure(await router.post({ query: 'query A { hello }', operationName: 'B' }))).toEqual({
      status: 400,
      code: 'OPERATION_RESOLUTION_FAILURE',
      message: 'Unknown operation named "B".',
    });
  });

  it('several operations and no operationName is OPERATION_RESOLUTION_FAILURE 400', async () => {
    expect(failure(await router.post({ query: 'query A { hello } query B { hello }' }))).toEqual({
      status: 400,
      code: 'OPERATION_RESOLUTION_FAILURE',
      message: 'Must provide operation name if query contains multiple operations.',
    });
  });

  it('two anonymous operations are GRAPHQL_VALIDATION_FAILED 400', async () => {
    expect(failure(await router.post({ query: '{ hello } { hello }' }))).toEqual({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: 'This anonymous operation must be the only defined operation.',
    });
  });

  it("a bad DateTime variable is BAD_USER_INPUT 400 with the scalar's message", async () => {
    const res = await router.post({
      query: 'query ($at: DateTime!) { eventsSince(at: $at) }',
      variables: { at: 'yesterday' },
    });
    expect(failure(res)).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'Variable "$at" got invalid value "yesterday"; DateTime must be an ISO 8601 date-time string',
    });
    expect(res.body.errors).toHaveLength(1);
    expect(JSON.stringify(res.body)).not.toMatch(/events|127\.0\.0\.1|serviceName/);
  });

  it("a value the subgraph refuses with 400 is that subgraph's error, not a masked one", async () => {
    const res = await router.post({
      query: 'query ($e: Email!) { mailbox(address: $e) }',
      variables: { e: 'nobody' },
    });
    expect(failure(res)).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'Variable "$e" got invalid value "nobody"; Email must contain @',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/events|127\.0\.0\.1|serviceName|400: Bad Request/);
    const good = await router.post({
      query: 'query ($e: Email!) { mailbox(address: $e) }',
      variables: { e: 'a@b' },
    });
    expect(good.body).toEqual({ data: { mailbox: 'a@b' } });
  });

  it("a bad DateTime literal is GRAPHQL_VALIDATION_FAILED 400 with the scalar's message", async () => {
    expect(failure(await router.post({ query: '{ eventsSince(at: "yesterday") }' }))).toEqual({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: 'DateTime must be an ISO 8601 date-time string',
    });
    const good = await router.post({ query: '{ eventsSince(at: "2026-03-01T09:30:00Z") }' });
    expect(good).toMatchObject({
      status: 200,
      body: { data: { eventsSince: ['2026-03-01T09:30:00.000Z'] } },
    });
  });

  it('a persisted-query hash that does not match the query is BAD_REQUEST 400', async () => {
    const persistedQuery = { version: 1, sha256Hash: 'a'.repeat(64) };
    expect(failure(await router.post({ query: '{ hello }', extensions: { persistedQuery } }))).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'provided sha does not match query',
    });
    // An unknown hash without a query is Apollo's APQ protocol (the client then sends the query): 200.
    expect(failure(await router.post({ extensions: { persistedQuery } }))).toEqual({
      status: 200,
      code: 'PERSISTED_QUERY_NOT_FOUND',
      message: 'PersistedQueryNotFound',
    });
  });

  it('a syntax error is GRAPHQL_PARSE_FAILED 400, an unknown field GRAPHQL_VALIDATION_FAILED 400', async () => {
    expect(failure(await router.post({ query: '{ hello ' }))).toEqual({
      status: 400,
      code: 'GRAPHQL_PARSE_FAILED',
      message: 'Syntax Error: Expected Name, found <EOF>.',
    });
    expect(failure(await router.post({ query: '{ nope }' }))).toEqual({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: 'Cannot query field "nope" on type "Query".',
    });
  });

  it('an undeclared variable is BAD_USER_INPUT 400 instead of being dropped', async () => {
    const res = await router.post({ query: '{ hello }', variables: { text: 'hi' } });
    expect(failure(res)).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'Variable "$text" is not declared by the operation',
    });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ rule: 'UNKNOWN_VARIABLE', variables: ['text'] });
    const declared = await router.post({
      query: 'query ($text: String) { echo(text: $text) }',
      variables: { text: 'hi' },
    });
    expect(declared).toMatchObject({ status: 200, body: { data: { echo: 'hi' } } });
  });

  it('a variable of the wrong type is BAD_USER_INPUT 400', async () => {
    const res = await router.post({ query: 'query ($t: String) { echo(text: $t) }', variables: { t: 5 } });
    expect(failure(res)).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'Variable "$t" got invalid value 5; String cannot represent a non string value: 5',
    });
  });

  it('a body that is not JSON, or not of a GraphQL content type, is BAD_REQUEST 400', async () => {
    expect(failure(await router.post('{nope'))).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'Request body is not valid JSON',
    });
    expect(
      failure(
        await router.post(JSON.stringify({ query: '{ hello }' }), {
          'content-type': 'text/plain',
          'apollo-require-preflight': 'true',
        }),
      ),
    ).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'POST body missing, invalid Content-Type, or JSON object has no keys.',
    });
  });

  it('a mutation over GET is BAD_REQUEST 405', async () => {
    const response = await fetch(`${router.url}?query=${encodeURIComponent('mutation { touch }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.headers.get('allow')).toBe('POST');
    expect(failure({ status: response.status, body: (await response.json()) as GraphQLBody })).toEqual({
      status: 405,
      code: 'BAD_REQUEST',
      message: 'GET requests only support query operations, not mutation operations',
    });
  });

  it("a subgraph's client error that leaves no data takes the registry's status; partial data stays 200", async () => {
    expect(failure(await router.post({ query: '{ widget }' }))).toEqual({
      status: 404,
      code: 'NOT_FOUND',
      message: 'no such widget',
    });
    const partial = await router.post({ query: '{ hello maybeWidget }' });
    expect(partial.status).toBe(200);
    expect(partial.body.data).toEqual({ hello: 'world', maybeWidget: null });
    expect(partial.body.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND' });
  });
});

describe('internal failures', () => {
  it('stay masked: 500 and Internal server error with the request id, logged in full', async () => {
    const res = await router.post({ query: '{ ledger }' }, { 'x-request-id': 'req-ledger' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Internal server error',
          path: ['ledger'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-ledger' },
        },
      ],
    });
    const logged = router.logs.find((l) => l.stage === 'errorMasking' && l.requestId === 'req-ledger');
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('with partial data keep 200', async () => {
    const res = await router.post({ query: '{ hello boom }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ hello: 'world', boom: null });
    expect(res.body.errors?.[0]).toMatchObject({ message: 'Internal server error' });
  });
});
