// Thin: parse arguments, call the project service, shape the output. The parent of Project resolvers is the
// Prisma row. Every read (project, projects, the entity reference) applies visibility.ts: a SUBMITTER reads only
// projects they own or that hold one of their samples.
import type { Resolvers } from '../../generated/graphql/samples.ts';
import { requireCaller, type Context } from './context.ts';
import { isUuid } from '../kit/uuid.ts';

export const projectResolvers: Resolvers<Context> = {
  Query: {
    project: (_p, { id }, ctx) => (isUuid(id) ? ctx.loaders.projectById.load(id) : null),
    projects: (_p, { status }, ctx) => ctx.services.projects.list(requireCaller(ctx), status),
  },
  Mutation: {
    createProject: (_p, { input }, ctx) => ctx.services.projects.create(requireCaller(ctx), input),
    updateProject: (_p, { id, input, version }, ctx) =>
      ctx.services.projects.update(requireCaller(ctx), id, input, version),
  },
  Project: {
    __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.projectById.load(ref.id) : null),
    owner: (project) => ({ __typename: 'User', id: project.ownerId }),
    sampleCount: (project, _a, ctx) => ctx.loaders.sampleCountByProject.load(project.id),
    samples: (project, { first, after }, ctx) =>
      ctx.services.queries.listSamples(requireCaller(ctx), { projectId: project.id }, null, first, after),
  },
};
