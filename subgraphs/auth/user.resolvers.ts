// Thin: parse arguments, call the service, shape the output.
import type { Resolvers } from '../../generated/graphql/auth.ts';
import { requireIdentity } from '../kit/identity.ts';
import { DateTimeScalar } from '../kit/scalars.ts';
import type { Context } from './context.ts';

export const userResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  Query: {
    me: (_p, _a, ctx) => ctx.loaders.userById.load(requireIdentity(ctx).userId),
    user: (_p, { id }, ctx) => ctx.loaders.userById.load(id),
    users: (_p, { filter, first, after }, ctx) => ctx.services.users.list(filter ?? {}, first ?? 50, after),
  },
  Mutation: {
    createUser: (_p, { input }, ctx) => ctx.services.users.create(input, ctx.meta),
    updateUser: (_p, { id, input }, ctx) => ctx.services.users.update(id, input, ctx.meta),
    resetPassword: (_p, { id, newPassword }, ctx) =>
      ctx.services.users.resetPassword(id, newPassword, ctx.meta),
    changePassword: (_p, args, ctx) => {
      const identity = requireIdentity(ctx);
      const caller = { userId: identity.userId, sessionId: identity.sessionId, clientIp: ctx.clientIp };
      return ctx.services.users.changePassword(caller, args, ctx.meta);
    },
  },
  User: {
    __resolveReference: (ref, ctx) => ctx.loaders.userById.load(ref.id),
  },
};
