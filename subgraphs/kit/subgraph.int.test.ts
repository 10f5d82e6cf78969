// createSubgraph against real PostgreSQL: a start-up step that throws leaves no relay, server or database
// connection behind, and close() stops the relays, the server, what the domain started and Prisma, in that
// order, once however often it is called.
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../generated/prisma/auth/client.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { defaultSubgraphLimits } from './operation-limits.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { allow } from './permissions.ts';
import { createSubgraph, type SubgraphConfig } from './subgraph.ts';
import { createTestSigner } from './testing.ts';

const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Query {
    hello: String!
  }
`;
// Nothing listens there: the relays find no events to send, and would fail fast if they did.
const INGEST_URL = 'http://127.0.0.1:9/internal/audit/events';
const SECRET = 'subgraph-bootstrap-test-secret-0123456789';

let db: TestDatabase;
let config: SubgraphConfig;
let auth: Awaited<ReturnType<typeof createTestSigner>>['auth'];

beforeAll(async () => {
  db = await createTestDatabase('auth');
  config = {
    databaseUrl: db.url,
    logLevel: 'silent',
    port: 0,
    host: '127.0.0.1',
    limits: defaultSubgraphLimits,
    outboxRelay: { secret: SECRET, ingestUrl: INGEST_URL, batchSize: 10 },
  };
  ({ auth } = await createTestSigner());
});
afterAll(async () => {
  await db?.drop();
});

/** Connections to the test database other than the one asking. */
async function openConnections(): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** A logger whose lines the test reads. */
function capturingLog() {
  const lines: { msg: string; relay?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const domainServer = {
  typeDefs,
  resolvers: { Query: { hello: () => 'hi' } },
  permissions: { Query: { hello: allow } },
};

type FailingStep = 'build' | 'server' | 'mount' | 'relays';

describe('createSubgraph', () => {
  it.each<FailingStep>(['build', 'server', 'mount', 'relays'])(
    'stops what was started when the %s step throws',
    async (failing) => {
      const { log, lines } = capturingLog();
      const closed: string[] = [];
      const failure = new Error(`${failing} failed`);
      const start = createSubgraph({
        name: 'auth',
        config,
        options: { log, auth, outboxRelay: { statusIntervalMs: 0 } },
        PrismaClient,
        async build({ prisma, onClose }) {
          await prisma.$queryRawUnsafe('SELECT 1');
          onClose(() => void closed.push('domain'));
          if (failing === 'build') throw failure;
          return {
            server: failing === 'server' ? { ...domainServer, typeDefs: 'type Query {' } : domainServer,
            mount: () => {
              if (failing === 'mount') throw failure;
            },
            relays: () => {
              throw failure;
            },
            fields: {},
          };
        },
      });

      if (failing === 'server') await expect(start).rejects.toThrow(/Syntax Error/);
      else await expect(start).rejects.toBe(failure);
      expect(closed).toEqual(['domain']);
      // Only the relays step comes after the audit outbox relay started.
      const relayStopped = lines.some((line) => line.msg === 'outbox relay: stopped');
      expect(relayStopped).toBe(failing === 'relays');
      await expect.poll(openConnections).toBe(0);
    },
  );

  it('closes the relays, then the server, then what the domain started, then Prisma; twice is safe', async () => {
    const { log, lines } = capturingLog();
    const seenByDomainCloser: Record<string, boolean> = {};
    let url = '';
    const subgraph = await createSubgraph({
      name: 'auth',
      config,
      options: { log, auth, outboxRelay: { statusIntervalMs: 0 } },
      PrismaClient,
      build: ({ prisma, onClose }) => {
        onClose(async () => {
          seenByDomainCloser.serverAnswers = await fetch(`${url}/health`).then(
            () => true,
            () => false,
          );
          seenByDomainCloser.databaseAnswers = await prisma.$queryRawUnsafe('SELECT 1').then(
            () => true,
            () => false,
          );
        });
        return {
          server: domainServer,
          relays: () => ({
            extraRelay: createOutboxRelay({
              databaseUrl: config.databaseUrl,
              service: 'auth',
              ingestUrl: INGEST_URL,
              secret: SECRET,
              statusIntervalMs: 0,
              logger: log.child({ relay: 'extra' }),
            }),
          }),
          fields: { answer: 42 },
        };
      },
    });
    expect(subgraph.answer).toBe(42);
    expect(subgraph.relay).toBeDefined();
    expect(subgraph.extraRelay).toBeDefined();
    ({ url } = await subgraph.listen(0));
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await subgraph.prisma.$queryRawUnsafe('SELECT 1');

    await Promise.all([subgraph.close(), subgraph.close()]);
    await subgraph.close();

    const stopped = lines.filter((line) => line.msg === 'outbox relay: stopped').map((line) => line.relay);
    expect(stopped).toEqual(['extra', undefined]);
    expect(seenByDomainCloser).toEqual({ serverAnswers: false, databaseAnswers: true });
    await expect.poll(openConnections).toBe(0);
  });
});
