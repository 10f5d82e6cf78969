// Kit helpers against a real database. The auth schema holds the reference OutboxEvent model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPg } from '@prisma/adapter-pg';
import type { GraphQLError } from 'graphql';
import { Prisma, PrismaClient } from '../../generated/prisma/auth/client.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { createDatabaseAdapter } from './database.ts';
import { fromPrismaError, withPrismaErrors } from './errors.ts';
import { createLogger } from './logger.ts';
import { diffChanges, recordEvent } from './outbox.ts';
import { allow } from './permissions.ts';
import { prismaReadiness } from './readiness.ts';
import { createSubgraphServer } from './server.ts';

let db: TestDatabase;
let prisma: PrismaClient;
beforeAll(async () => {
  db = await createTestDatabase('auth');
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

const user = (email: string) => ({ email, name: 'N', roles: ['VIEWER' as const], passwordHash: 'x' });

describe('Prisma errors', () => {
  it('maps a unique violation (P2002) to CONFLICT and a missing record (P2025) to NOT_FOUND', async () => {
    await prisma.user.create({ data: user('taken@lab.example') });
    const conflict = await withPrismaErrors(
      () => prisma.user.create({ data: user('taken@lab.example') }),
      'user',
    ).catch((e: GraphQLError) => e);
    expect((conflict as GraphQLError).extensions).toMatchObject({ code: 'CONFLICT', rule: 'UNIQUE' });
    const missing = await prisma.user
      .update({ where: { id: '00000000-0000-4000-8000-000000000000' }, data: { name: 'x' } })
      .catch((e: unknown) => fromPrismaError(e, 'user'));
    expect((missing as GraphQLError).extensions.code).toBe('NOT_FOUND');
    const other = new Error('something else');
    expect(fromPrismaError(other)).toBe(other);
  });

  it('maps a transaction that could not start in time (P2028, pool exhausted under load) to SERVICE_UNAVAILABLE', () => {
    const error = new Prisma.PrismaClientKnownRequestError(
      'Transaction API error: Unable to start a transaction in the given time.',
      { code: 'P2028', clientVersion: Prisma.prismaVersion.client },
    );
    expect((fromPrismaError(error) as GraphQLError).extensions.code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('outbox', () => {
  it('writes the event in the caller transaction, and rolls it back with the change', async () => {
    const committed = await prisma.$transaction(async (tx) => {
      const created = await tx.user.create({ data: user('outbox@lab.example') });
      await recordEvent(tx, {
        type: 'user.created',
        entityType: 'User',
        entityId: created.id,
        service: 'auth',
        actor: { userId: 'admin-1', roles: ['ADMIN'] },
        requestId: 'req-1',
        changes: diffChanges({ name: 'old', roles: ['VIEWER'] }, { name: 'N', roles: ['VIEWER'] }, [
          'name',
          'roles',
        ]),
      });
      return created;
    });
    const event = await prisma.outboxEvent.findFirstOrThrow({ where: { entityId: committed.id } });
    expect(event).toMatchObject({
      type: 'user.created',
      actorId: 'admin-1',
      actorRoles: ['ADMIN'],
      service: 'auth',
      requestId: 'req-1',
      changes: { name: { from: 'old', to: 'N' } },
      deliveredAt: null,
      attempts: 0,
    });

    await expect(
      prisma.$transaction(async (tx) => {
        const created = await tx.user.create({ data: user('rolledback@lab.example') });
        await recordEvent(tx, {
          type: 'user.created',
          entityType: 'User',
          entityId: created.id,
          service: 'auth',
        });
        throw new Error('domain rule failed after the event was written');
      }),
    ).rejects.toThrow('domain rule failed');
    expect(await prisma.user.count({ where: { email: 'rolledback@lab.example' } })).toBe(0);
    expect(await prisma.outboxEvent.count()).toBe(1);
  });
});

describe('createDatabaseAdapter', () => {
  it('keeps timestamps exact when the database is set to another time zone', async () => {
    const name = new URL(db.url).pathname.slice(1);
    await prisma.$executeRawUnsafe(`ALTER DATABASE "${name}" SET timezone TO 'Pacific/Kiritimati'`);
    const pinned = new PrismaClient({ adapter: createDatabaseAdapter(db.url) });
    const unpinned = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
    try {
      const createdAt = new Date('2026-03-01T09:30:00.000Z');
      const { id } = await pinned.user.create({ data: { ...user('tz@lab.example'), createdAt } });
      expect((await pinned.user.findUniqueOrThrow({ where: { id } })).createdAt).toEqual(createdAt);
      // What the pin prevents: the same row read in a UTC+14 session comes back 14 hours off.
      const shifted = (await unpinned.user.findUniqueOrThrow({ where: { id } })).createdAt;
      expect(shifted.getTime() - createdAt.getTime()).not.toBe(0);
    } finally {
      await pinned.$disconnect();
      await unpinned.$disconnect();
      await prisma.$executeRawUnsafe(`ALTER DATABASE "${name}" RESET timezone`);
    }
  });
});

describe('connection_limit in the database URL', () => {
  it('sizes the pool: queries beyond it wait for a connection instead of opening one', async () => {
    const backends = async (url: string): Promise<number> => {
      const client = new PrismaClient({ adapter: createDatabaseAdapter(url) });
      try {
        const rows = await Promise.all(
          Array.from(
            { length: 4 },
            () =>
              client.$queryRaw<
                { pid: number }[]
              >`SELECT pg_backend_pid() AS pid, pg_sleep(0.2)::text AS slept`,
          ),
        );
        return new Set(rows.map(([row]) => row!.pid)).size;
      } finally {
        await client.$disconnect();
      }
    };
    expect(await backends(db.url)).toBe(4);
    expect(await backends(`${db.url}?connection_limit=2`)).toBeLessThanOrEqual(2);
  });
});

describe('/ready', () => {
  it('answers 503 when the database is unreachable', async () => {
    const unreachable = new PrismaClient({
      adapter: new PrismaPg({
        connectionString: 'postgresql://postgres@127.0.0.1:1/nothing',
        connectionTimeoutMillis: 1000,
      }),
    });
    const make = (client: PrismaClient) =>
      createSubgraphServer({
        name: 'ready',
        typeDefs: 'type Query { ok: Boolean }',
        resolvers: { Query: { ok: () => true } },
        permissions: { Query: { ok: allow } },
        readiness: { database: prismaReadiness(client) },
        logger: createLogger({ level: 'silent' }),
        auth: { verify: async () => ({ userId: 'u', roles: [], scopes: [] }) },
        defaultMetrics: false,
      });
    const down = await make(unreachable).listen(0);
    const up = await make(prisma).listen(0);
    try {
      const res = await fetch(`${down.url}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', checks: { database: 'failed' } });
      expect((await fetch(`${down.url}/health`)).status).toBe(200);
      expect((await fetch(`${up.url}/ready`)).status).toBe(200);
    } finally {
      await down.close();
      await up.close();
      await unreachable.$disconnect();
    }
  });
});
