// DataLoaders, created per request: a page of 100 samples with assignees resolves 100 User references with one
// `WHERE id IN (...)` query.
import DataLoader from 'dataloader';
import type { PrismaClient, User } from '../../generated/prisma/auth/client.ts';
import { isUuid } from '../kit/uuid.ts';

export function createLoaders(prisma: PrismaClient) {
  return {
    userById: new DataLoader<string, User | null>(async (ids) => {
      // A malformed id cannot match a uuid column, and would make the whole query fail: skip it.
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await prisma.user.findMany({ where: { id: { in: valid } } }) : [];
      const byId = new Map(rows.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
