// The baseline of the router benchmark: a plain @apollo/gateway in @apollo/server + express on the same
// supergraph, with nothing of ours but forwarding the Authorization header to the subgraphs.
// `node --import tsx bench/plain-gateway.ts` with BENCH_SUPERGRAPH (a file), PORT, and BENCH_SUBGRAPH_URL_<NAME>
// for each subgraph whose URL differs from the supergraph's.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { supergraphForGateway } from '../router/supergraphMetadata.ts';

// Otherwise the gateway starts cloud-metadata detectors; must be set before it is constructed.
process.env.APOLLO_TELEMETRY_DISABLED = '1';

interface Context {
  authorization?: string;
}

class ForwardAuthorization extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>): void {
    const authorization = (context as Context).authorization;
    if (authorization) request.http?.headers.set('authorization', authorization);
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const supergraphSdl = supergraphForGateway(readFileSync(required('BENCH_SUPERGRAPH'), 'utf8'));
const port = Number(required('PORT'));

const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name, url }) =>
    new ForwardAuthorization({ url: process.env[`BENCH_SUBGRAPH_URL_${name.toUpperCase()}`] || url }),
});
const server = new ApolloServer<Context>({ gateway, csrfPrevention: true });
await server.start();

const app = express();
app.use(
  '/graphql',
  express.json(),
  expressMiddleware(server, { context: async ({ req }) => ({ authorization: req.get('authorization') }) }),
);
const http = createServer(app);
await new Promise<void>((resolve, reject) => http.once('error', reject).listen(port, '127.0.0.1', resolve));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    http.closeAllConnections();
    http.close();
    void server.stop().then(() => process.exit(0));
  });
}
