// Users: reading, the admin's create/update/reset, and a user's own password change. Every change writes its
// outbox event in the same transaction. Password hashes never appear in events.
import type { Prisma, Role, User } from '../../generated/prisma/auth/client.ts';
import { badUserInput, ERRORS, fromPrismaError } from '../kit/errors.ts';
import { diffChanges, recordEvent, type OutboxEventInput } from '../kit/outbox.ts';
import type { AuthDeps, EventMeta } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import {
  assertEmailLength,
  assertPasswordRules,
  hashPassword,
  normalizeEmail,
  verifyPassword,
} from './password.ts';
import type { LoginGuard } from './login-guard.ts';
import type { SessionService } from './session.service.ts';
import type { ApiKeyService } from './api-key.service.ts';

export interface UserFilter {
  text?: string | null;
  role?: Role | null;
  active?: boolean | null;
}

export interface CreateUserInput {
  email: string;
  name: string;
  roles: Role[];
  password: string;
  active?: boolean | null;
}

export interface UpdateUserInput {
  name?: string | null;
  roles?: Role[] | null;
  active?: boolean | null;
}

export interface UserPage {
  edges: { cursor: string; node: User }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const MAX_PAGE_SIZE = 100;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function assertName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) {
    throw badUserInput('the name must be 1 to 200 characters', { field: 'name', rule: 'NAME_LENGTH' });
  }
  return trimmed;
}

function assertRoles(roles: Role[]): Role[] {
  if (roles.length === 0)
    throw badUserInput('a user needs at least one role', { field: 'roles', rule: 'ROLES_EMPTY' });
  return [...new Set(roles)];
}

// Cursors are opaque to clients: base64url of the sort key (email, unique).
const encodeCursor = (email: string) => Buffer.from(email, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

export function createUserService(
  deps: AuthDeps,
  sessions: SessionService,
  guard: LoginGuard,
  apiKeys: Pick<ApiKeyService, 'endOwnerSessions'>,
) {
  const { prisma } = deps;

  function event(
    meta: EventMeta,
    user: User,
    type: string,
    extra: Partial<OutboxEventInput> = {},
  ): OutboxEventInput {
    return {
      type,
      entityType: 'User',
      entityId: user.id,
      ownerId: user.id,
      service: SERVICE_NAME,
      actor: meta.actor,
      requestId: meta.requestId,
      occurredAt: deps.now(),
      ...extra,
    };
  }

  async function getOrThrow(tx: Prisma.TransactionClient, id: string): Promise<User> {
    const user = await tx.user.findUnique({ where: { id } });
    if (!user) throw ERRORS.NOT_FOUND.err('user not found');
    return user;
  }

  /** Refuses a change that would leave no active admin (nobody could manage users any more). */
  async function assertAdminRemains(
    tx: Prisma.TransactionClient,
    user: User,
    next: { roles: Role[]; active: boolean },
  ) {
    const wasAdmin = user.active && user.roles.includes('ADMIN');
    const staysAdmin = next.active && next.roles.includes('ADMIN');
    if (!wasAdmin || staysAdmin) return;
    const others = await tx.user.count({
      where: { id: { not: user.id }, active: true, roles: { has: 'ADMIN' } },
    });
    if (others === 0) {
      throw ERRORS.CONFLICT.err('this is the last active admin', { rule: 'LAST_ADMIN' });
    }
  }

  return {
    async list(filter: UserFilter, first: number, after: string | null | undefined): Promise<UserPage> {
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
        throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, {
          field: 'first',
          rule: 'PAGE_SIZE',
        });
      }
      const text = filter.text?.trim();
      const where: Prisma.UserWhereInput = {
        ...(filter.role ? { roles: { has: filter.role } } : {}),
        ...(typeof filter.active === 'boolean' ? { active: filter.active } : {}),
        ...(text
          ? {
              OR: [
                { name: { contains: text, mode: 'insensitive' } },
                { email: { contains: text.toLowerCase() } },
              ],
            }
          : {}),
      };
      const [rows, totalCount] = await Promise.all([
        prisma.user.findMany({
          where: after ? { AND: [where, { email: { gt: decodeCursor(after) } }] } : where,
          orderBy: { email: 'asc' },
          take: first + 1,
        }),
        prisma.user.count({ where }),
      ]);
      const page = rows.slice(0, first);
      const edges = page.map((node) => ({ cursor: encodeCursor(node.email), node }));
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount,
      };
    },

    async create(input: CreateUserInput, meta: EventMeta): Promise<User> {
      const email = normalizeEmail(input.email);
      assertEmailLength(email);
      if (!EMAIL.test(email)) {
        throw badUserInput('not a valid email address', { field: 'email', rule: 'EMAIL_FORMAT' });
      }
      const name = assertName(input.name);
      const roles = assertRoles(input.roles);
      assertPasswordRules(input.password, 'password', { email, name });
      const passwordHash = await hashPassword(input.password);
      try {
        return await prisma.$transaction(async (tx) => {
          const user = await tx.user.create({
            data: { email, name, roles, active: input.active ?? true, passwordHash, createdAt: deps.now() },
          });
          const changes = diffChanges(
            { email: null, name: null, roles: null, active: null } as Record<string, unknown>,
            user,
            ['email', 'name', 'roles', 'active'],
          );
          await recordEvent(tx, event(meta, user, 'user.created', { changes }));
          return user;
        });
      } catch (error) {
        const mapped = fromPrismaError(error, 'user');
        if (mapped !== error)
          throw ERRORS.CONFLICT.err('a user with this email already exists', {
            field: 'email',
            rule: 'UNIQUE',
          });
        throw error;
      }
    },

    async update(id: string, input: UpdateUserInput, meta: EventMeta): Promise<User> {
      return prisma.$transaction(async (tx) => {
        const before = await getOrThrow(tx, id);
        const data: Prisma.UserUpdateInput = {};
        if (input.name != null) data.name = assertName(input.name);
        if (input.roles != null) data.roles = assertRoles(input.roles);
        if (input.active != null) data.active = input.active;
        const next = {
          roles: (data.roles as Role[] | undefined) ?? before.roles,
          active: input.active ?? before.active,
        };
        await assertAdminRemains(tx, before, next);
        const after = await tx.user.update({ where: { id }, data });
        const names = diffChanges(before, after, ['name']);
        const roles = diffChanges(before, after, ['roles']);
        const active = diffChanges(before, after, ['active']);
        if (Object.keys(names).length)
          await recordEvent(tx, event(meta, after, 'user.updated', { changes: names }));
        if (Object.keys(roles).length) {
          // Tokens carry roles: end the sessions, so none of them works with the old roles (not even for the
          // seconds before it expires). The user signs in again and gets the new ones.
          const revoked = await sessions.revokeAllForUser(tx, id, 'ROLES_CHANGED');
          // The user's API keys too: their tokens carry the owner's roles.
          const keys = await apiKeys.endOwnerSessions(tx, id, 'ROLES_CHANGED');
          await recordEvent(
            tx,
            event(meta, after, 'user.roles_changed', {
              changes: roles,
              payload: { sessionsRevoked: revoked, ...(keys ? { apiKeySessionsEnded: keys } : {}) },
            }),
          );
        }
        if (Object.keys(active).length) {
          let revoked = 0;
          let keys = 0;
          if (!after.active) {
            revoked = await sessions.revokeAllForUser(tx, id, 'DEACTIVATED');
            keys = await apiKeys.endOwnerSessions(tx, id, 'DEACTIVATED');
          }
          await recordEvent(
            tx,
            event(meta, after, after.active ? 'user.activated' : 'user.deactivated', {
              changes: active,
              ...(after.active
                ? {}
                : { payload: { sessionsRevoked: revoked, ...(keys ? { apiKeySessionsEnded: keys } : {}) } }),
            }),
          );
        }
        return after;
      });
    },

    /** Admin: sets a new password and ends every session of the user. */
    async resetPassword(id: string, newPassword: string, meta: EventMeta): Promise<User> {
      const target = await prisma.user.findUnique({ where: { id }, select: { email: true, name: true } });
      assertPasswordRules(newPassword, 'newPassword', target ?? {});
      const passwordHash = await hashPassword(newPassword);
      return prisma.$transaction(async (tx) => {
        await getOrThrow(tx, id);
        const user = await tx.user.update({
          where: { id },
          data: { passwordHash, passwordChangedAt: deps.now() },
        });
        const revoked = await sessions.revokeAllForUser(tx, id, 'PASSWORD_RESET');
        await recordEvent(
          tx,
          event(meta, user, 'user.password_reset', { payload: { sessionsRevoked: revoked } }),
        );
        return user;
      });
    },

    /**
     * The caller's own change: needs the current password, whose wrong guesses count toward the same lockout
     * as failed logins (per account and client address); ends the caller's other sessions.
     */
    async changePassword(
      caller: { userId: string; sessionId: string | undefined; clientIp: string | undefined },
      input: { currentPassword: string; newPassword: string },
      meta: EventMeta,
    ): Promise<User> {
      const { userId, sessionId } = caller;
      const user = await prisma.user.findUnique({ where: { id: userId } });
      if (!user || !user.active)
        throw ERRORS.UNAUTHENTICATED.err('the account is not active', { reason: 'ACCOUNT_DISABLED' });
      const attempt = { email: user.email, user, clientIp: caller.clientIp, meta };
      await guard.check(attempt);
      if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
        await guard.recordFailure(attempt, 'CURRENT_PASSWORD_INCORRECT');
        throw badUserInput('the current password is not correct', {
          field: 'currentPassword',
          rule: 'CURRENT_PASSWORD_INCORRECT',
        });
      }
      assertPasswordRules(input.newPassword, 'newPassword', user);
      if (input.newPassword === input.currentPassword) {
        throw badUserInput('the new password must differ from the current one', {
          field: 'newPassword',
          rule: 'PASSWORD_UNCHANGED',
        });
      }
      const passwordHash = await hashPassword(input.newPassword);
      return prisma.$transaction(async (tx) => {
        const updated = await tx.user.update({
          where: { id: userId },
          data: { passwordHash, passwordChangedAt: deps.now() },
        });
        const revoked = await sessions.revokeAllForUser(tx, userId, 'PASSWORD_CHANGED', sessionId);
        await recordEvent(
          tx,
          event(meta, updated, 'user.password_changed', { payload: { sessionsRevoked: revoked } }),
        );
        return updated;
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
