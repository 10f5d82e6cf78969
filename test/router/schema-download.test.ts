import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSchemaSdl } from '../../common/api-schema.ts';
import type { IntrospectionMode } from '../../common/introspection.ts';
import { eventually } from '../helpers/eventually.ts';
import {
  composeSupergraphSdl,
  federation,
  rawToken,
  signToken,
  startJwks,
  startRouter,
  startSubgraph,
  type TestKeys,
  type TestRouter,
  type TestSubgraph,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

// A subgraph with descriptions, which the API schema keeps.
const notesTypeDefs = `${federation}
"""A note someone left on a sample."""
type Note {
  """What the note says."""
  text: String!
}
type Query {
  """Notes, newest first."""
  notes: [Note!]!
}
`;

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let notes: TestSubgraph;
let keys: TestKeys;
let dir: string;
let file: string;
const routers: Partial<Record<IntrospectionMode | 'default', TestRouter>> = {};

beforeAll(async () => {
  [graphs, keys, notes] = await Promise.all([
    startTestGraphs(),
    startJwks(),
    startSubgraph('notes', notesTypeDefs, { Query: { notes: () => [{ text: 'thawed twice' }] } }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'schema-download-'));
  file = join(dir, 'supergraph.graphql');
  await writeFile(file, composeSupergraphSdl([graphs.users, notes]));
  const start = (introspection?: { mode: IntrospectionMode }) =>
    startRouter({ supergraph: file, jwt: { jwksUrl: keys.jwksUrl }, introspection });
  [routers.default, routers.off, routers.on] = await Promise.all([
    start(),
    start({ mode: 'off' }),
    start({ mode: 'on' }),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(routers).map((r) => r.close()));
  await Promise.all([graphs?.close(), notes?.close(), keys?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const download = (router: TestRouter, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${router.origin}/graphql/schema.graphql`, { method, headers });
const bearer = async () => ({ authorization: `Bearer ${await signToken(keys)}` });

describe('GET /graphql/schema.graphql', () => {
  it('serves the API schema of the current supergraph to a signed-in caller: descriptions kept, no federation internals', async () => {
    const response = await download(routers.default!, await bearer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    const sdl = await response.text();
    // The one implementation `npm run schema` and the client codegen use.
    expect(sdl).toBe(apiSchemaSdl(composeSupergraphSdl([graphs.users, notes])));
    for (const internal of [
      'join__',
      'link__',
      '@link',
      '@join',
      '@key',
      '@authenticated',
      '@requiresScopes',
      '@policy',
      '@cost',
      '@listSize',
      'directive @',
    ])
      expect(sdl).not.toContain(internal);
    expect(sdl).toContain('"""A note someone left on a sample."""');
    expect(sdl).toContain('"""What the note says."""');
    // A schema integrators can build and run codegen against.
    const schema = buildSchema(sdl);
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(
      expect.arrayContaining(['hello', 'me', 'users', 'notes']),
    );
    expect((schema.getType('User') as GraphQLObjectType).getFields().email?.type.toString()).toBe('String');
  });

  it('applies the introspection rule: 401 to anonymous callers and bad tokens under authenticated', async () => {
    const anonymous = await download(routers.default!);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      errors: [
        {
          message: 'Downloading the schema needs a bearer token, as introspection does',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    const forged = await download(routers.default!, {
      authorization: `Bearer ${rawToken({ alg: 'EdDSA', kid: keys.kid }, { sub: 'x' }, 'c2ln')}`,
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { errors: [{ extensions: object }] }).errors[0].extensions).toEqual({
      code: 'UNAUTHENTICATED',
    });
    const expired = await download(routers.default!, {
      authorization: `Bearer ${await signToken(keys, {}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
    });
    expect(expired.status).toBe(401);
  });

  it('is 403 for everyone when introspection is off, and open to everyone when it is on', async () => {
    const off = await download(routers.off!, await bearer());
    expect(off.status).toBe(403);
    expect(await off.json()).toEqual({
      errors: [
        {
          message: 'Schema download is disabled: introspection is off (ROUTER_INTROSPECTION)',
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    const on = await download(routers.on!);
    expect(on.status).toBe(200);
    expect(await on.text()).toContain('type Query');
  });

  it('answers If-None-Match with 304 while the schema is unchanged, and HEAD without a body', async () => {
    const headers = await bearer();
    const first = await download(routers.default!, headers);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const again = await download(routers.default!, { ...headers, 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const other = await download(routers.default!, { ...headers, 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).toBe(etag);
    const head = await download(routers.default!, headers, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');
  });

  it('follows a supergraph reload: the new schema, a new ETag', async () => {
    const headers = await bearer();
    const before = await download(routers.on!, headers);
    const etag = before.headers.get('etag');
    expect(await before.text()).not.toContain('type Sample');
    await writeFile(file, composeSupergraphSdl([graphs.users, notes, graphs.samples]));
    const sdl = await eventually(
      async () => {
        const text = await (await download(routers.on!, headers)).text();
        return text.includes('type Sample') && text;
      },
      { what: 'the reloaded schema' },
    );
    expect(sdl).toBe(apiSchemaSdl(composeSupergraphSdl([graphs.users, notes, graphs.samples])));
    const after = await download(routers.on!, { ...headers, 'if-none-match': etag! });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
  });
});
