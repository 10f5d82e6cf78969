// Who may do what in the auth subgraph. The router enforces the schema's @authenticated/@requiresScopes first;
// these rules enforce the same again here (a subgraph never trusts its caller) and add the row-level ones.
//
// - Public: login, refreshSession, logout (they authenticate by what they carry: a password or a refresh token).
// - Any signed-in user: me, logoutAll, changePassword; a User's public profile (id, name) wherever one is
//   reachable, because other subgraphs show users as assignees, submitters and audit actors (a SUBMITTER sees
//   who received and QC'd their sample) and the router resolves those references here.
// - user(id): ADMIN and STAFF (who assign work to people) see anyone; everyone else only themself (FORBIDDEN
//   otherwise, so ids cannot be probed).
// - The rest of a User (email, roles, active, createdAt): the same callers as user(id), wherever the User was
//   reached: ADMIN, STAFF and the user themself. Anyone else gets FORBIDDEN on the field, so a SUBMITTER who
//   reaches another user through a reference reads the name only.
// - User.lastLoginAt: the user themself and ADMIN only (null with an error for others).
// - The User in an AuthPayload (login, refreshSession) is visible in full to the caller: the caller is that
//   user, though the request itself came without a token.
// - users, createUser, updateUser, resetPassword: scope users:admin (ADMIN).
// - apiKeys, createApiKey, revokeApiKey: scope users:admin, and never through an API key (a key never carries
//   users:admin anyway). A key's token also may not logoutAll or changePassword: it acts for its owner's data,
//   not their account (and a wrong current password would count toward the owner's lockout).
import {
  allow,
  and,
  denial,
  hasScope,
  isAuthenticated,
  or,
  rule,
  type PermissionMap,
} from '../kit/permissions.ts';
import type { Identity } from '../../common/identity.ts';
import type { Context } from './context.ts';

const isAdmin = hasScope('users:admin');

/** A person's own token, not one issued to an API key. */
const notApiKey = rule('notApiKey', { cache: 'contextual' })((_p, _a, ctx: Context) =>
  ctx.identity?.apiKeyId ? denial(ctx, 'not with an API key: sign in as a person') : true,
);
const adminInPerson = and(isAdmin, notApiKey);

/** ADMIN and STAFF (who assign work to people) read any user, by user(id) or through a reference. */
function readsAnyUser(identity: Identity | null): boolean {
  return !!identity && (identity.scopes.includes('users:admin') || identity.roles.includes('STAFF'));
}

const readsUsers = rule('readsUsers', { cache: 'contextual' })((_p, _a, ctx: Context) =>
  readsAnyUser(ctx.identity) ? true : denial(ctx),
);

const isSelfArgument = rule('isSelfArgument', { cache: 'strict' })(
  (_p, args: { id?: string }, ctx: Context) =>
    ctx.identity && ctx.identity.userId === args.id ? true : denial(ctx, 'you may only read your own user'),
);

const isSelfParent = rule('isSelfParent', { cache: 'strict' })((parent: { id?: string }, _a, ctx: Context) =>
  ctx.identity && ctx.identity.userId === parent.id
    ? true
    : denial(ctx, 'only the user themself or an admin'),
);

/** The User objects returned in an AuthPayload: the caller has just proven to be them. */
export const sessionOwners = new WeakSet<object>();

const isSessionOwner = rule('isSessionOwner', { cache: 'no_cache' })((parent: object, _a, ctx: Context) =>
  sessionOwners.has(parent) ? true : denial(ctx),
);

const signedIn = or(isAuthenticated, isSessionOwner);

/** A User's account details: the readers of users, the user themself, and the owner of a fresh session. */
const seesAccount = rule('seesAccount', { cache: 'no_cache' })((parent: { id?: string }, _a, ctx: Context) =>
  sessionOwners.has(parent) || readsAnyUser(ctx.identity) || ctx.identity?.userId === parent.id
    ? true
    : denial(ctx, "only the user themself, STAFF and ADMIN see a user's account details"),
);

export const permissions: PermissionMap = {
  Query: {
    me: isAuthenticated,
    user: or(readsUsers, isSelfArgument),
    users: isAdmin,
    apiKeys: adminInPerson,
  },
  Mutation: {
    login: allow,
    refreshSession: allow,
    logout: allow,
    logoutAll: and(isAuthenticated, notApiKey),
    changePassword: and(isAuthenticated, notApiKey),
    createUser: isAdmin,
    updateUser: isAdmin,
    resetPassword: isAdmin,
    createApiKey: adminInPerson,
    revokeApiKey: adminInPerson,
  },
  User: {
    id: allow,
    name: signedIn,
    email: seesAccount,
    roles: seesAccount,
    active: seesAccount,
    createdAt: seesAccount,
    lastLoginAt: or(isSessionOwner, isAdmin, isSelfParent),
  },
  // Reachable only through fields guarded above.
  AuthPayload: allow,
  UserConnection: allow,
  UserEdge: allow,
  PageInfo: allow,
  ApiKey: allow,
  CreatedApiKey: allow,
  ApiKeyConnection: allow,
  ApiKeyEdge: allow,
};
