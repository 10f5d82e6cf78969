// Which rows of this subgraph a caller may read, as Prisma filters. Read-all roles (ADMIN, STAFF, VIEWER: the
// caller's ownerId is null) read every row; anyone else (a SUBMITTER) reads their own samples, the projects they
// own or that hold one of their samples, and the runs one of their samples was loaded on. Root fields, lists,
// fields of other types and entity references (_entities) all read through these filters, so a row hidden from
// `project(id)` is hidden from every other way in too.
import type { Prisma } from '../../generated/prisma/samples/client.ts';
import type { Caller } from './deps.ts';

export function visibleSampleWhere(caller: Caller): Prisma.SampleWhereInput {
  return caller.ownerId === null ? {} : { ownerId: caller.ownerId };
}

export function visibleProjectWhere(caller: Caller): Prisma.ProjectWhereInput {
  if (caller.ownerId === null) return {};
  return { OR: [{ ownerId: caller.ownerId }, { samples: { some: { ownerId: caller.ownerId } } }] };
}

export function visibleRunWhere(caller: Caller): Prisma.RunWhereInput {
  return caller.ownerId === null ? {} : { samples: { some: { sample: { ownerId: caller.ownerId } } } };
}
