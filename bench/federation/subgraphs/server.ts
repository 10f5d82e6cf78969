// One of the benchmark's subgraphs in its own process: `node --import tsx bench/federation/subgraphs/server.ts
// <accounts|inventory|products|reviews>` with PORT. A bare node:http server around graphql-js execution, kept cheap
// next to the gateways (the benchmark's own subgraphs are Rust): its data never changes, so a reply depends only on
// the request body, and each distinct body is executed once and its reply sent again for the same body.
// POST /graphql answers; GET /stats answers {"requests": <GraphQL requests so far>, "executions": <of them executed>}.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { RESOLVERS, SUBGRAPH_NAMES, type SubgraphName } from './resolvers.ts';

const name = process.argv[2] as SubgraphName;
if (!SUBGRAPH_NAMES.includes(name)) throw new Error(`usage: server.ts <${SUBGRAPH_NAMES.join('|')}>`);
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT is not set');

const typeDefs = parse(readFileSync(new URL(`./${name}.graphql`, import.meta.url), 'utf8'));
const schema = buildSubgraphSchema({ typeDefs, resolvers: RESOLVERS[name] });

/** Gateways send a handful of distinct documents and bodies, so these stay small; bounded all the same. */
const MAX_KEPT = 10_000;
const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
const replies = new Map<string, Buffer>();
let requests = 0;
let executions = 0;

function documentFor(query: string): DocumentNode | readonly GraphQLError[] {
  let document = documents.get(query);
  if (document === undefined) {
    try {
      const parsed = parse(query);
      const errors = validate(schema, parsed);
      document = errors.length > 0 ? errors : parsed;
    } catch (error) {
      document = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    if (documents.size < MAX_KEPT) documents.set(query, document);
  }
  return document;
}

interface GraphQLBody {
  query?: unknown;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

async function graphql(body: string): Promise<unknown> {
  const { query, variables, operationName } = JSON.parse(body) as GraphQLBody;
  if (typeof query !== 'string') return { errors: [{ message: 'query must be a string' }] };
  const document = documentFor(query);
  if (!('kind' in document)) return { errors: document };
  return execute({ schema, document, variableValues: variables, operationName });
}

/** The reply to a body: kept when it has no errors (errors may come from a body that is not valid JSON). */
async function replyBytes(body: string): Promise<Buffer> {
  let bytes = replies.get(body);
  if (bytes === undefined) {
    executions += 1;
    const result = await graphql(body);
    bytes = Buffer.from(JSON.stringify(result));
    const clean = !(result as { errors?: unknown }).errors;
    if (clean && replies.size < MAX_KEPT) replies.set(body, bytes);
  }
  return bytes;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, Buffer.from(JSON.stringify(body)));
}

function send(res: ServerResponse, status: number, bytes: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') return reply(res, 200, { requests, executions });
  if (req.method !== 'POST' || req.url !== '/graphql') return reply(res, 404, { error: 'not found' });
  requests += 1;
  readBody(req)
    .then(replyBytes)
    .then(
      (bytes) => send(res, 200, bytes),
      (error: unknown) => reply(res, 400, { errors: [{ message: String(error) }] }),
    );
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
