// Thin: parse arguments, call the service, shape the output.
import type { Resolvers } from '../../generated/graphql/auth.ts';
import type { Context } from './context.ts';

export const apiKeyResolvers: Resolvers<Context> = {
  Query: {
    apiKeys: (_p, { ownerId, includeInactive, first, after }, ctx) =>
      ctx.services.apiKeys.list({ ownerId, includeInactive, first: first ?? 50, after }),
  },
  Mutation: {
    createApiKey: (_p, { input }, ctx) =>
      ctx.services.apiKeys.create(
        {
          name: input.name,
          ownerId: input.ownerId,
          scopes: input.scopes,
          expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        },
        ctx.meta,
      ),
    revokeApiKey: (_p, { id }, ctx) => ctx.services.apiKeys.revoke(id, ctx.meta),
  },
  ApiKey: {
    owner: async (key, _a, ctx) => {
      const owner = await ctx.loaders.userById.load(key.ownerId);
      if (!owner) throw new Error(`API key ${key.id}: owner ${key.ownerId} is missing`);
      return owner;
    },
    createdBy: (key, _a, ctx) => (key.createdById ? ctx.loaders.userById.load(key.createdById) : null),
  },
};
