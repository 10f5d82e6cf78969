// DataLoaders, created per request: a page of 100 samples with assignees resolves 100 User references with one
// `WHERE id IN (...)` query.
import DataLoader from 'dataloader';
import type { PrismaClient, User } from '../../generated/prisma/auth/client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createLoaders(prisma: PrismaClient) {
  return {
    userById: new DataLoader<string, User | null>(async (ids) => {
      // A malformed id cannot match a uuid column, and would make the whole query fail: skip it.
      const valid = ids.filter((id) => UUID.test(id));
      const rows = valid.length ? await prisma.user.findMany({ where: { id: { in: valid } } }) : [];
      const byId = new Map(rows.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
