import type { Resolvers } from '../../generated/graphql/auth.ts';
import { requireIdentity } from '../kit/identity.ts';
import type { Context } from './context.ts';
import { sessionOwners } from './permissions.ts';
import type { AuthPayload } from './session.service.ts';

/** The payload's user is the caller: let them see it in full (see permissions.ts). */
function owned(payload: AuthPayload): AuthPayload {
  sessionOwners.add(payload.user);
  return payload;
}

export const sessionResolvers: Resolvers<Context> = {
  Mutation: {
    login: async (_p, { email, password }, ctx) =>
      owned(await ctx.services.login.login({ email, password, clientIp: ctx.clientIp }, ctx.meta)),
    refreshSession: async (_p, { refreshToken }, ctx) =>
      owned(await ctx.services.sessions.refresh(refreshToken, ctx.meta)),
    logout: (_p, { refreshToken }, ctx) => ctx.services.sessions.logout(refreshToken, ctx.meta),
    logoutAll: (_p, _a, ctx) => ctx.services.sessions.logoutAll(requireIdentity(ctx).userId, ctx.meta),
  },
};
