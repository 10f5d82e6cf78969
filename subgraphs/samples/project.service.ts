// Projects: a name (unique) that groups samples, an owner and a status. Every change writes its outbox event in
// the same transaction; a stale version or a taken name is CONFLICT.
import type { Prisma, Project, ProjectStatus } from '../../generated/prisma/samples/client.ts';
import { assertExpectedVersion, badUserInput, ERRORS, fromPrismaError, staleVersion } from '../kit/errors.ts';
import { callerEvent, diffChanges, recordEvent, type Changes, type OutboxEventInput } from '../kit/outbox.ts';
import { SERVICE_NAME, type Caller, type SamplesDeps } from './deps.ts';
import { isUuid } from '../kit/uuid.ts';
import { visibleProjectWhere, visibleSampleWhere } from './visibility.ts';

export interface CreateProjectInput {
  name: string;
  description?: string | null;
  ownerId?: string | null;
}

export interface UpdateProjectInput {
  name?: string | null;
  description?: string | null;
  status?: ProjectStatus | null;
}

const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;
const EVENT_FIELDS = ['name', 'description', 'ownerId', 'status'] as const satisfies (keyof Project)[];

function parseName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_NAME) {
    throw badUserInput(`name must be 1 to ${MAX_NAME} characters`, { field: 'name', rule: 'NAME_LENGTH' });
  }
  return trimmed;
}

/** Trimmed; empty clears it. */
function parseDescription(description: string | null | undefined): string | null {
  const trimmed = description?.trim() ?? '';
  if (trimmed.length > MAX_DESCRIPTION) {
    throw badUserInput(`description must be at most ${MAX_DESCRIPTION} characters`, {
      field: 'description',
      rule: 'TEXT_LENGTH',
    });
  }
  return trimmed === '' ? null : trimmed;
}

function projectEvent(
  caller: Caller,
  project: Project,
  type: string,
  now: Date,
  changes: Changes,
): OutboxEventInput {
  return callerEvent(SERVICE_NAME, caller, now, {
    type,
    entityType: 'Project',
    entityId: project.id,
    ownerId: project.ownerId,
    changes,
  });
}

/** Maps Prisma's errors; a unique violation here can only be the name. */
async function withNameConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const mapped = fromPrismaError(error, 'project');
    if (mapped !== error && (mapped as { extensions?: { code?: unknown } }).extensions?.code === 'CONFLICT') {
      throw ERRORS.CONFLICT.err('a project with this name already exists', { field: 'name', rule: 'UNIQUE' });
    }
    throw mapped;
  }
}

export function createProjectService(deps: SamplesDeps) {
  const { prisma } = deps;

  return {
    /** The projects the caller may see (visibility.ts), in name order. */
    list(caller: Caller, status: ProjectStatus | null | undefined): Promise<Project[]> {
      return prisma.project.findMany({
        where: { AND: [status ? { status } : {}, visibleProjectWhere(caller)] },
        orderBy: [{ name: 'asc' }],
      });
    },

    /** Samples per project that the caller may see (a SUBMITTER: their own); 0 for a project with none. */
    async countSamples(caller: Caller, projectIds: readonly string[]): Promise<Map<string, number>> {
      const groups = await prisma.sample.groupBy({
        by: ['projectId'],
        where: {
          projectId: { in: [...projectIds] },
          ...visibleSampleWhere(caller),
        },
        _count: { _all: true },
      });
      const counts = new Map(projectIds.map((id) => [id, 0]));
      for (const group of groups) if (group.projectId) counts.set(group.projectId, group._count._all);
      return counts;
    },

    async create(caller: Caller, input: CreateProjectInput): Promise<Project> {
      const name = parseName(input.name);
      const description = parseDescription(input.description);
      const ownerId = input.ownerId ?? caller.userId;
      if (!isUuid(ownerId))
        throw badUserInput('ownerId is not a valid id', { field: 'ownerId', rule: 'ID_FORMAT' });
      const now = deps.now();
      return withNameConflict(() =>
        prisma.$transaction(async (tx) => {
          const project = await tx.project.create({
            data: { name, description, ownerId: ownerId.toLowerCase(), createdAt: now, updatedAt: now },
          });
          const none = Object.fromEntries(EVENT_FIELDS.map((field) => [field, null])) as Record<
            string,
            unknown
          >;
          const changes = diffChanges(none, project, [...EVENT_FIELDS]);
          await recordEvent(tx, projectEvent(caller, project, 'project.created', now, changes));
          return project;
        }),
      );
    },

    /** Fields left out are unchanged; a null description clears it; name and status cannot be null. */
    async update(
      caller: Caller,
      id: string,
      input: UpdateProjectInput,
      version: number | null | undefined,
    ): Promise<Project> {
      for (const field of ['name', 'status'] as const) {
        if (input[field] === null)
          throw badUserInput(`${field} cannot be cleared`, { field, rule: 'REQUIRED' });
      }
      const data: Prisma.ProjectUpdateManyMutationInput = {};
      if (input.name != null) data.name = parseName(input.name);
      if (input.description !== undefined) data.description = parseDescription(input.description);
      if (input.status != null) data.status = input.status;
      const now = deps.now();
      return withNameConflict(() =>
        prisma.$transaction(async (tx) => {
          const before = isUuid(id) ? await tx.project.findUnique({ where: { id } }) : null;
          if (!before) throw ERRORS.NOT_FOUND.err('project not found', { id });
          assertExpectedVersion('project', before.version, version);
          const changes = diffChanges(before, data as Partial<Project>, [...EVENT_FIELDS]);
          if (Object.keys(changes).length === 0) return before;
          // Only if nobody changed it since it was read: of two concurrent updates, one gets CONFLICT.
          const { count } = await tx.project.updateMany({
            where: { id, version: before.version },
            data: { ...data, version: before.version + 1, updatedAt: now },
          });
          if (count === 0) {
            throw staleVersion('project', before.version);
          }
          const after = await tx.project.findUniqueOrThrow({ where: { id } });
          changes.version = { from: before.version, to: after.version };
          await recordEvent(tx, projectEvent(caller, after, 'project.updated', now, changes));
          return after;
        }),
      );
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
