import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSchemaSdl } from '../../common/api-schema.ts';
import { loadRouterConfig } from '../../router/config.ts';
import type { TrustedDocumentsOptions } from '../../router/stages/useTrustedDocuments.ts';
import { loadTrustedDocumentManifest } from '../../router/trustedDocuments.ts';
import {
  composeSupergraphSdl,
  signToken,
  startJwks,
  startRouter,
  type GraphQLBody,
  type TestKeys,
  type TestRouter,
} from './fixtures.ts';
import { startTestGraphs } from './graphs.ts';

// The client's operations as its developers wrote them: comments, their own field order and layout.
const clientOperations = {
  hello: 'query Hello {\n  hello\n}',
  me: '# who is signed in\nquery Me {\n  me {\n    name\n    id\n  }\n}',
  echo: 'query Echo($text: String) {\n  echo(text: $text)\n}',
};
const unknown = '{ hello expensive }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let graphs: Awaited<ReturnType<typeof startTestGraphs>>;
let keys: TestKeys;
let dir: string;
let manifestPath: string;
/** The manifest as graphql-codegen's client preset wrote it: id -> normalised text. */
let manifest: Record<string, string>;
/** The manifest id of each client operation. */
const ids: Partial<Record<keyof typeof clientOperations, string>> = {};
const routers: Partial<Record<'off' | 'log' | 'enforce' | 'limited', TestRouter>> = {};

beforeAll(async () => {
  [graphs, keys] = await Promise.all([startTestGraphs(), startJwks()]);
  dir = await mkdtemp(join(tmpdir(), 'trusted-documents-'));
  const supergraphSdl = composeSupergraphSdl([graphs.users, graphs.samples]);
  // The manifest comes from the real client preset (persisted documents), as `npm run codegen` makes it.
  await writeFile(join(dir, 'operations.graphql'), Object.values(clientOperations).join('\n\n'));
  await generate(
    {
      schema: apiSchemaSdl(supergraphSdl),
      documents: join(dir, 'operations.graphql'),
      silent: true,
      generates: {
        [join(dir, 'client/')]: {
          preset: 'client',
          presetConfig: { persistedDocuments: true, fragmentMasking: false },
        },
      },
    },
    true,
  );
  manifestPath = join(dir, 'client/persisted-documents.json');
  manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, string>;
  for (const [id, text] of Object.entries(manifest)) {
    const name = /query (\w+)/.exec(text)![1]!.toLowerCase() as keyof typeof clientOperations;
    ids[name] = id;
  }
  const loaded = loadTrustedDocumentManifest(manifestPath);
  const start = (trustedDocuments?: TrustedDocumentsOptions) =>
    startRouter({ supergraph: { sdl: supergraphSdl }, jwt: { jwksUrl: keys.jwksUrl }, trustedDocuments });
  [routers.off, routers.log, routers.enforce, routers.limited] = await Promise.all([
    start(),
    start({ mode: 'log', manifest: loaded }),
    start({ mode: 'enforce', manifest: loaded }),
    start({ mode: 'enforce', scope: 'anonymous-and-api-keys', manifest: loaded }),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(routers).map((r) => r.close()));
  await Promise.all([graphs?.close(), keys?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const user = async () => ({ authorization: `Bearer ${await signToken(keys, { sub: 'u1' })}` });
const apiKey = async () => ({
  authorization: `Bearer ${await signToken(keys, { sub: 'u1', api_key: 'key-1' })}`,
});

async function get(
  router: TestRouter,
  params: Record<string, string>,
): Promise<{ status: number; body: GraphQLBody }> {
  const response = await fetch(`${router.url}?${new URLSearchParams(params)}`, {
    headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

async function untrustedCount(router: TestRouter, action: string, caller: string): Promise<number> {
  const text = await (await fetch(`${router.origin}/metrics`)).text();
  const line = new RegExp(
    `^router_untrusted_documents_total\\{action="${action}",caller="${caller}"\\} (\\d+)$`,
    'm',
  ).exec(text);
  return Number(line?.[1] ?? 0);
}

const notInList = {
  message: 'This operation is not in the trusted documents: send one the client was built with, or its id',
  extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
};

describe('the manifest', () => {
  it('is the client preset output: sha256:<hex> of the normalised text', () => {
    expect(Object.keys(manifest)).toHaveLength(3);
    for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${sha256(text)}`);
    // Normalised: the client wrote `name id`; the preset sorts, and drops comments and layout.
    expect(manifest[ids.me!]).toBe('query Me { me { id name } }');
  });
});

describe('ROUTER_TRUSTED_DOCUMENTS=off (the default)', () => {
  it('runs any document and counts nothing', async () => {
    const { status, body } = await routers.off!.post({ query: unknown });
    expect(status).toBe(200);
    expect(body.data).toEqual({ hello: 'world', expensive: 'pricey' });
    expect(await untrustedCount(routers.off!, 'logged', 'anonymous')).toBe(0);
  });
});

describe('ROUTER_TRUSTED_DOCUMENTS=enforce', () => {
  it('refuses an unknown document with 403 PERSISTED_QUERY_NOT_IN_LIST before anything is parsed or planned', async () => {
    const fetches = graphs.users.requests.length;
    const refused = await routers.enforce!.post({ query: unknown });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ errors: [notInList] });
    // Not parsed: a syntax error is refused the same way, not GRAPHQL_PARSE_FAILED.
    const broken = await routers.enforce!.post({ query: '{ hello ' });
    expect(broken.body).toEqual({ errors: [notInList] });
    // Not measured: 100 aliases are refused as untrusted, not OPERATION_LIMIT_EXCEEDED.
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: hello`).join(' ');
    const big = await routers.enforce!.post({ query: `{ ${aliases} }` });
    expect(big.body).toEqual({ errors: [notInList] });
    // Signed-in callers too (scope all), and over GET.
    const signedIn = await routers.enforce!.post({ query: unknown }, await user());
    expect(signedIn.status).toBe(403);
    expect((await get(routers.enforce!, { query: unknown })).status).toBe(403);
    expect(graphs.users.requests.length).toBe(fetches);
    expect(await untrustedCount(routers.enforce!, 'refused', 'anonymous')).toBeGreaterThanOrEqual(4);
    expect(await untrustedCount(routers.enforce!, 'refused', 'user')).toBe(1);
  });

  it('holds multipart requests (uploads) to the manifest too', async () => {
    const multipart = async (query: string) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query }));
      form.append('map', '{}');
      const response = await fetch(routers.enforce!.url, {
        method: 'POST',
        headers: { 'apollo-require-preflight': 'true' },
        body: form,
      });
      return { status: response.status, body: (await response.json()) as GraphQLBody };
    };
    expect(await multipart(unknown)).toEqual({ status: 403, body: { errors: [notInList] } });
    expect(await multipart(clientOperations.hello)).toEqual({
      status: 200,
      body: { data: { hello: 'world' } },
    });
  });

  it("serves a known document by the client's own text, by the manifest's text and by its id", async () => {
    const byText = await routers.enforce!.post({ query: clientOperations.me }, await user());
    expect(byText.body).toEqual({ data: { me: { name: 'Ada', id: 'u1' } } });
    const byManifestText = await routers.enforce!.post({ query: manifest[ids.hello!] });
    expect(byManifestText.body).toEqual({ data: { hello: 'world' } });
    const byDocumentId = await routers.enforce!.post({
      documentId: ids.echo,
      variables: { text: 'thawed' },
    });
    expect(byDocumentId.body).toEqual({ data: { echo: 'thawed' } });
    const overGet = await get(routers.enforce!, { documentId: ids.hello! });
    expect(overGet).toEqual({ status: 200, body: { data: { hello: 'world' } } });
  });

  it("serves a known document by Apollo's persisted-query hash alone, over POST and GET", async () => {
    const sha256Hash = ids.echo!.slice('sha256:'.length);
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const post = await routers.enforce!.post({ extensions, variables: { text: 'by hash' } });
    expect(post).toMatchObject({ status: 200, body: { data: { echo: 'by hash' } } });
    const overGet = await get(routers.enforce!, {
      extensions: JSON.stringify(extensions),
      variables: JSON.stringify({ text: 'by GET' }),
    });
    expect(overGet).toEqual({ status: 200, body: { data: { echo: 'by GET' } } });
  });

  it('refuses an id or hash sent with a different document (400), and an unknown id or hash', async () => {
    const hashOfHello = ids.hello!.slice('sha256:'.length);
    const mismatch = await routers.enforce!.post({
      query: clientOperations.me,
      extensions: { persistedQuery: { version: 1, sha256Hash: hashOfHello } },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0]).toEqual({
      message: 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the document sent in `query`',
      extensions: { code: 'BAD_REQUEST' },
    });
    const idMismatch = await routers.enforce!.post({ query: clientOperations.me, documentId: ids.hello });
    expect(idMismatch.status).toBe(400);
    expect(idMismatch.body.errors?.[0]?.message).toBe(
      'documentId does not name the document sent in `query`',
    );
    // The same id with its own document, in the client's layout, is fine.
    const matching = await routers.enforce!.post({ query: clientOperations.hello, documentId: ids.hello });
    expect(matching.body).toEqual({ data: { hello: 'world' } });

    const unknownId = await routers.enforce!.post({ documentId: `sha256:${sha256(unknown)}` });
    expect(unknownId.status).toBe(404);
    expect(unknownId.body.errors?.[0]).toEqual({
      message: 'No trusted document has this documentId',
      extensions: { code: 'NOT_FOUND' },
    });
    const unknownHash = await routers.enforce!.post({
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(unknown) } },
    });
    expect(unknownHash.status).toBe(403);
    expect(unknownHash.body.errors?.[0]?.extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_IN_LIST' });
  });
});

describe('ROUTER_TRUSTED_DOCUMENTS=log', () => {
  it('runs an unknown document, counts it and logs it without its text', async () => {
    const before = await untrustedCount(routers.log!, 'logged', 'anonymous');
    const secret = '{ echo(text: "hunter2-in-a-literal") }';
    const { status, body } = await routers.log!.post({ query: secret, operationName: null });
    expect(status).toBe(200);
    expect(body.data).toEqual({ echo: 'hunter2-in-a-literal' });
    expect(await untrustedCount(routers.log!, 'logged', 'anonymous')).toBe(before + 1);
    const line = routers.log!.logs.find((l) => l.msg === 'document not in the trusted documents manifest');
    expect(line).toMatchObject({ stage: 'trustedDocuments', action: 'logged', caller: 'anonymous' });
    expect(line?.documentSha256).toBe(sha256(secret));
    expect(JSON.stringify(routers.log!.logs)).not.toContain('hunter2');
    // A known document is neither counted nor logged.
    await routers.log!.post({ query: clientOperations.hello });
    expect(await untrustedCount(routers.log!, 'logged', 'anonymous')).toBe(before + 1);
  });
});

describe('ROUTER_TRUSTED_DOCUMENTS_SCOPE=anonymous-and-api-keys', () => {
  it('lets a signed-in person run anything, introspection included', async () => {
    const anything = await routers.limited!.post({ query: unknown }, await user());
    expect(anything.body.data).toEqual({ hello: 'world', expensive: 'pricey' });
    const introspection = await routers.limited!.post(
      { query: '{ __schema { queryType { name } } }' },
      await user(),
    );
    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('holds anonymous callers and API-key tokens to the manifest', async () => {
    const anonymous = await routers.limited!.post({ query: unknown });
    expect(anonymous).toMatchObject({ status: 403, body: { errors: [notInList] } });
    const key = await routers.limited!.post({ query: unknown }, await apiKey());
    expect(key).toMatchObject({ status: 403, body: { errors: [notInList] } });
    expect(await untrustedCount(routers.limited!, 'refused', 'api_key')).toBe(1);
    const known = await routers.limited!.post({ query: clientOperations.me }, await apiKey());
    expect(known.body).toEqual({ data: { me: { name: 'Ada', id: 'u1' } } });
  });

  it("does not let a hash a person registered (Apollo's persisted queries) run for an anonymous caller", async () => {
    const query = '{ hello staffNote }';
    const sha256Hash = sha256(query);
    const registered = await routers.limited!.post(
      { query, extensions: { persistedQuery: { version: 1, sha256Hash } } },
      await user(),
    );
    expect(registered.status).toBe(200);
    const byHash = await routers.limited!.post({
      extensions: { persistedQuery: { version: 1, sha256Hash } },
    });
    expect(byHash.status).toBe(403);
    expect(byHash.body.errors?.[0]).toEqual({
      message: 'No trusted document has this extensions.persistedQuery.sha256Hash',
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
    });
  });
});

describe('configuration', () => {
  const errorsOf = (env: Record<string, string>) => {
    const result = loadRouterConfig(env);
    return 'errors' in result ? result.errors.join('\n') : '';
  };

  it('reads the mode, the scope and the manifest at start', () => {
    const result = loadRouterConfig({
      ROUTER_TRUSTED_DOCUMENTS: 'enforce',
      ROUTER_TRUSTED_DOCUMENTS_MANIFEST: manifestPath,
      ROUTER_TRUSTED_DOCUMENTS_SCOPE: 'anonymous-and-api-keys',
    });
    expect('config' in result).toBe(true);
    if (!('config' in result)) return;
    const { trustedDocuments } = result.config.options;
    expect(trustedDocuments).toMatchObject({ mode: 'enforce', scope: 'anonymous-and-api-keys' });
    expect(trustedDocuments?.manifest?.size).toBe(3);
    expect(trustedDocuments?.manifest?.bySha256(ids.me!.slice(7))).toBe('query Me { me { id name } }');
    // Off by default; the default manifest path is then never read.
    const defaults = loadRouterConfig({ ROUTER_TRUSTED_DOCUMENTS_MANIFEST: join(dir, 'missing.json') });
    expect('config' in defaults && defaults.config.options.trustedDocuments).toEqual({
      mode: 'off',
      scope: 'all',
      manifest: undefined,
    });
  });

  it("loads the client package's own manifest (written at install) from the default path", () => {
    const result = loadRouterConfig({ ROUTER_TRUSTED_DOCUMENTS: 'log' });
    expect('errors' in result ? result.errors : []).toEqual([]);
    const loaded = 'config' in result ? result.config.options.trustedDocuments?.manifest : undefined;
    expect(loaded?.source).toBe('generated/client/persisted-documents.json');
    expect(loaded?.size).toBeGreaterThan(0);
  });

  it('refuses a bad mode or scope, naming the variable', () => {
    expect(errorsOf({ ROUTER_TRUSTED_DOCUMENTS: 'strict' })).toMatch(/^ROUTER_TRUSTED_DOCUMENTS: /m);
    expect(errorsOf({ ROUTER_TRUSTED_DOCUMENTS_SCOPE: 'everyone' })).toMatch(
      /^ROUTER_TRUSTED_DOCUMENTS_SCOPE: /m,
    );
  });

  it('refuses a missing, malformed or tampered manifest when the mode is on', async () => {
    expect(
      errorsOf({
        ROUTER_TRUSTED_DOCUMENTS: 'log',
        ROUTER_TRUSTED_DOCUMENTS_MANIFEST: join(dir, 'missing.json'),
      }),
    ).toMatch(
      /^ROUTER_TRUSTED_DOCUMENTS_MANIFEST: cannot read .*missing\.json: ENOENT.*\(needed by ROUTER_TRUSTED_DOCUMENTS=log\)$/,
    );
    const cases: Array<[string, string, RegExp]> = [
      ['not-json.json', '{"sha256:', /is not JSON/],
      ['array.json', '["{ hello }"]', /must be a JSON object of document id -> document text/],
      ['empty.json', '{}', /holds no documents/],
      ['invalid.json', JSON.stringify({ 'doc-1': '{ hello ' }), /the document "doc-1" is not valid GraphQL/],
      [
        'sdl.json',
        JSON.stringify({ 'doc-1': 'type Query { a: Int }' }),
        /"doc-1" is not an executable document/,
      ],
      [
        'tampered.json',
        JSON.stringify({ [ids.hello!]: '{ hello expensive }' }),
        /is not the SHA-256 of its document/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, content);
      const errors = errorsOf({
        ROUTER_TRUSTED_DOCUMENTS: 'enforce',
        ROUTER_TRUSTED_DOCUMENTS_MANIFEST: path,
      });
      expect(errors, name).toMatch(/^ROUTER_TRUSTED_DOCUMENTS_MANIFEST: /);
      expect(errors, name).toMatch(message);
    }
  });
});
