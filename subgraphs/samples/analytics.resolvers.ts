// Placeholder until these resolvers are written (issue 4, in progress).
import type { Resolvers } from '../../generated/graphql/samples.ts';
import type { Context } from './context.ts';

export const analyticsResolvers: Resolvers<Context> = {};
