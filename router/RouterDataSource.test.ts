// RouterDataSource's JSON path against a real node:http subgraph on loopback: keep-alive connections, sharing of
// identical in-flight queries, redirects, the response size cap and aborts.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
// The package index exports the options type but not the enum its `kind` is typed with.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RouterDataSource } from './RouterDataSource.ts';
import { SubgraphAgents } from './sendSubgraphRequest.ts';
import type { RouterContext, SubgraphFetch, SubgraphHooks } from './stage.ts';
import { useHeaderPropagation } from './stages/useHeaderPropagation.ts';
import { useSubgraphTimeout } from './stages/useSubgraphTimeout.ts';

interface Received {
  path: string;
  port: number;
  headers: IncomingHttpHeaders;
  body: { query: string; variables?: Record<string, unknown> };
}

/** A GraphQL-ish subgraph: records every request; answers at once, or when released while `holding`. */
class Subgraph {
  readonly received: Received[] = [];
  /** Requests whose connection closed before they were answered. */
  abandoned = 0;
  holding = false;
  #held: Array<() => void> = [];
  readonly #served = new WeakSet<object>();
  readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Received['body'];
      const path = req.url ?? '';
      this.received.push({ path, port: req.socket.remotePort ?? 0, headers: req.headers, body });
      const answer = () => this.#answer(path, body, res);
      if (path === '/drop-reused') {
        // Like a subgraph closing an idle keep-alive connection just as the router reuses it.
        if (this.#served.has(req.socket)) return void req.socket.destroy();
        this.#served.add(req.socket);
      }
      if (path === '/hang') {
        res.on('close', () => this.abandoned++);
        return;
      }
      if (!this.holding) return answer();
      res.on('close', () => {
        if (!res.writableFinished) this.abandoned++;
      });
      this.#held.push(answer);
    });
  });

  #answer(path: string, body: Received['body'], res: ServerResponse) {
    if (path === '/redirect') {
      res.writeHead(302, { location: '/graphql' }).end();
      return;
    }
    if (path === '/big') {
      // Chunked, with no content-length: the cap must hold while the body streams.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"data":{"padding":"`);
      for (let i = 0; i < 8; i++) res.write('x'.repeat(1024));
      res.end(`"}}`);
      return;
    }
    const data = { echo: { query: body.query, variables: body.variables ?? null }, nested: { list: [1, 2] } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
  }

  release() {
    this.holding = false;
    for (const answer of this.#held.splice(0)) answer();
  }

  reset() {
    this.release();
    this.received.length = 0;
    this.abandoned = 0;
  }
}

const subgraph = new Subgraph();
let origin = '';
const agents = new SubgraphAgents();
const log = pino({ enabled: false });

beforeAll(async () => {
  await new Promise<void>((done) => subgraph.server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(subgraph.server.address() as AddressInfo).port}`;
});

afterEach(() => subgraph.reset());

afterAll(async () => {
  agents.destroy();
  subgraph.server.closeAllConnections();
  await new Promise((done) => subgraph.server.close(done));
});

/** Records each fetch as the hooks see it, so a test can abort one. */
function recordFetches(): { hooks: SubgraphHooks; fetches: SubgraphFetch[] } {
  const fetches: SubgraphFetch[] = [];
  return { fetches, hooks: { wrapFetch: (fetch, next) => (fetches.push(fetch), next()) } };
}

function dataSource(
  path = '/graphql',
  hooks: SubgraphHooks[] = [],
  maxResponseBytes?: number,
  pool = agents,
) {
  const propagation = useHeaderPropagation().subgraph!;
  return new RouterDataSource('things', `${origin}${path}`, [propagation, ...hooks], pool, {
    maxResponseBytes,
  });
}

function context(token?: string): RouterContext {
  return { requestId: crypto.randomUUID(), log, token };
}

type IncomingOperation = Extract<
  GraphQLDataSourceProcessOptions<RouterContext>,
  { kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION }
>;

const entityQuery = 'query Q__things__1($id: ID!) { thing(id: $id) { id name } }';

/** What the gateway passes for one fetch of a query plan (without the document, as its planner is set up). */
function operation(
  ctx: RouterContext,
  query = entityQuery,
  variables: Record<string, unknown> = { id: '1' },
): IncomingOperation {
  return {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, variables },
    // The gateway's request context; the data source reads only its cache policy, absent here.
    incomingRequestContext: { context: ctx } as unknown as IncomingOperation['incomingRequestContext'],
    context: ctx,
    document: undefined,
    pathInIncomingRequest: ['thing'],
  };
}

describe('RouterDataSource over keep-alive connections', () => {
  it('sends sequential fetches over one reused connection', async () => {
    const source = dataSource();
    for (let i = 0; i < 20; i++) {
      const response = await source.process(operation(context(), entityQuery, { id: String(i) }));
      expect(response.data).toEqual({
        echo: { query: entityQuery, variables: { id: String(i) } },
        nested: { list: [1, 2] },
      });
    }
    expect(subgraph.received).toHaveLength(20);
    expect(new Set(subgraph.received.map((r) => r.port)).size).toBe(1);
  });

  it('sends only the hooks’ headers and content-type', async () => {
    const ctx = context('t0k3n');
    await dataSource().process(operation(ctx));
    const [received] = subgraph.received;
    expect(received?.headers).toMatchObject({
      authorization: 'Bearer t0k3n',
      'x-request-id': ctx.requestId,
      'content-type': 'application/json',
    });
  });
});

describe('sharing identical in-flight queries', () => {
  it('answers two identical concurrent queries with one subgraph request, each with its own result', async () => {
    const source = dataSource();
    subgraph.holding = true;
    const first = source.process(operation(context('same')));
    const second = source.process(operation(context('same')));
    await vi.waitFor(() => expect(source.joinedFetches).toBe(1));
    subgraph.release();
    const [a, b] = await Promise.all([first, second]);
    expect(subgraph.received).toHaveLength(1);
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toBe(b.data);
    expect((a.data as { nested: unknown }).nested).not.toBe((b.data as { nested: unknown }).nested);
  });

  it('never shares between callers with different authorization', async () => {
    const source = dataSource();
    subgraph.holding = true;
    const fetches = [source.process(operation(context('alice'))), source.process(operation(context('bob')))];
    await vi.waitFor(() => expect(subgraph.received).toHaveLength(2));
    subgraph.release();
    await Promise.all(fetches);
    expect(source.joinedFetches).toBe(0);
    expect(subgraph.received.map((r) => r.headers.authorization).sort()).toEqual([
      'Bearer alice',
      'Bearer bob',
    ]);
  });

  it('never shares different variables', async () => {
    const source = dataSource();
    subgraph.holding = true;
    const fetches = [
      source.process(operation(context('same'), entityQuery, { id: '1' })),
      source.process(operation(context('same'), entityQuery, { id: '2' })),
    ];
    await vi.waitFor(() => expect(subgraph.received).toHaveLength(2));
    subgraph.release();
    await Promise.all(fetches);
    expect(source.joinedFetches).toBe(0);
  });

  it('never shares mutations', async () => {
    const source = dataSource();
    const mutation = 'mutation M__things__0 { addThing { id } }';
    subgraph.holding = true;
    const fetches = [
      source.process(operation(context('same'), mutation, {})),
      source.process(operation(context('same'), mutation, {})),
    ];
    await vi.waitFor(() => expect(subgraph.received).toHaveLength(2));
    subgraph.release();
    await Promise.all(fetches);
    expect(source.joinedFetches).toBe(0);
  });

  it('still answers the other caller when the first caller aborts', async () => {
    const { hooks, fetches } = recordFetches();
    const source = dataSource('/graphql', [hooks]);
    subgraph.holding = true;
    const first = source.process(operation(context('same')));
    const second = source.process(operation(context('same')));
    await vi.waitFor(() => expect(source.joinedFetches).toBe(1));
    await vi.waitFor(() => expect(subgraph.received).toHaveLength(1));
    fetches[0]!.abort(new Error('the first caller went away'));
    await expect(first).rejects.toThrow('the first caller went away');
    subgraph.release();
    expect((await second).data).toMatchObject({ echo: { variables: { id: '1' } } });
    expect(subgraph.received).toHaveLength(1);
    expect(subgraph.abandoned).toBe(0);
  });

  it('cancels the shared request when every caller aborts', async () => {
    const { hooks, fetches } = recordFetches();
    const source = dataSource('/graphql', [hooks]);
    subgraph.holding = true;
    const callers = [source.process(operation(context('same'))), source.process(operation(context('same')))];
    await vi.waitFor(() => expect(subgraph.received).toHaveLength(1));
    for (const fetch of fetches) fetch.abort(new Error('gone'));
    for (const caller of callers) await expect(caller).rejects.toThrow('gone');
    await vi.waitFor(() => expect(subgraph.abandoned).toBe(1));
    // A later identical query is not joined to the cancelled request.
    subgraph.release();
    await expect(source.process(operation(context('same')))).resolves.toMatchObject({ data: {} });
    expect(subgraph.received).toHaveLength(2);
  });
});

describe('a connection the subgraph closed as it was reused', () => {
  // A pool of their own: the subgraph drops any connection it served before.
  let pool: SubgraphAgents;
  beforeEach(() => void (pool = new SubgraphAgents()));
  afterEach(() => pool.destroy());

  it('resends a query on a new connection', async () => {
    const source = dataSource('/drop-reused', [], undefined, pool);
    for (const id of ['1', '2']) {
      const response = await source.process(operation(context(), entityQuery, { id }));
      expect(response.data).toMatchObject({ echo: { variables: { id } } });
    }
    // The second query reached the subgraph twice: on the dropped connection, then on a new one.
    expect(subgraph.received.map((r) => r.body.variables)).toEqual([{ id: '1' }, { id: '2' }, { id: '2' }]);
    expect(new Set(subgraph.received.map((r) => r.port)).size).toBe(2);
  });

  it('never resends a mutation', async () => {
    const source = dataSource('/drop-reused', [], undefined, pool);
    const mutation = 'mutation M__things__0 { addThing { id } }';
    await source.process(operation(context(), mutation, {}));
    await expect(source.process(operation(context(), mutation, {}))).rejects.toThrow('socket hang up');
    expect(subgraph.received).toHaveLength(2);
  });
});

describe('what the router refuses from a subgraph', () => {
  it('does not follow a redirect', async () => {
    await expect(dataSource('/redirect').process(operation(context()))).rejects.toThrow(
      'Subgraph answered 302 (a redirect, which the router does not follow)',
    );
    expect(subgraph.received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('fails a response larger than the cap instead of buffering it', async () => {
    await expect(dataSource('/big', [], 4096).process(operation(context()))).rejects.toThrow(
      "Subgraph response exceeds the router's limit of 4096 bytes",
    );
    // Under the cap the same response is read whole.
    const response = await dataSource('/big', [], 64 * 1024).process(operation(context()));
    expect((response.data as { padding: string }).padding).toHaveLength(8 * 1024);
  });

  it('lets the timeout stage abort a subgraph that never answers', async () => {
    const timeout = useSubgraphTimeout({ timeoutMs: 100 }).subgraph!;
    await expect(dataSource('/hang', [timeout]).process(operation(context()))).rejects.toMatchObject({
      extensions: { code: 'GATEWAY_TIMEOUT', timeoutMs: 100 },
    });
    await vi.waitFor(() => expect(subgraph.abandoned).toBe(1));
  });
});
