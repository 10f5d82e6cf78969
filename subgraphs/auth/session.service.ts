// Sessions: an access token (JWT, short-lived) plus a refresh token (opaque, rotated on every use). The refresh
// tokens of one login form a family; presenting an already-rotated token means it was stolen or replayed, so
// the whole family is revoked (the legitimate holder's newest token stops working too).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Prisma, User } from '../../generated/prisma/auth/client.ts';
import { ERRORS } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { AuthDeps, EventMeta } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import type { RevocationService } from './revocation.service.ts';
import { scopesForRoles } from './scopes.ts';

type Tx = Prisma.TransactionClient;

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  refreshExpiresAt: Date;
  user: User;
}

export type RevokeReason =
  | 'LOGOUT'
  | 'LOGOUT_ALL'
  | 'REUSE_DETECTED'
  | 'PASSWORD_CHANGED'
  | 'PASSWORD_RESET'
  | 'DEACTIVATED'
  | 'ROLES_CHANGED';

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const sessionRevoked = (message = 'the session was revoked, sign in again') =>
  ERRORS.UNAUTHENTICATED.err(message, { reason: 'SESSION_REVOKED' });
const invalidRefreshToken = () =>
  ERRORS.UNAUTHENTICATED.err('the refresh token is invalid', { reason: 'REFRESH_TOKEN_INVALID' });

export function createSessionService(deps: AuthDeps, revocations: RevocationService) {
  const { prisma, config } = deps;

  /** Stores a new refresh token (in `tx`) and signs an access token for the user. */
  async function issue(tx: Tx, user: User, familyId: string = randomUUID()): Promise<AuthPayload> {
    const now = deps.now();
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(now.getTime() + config.refreshTokenTtlSeconds * 1000);
    await tx.refreshToken.create({
      data: {
        tokenHash: hashRefreshToken(refreshToken),
        familyId,
        userId: user.id,
        createdAt: now,
        expiresAt: refreshExpiresAt,
      },
    });
    const { token, expiresAt } = await deps.keys.sign({
      sub: user.id,
      roles: user.roles,
      scope: scopesForRoles(user.roles).join(' '),
      sid: familyId,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      ttlSeconds: config.accessTokenTtlSeconds,
    });
    return { accessToken: token, refreshToken, expiresAt, refreshExpiresAt, user };
  }

  /**
   * Revokes every live token of the families and publishes the sessions whose access tokens may still work
   * (one was issued with each refresh token); returns how many families had a live refresh token.
   */
  async function revokeFamilies(
    tx: Tx,
    where: Prisma.RefreshTokenWhereInput,
    reason: RevokeReason,
  ): Promise<number> {
    const now = deps.now();
    const live = await tx.refreshToken.findMany({
      where: { ...where, revokedAt: null, rotatedAt: null, expiresAt: { gt: now } },
      select: { familyId: true },
      distinct: ['familyId'],
    });
    const ended = await tx.refreshToken.findMany({
      where: { ...where, revokedAt: null, createdAt: { gt: revocations.liveSince() } },
      select: { familyId: true, userId: true },
      distinct: ['familyId'],
    });
    await tx.refreshToken.updateMany({
      where: { ...where, revokedAt: null },
      data: { revokedAt: now, revokedReason: reason },
    });
    await revocations.record(tx, ended, reason);
    return live.length;
  }

  /** Ends all of a user's sessions, optionally except one (the caller's own). */
  function revokeAllForUser(tx: Tx, userId: string, reason: RevokeReason, exceptFamilyId?: string) {
    return revokeFamilies(
      tx,
      { userId, ...(exceptFamilyId ? { familyId: { not: exceptFamilyId } } : {}) },
      reason,
    );
  }

  async function revokeForReuse(familyId: string, userId: string, meta: EventMeta): Promise<void> {
    await prisma.$transaction(async (tx) => {
      const sessions = await revokeFamilies(tx, { familyId }, 'REUSE_DETECTED');
      await recordEvent(tx, {
        type: 'user.session_revoked',
        entityType: 'User',
        entityId: userId,
        ownerId: userId,
        service: SERVICE_NAME,
        actor: meta.actor,
        requestId: meta.requestId,
        occurredAt: deps.now(),
        payload: { reason: 'REUSE_DETECTED', sessionId: familyId, sessions },
      });
    });
    deps.log.warn({ userId, sessionId: familyId }, 'session: refresh token reuse, family revoked');
  }

  return {
    issue,
    revokeAllForUser,

    async refresh(refreshToken: string, meta: EventMeta): Promise<AuthPayload> {
      const now = deps.now();
      const row = await prisma.refreshToken.findUnique({
        where: { tokenHash: hashRefreshToken(refreshToken) },
        include: { user: true },
      });
      if (!row) throw invalidRefreshToken();
      if (row.revokedAt) throw sessionRevoked();
      if (row.rotatedAt) {
        await revokeForReuse(row.familyId, row.userId, meta);
        throw sessionRevoked('this refresh token was already used: the session was revoked, sign in again');
      }
      if (row.expiresAt <= now) {
        throw ERRORS.UNAUTHENTICATED.err('the session has expired, sign in again', {
          reason: 'SESSION_EXPIRED',
        });
      }
      if (!row.user.active) {
        await prisma.$transaction((tx) => revokeFamilies(tx, { familyId: row.familyId }, 'DEACTIVATED'));
        throw ERRORS.UNAUTHENTICATED.err('the account is deactivated', { reason: 'ACCOUNT_DISABLED' });
      }
      const result = await prisma.$transaction(async (tx) => {
        // Conditional update: of two concurrent refreshes with the same token, exactly one wins.
        const { count } = await tx.refreshToken.updateMany({
          where: { id: row.id, rotatedAt: null, revokedAt: null },
          data: { rotatedAt: now },
        });
        if (count !== 1) return undefined;
        return issue(tx, row.user, row.familyId);
      });
      if (!result) {
        await revokeForReuse(row.familyId, row.userId, meta);
        throw sessionRevoked('this refresh token was already used: the session was revoked, sign in again');
      }
      return result;
    },

    /** Ends the token's session. Always succeeds: an unknown or already revoked token is already logged out. */
    async logout(refreshToken: string, meta: EventMeta): Promise<boolean> {
      const row = await prisma.refreshToken.findUnique({
        where: { tokenHash: hashRefreshToken(refreshToken) },
      });
      if (!row || row.revokedAt) return true;
      await prisma.$transaction(async (tx) => {
        await revokeFamilies(tx, { familyId: row.familyId }, 'LOGOUT');
        await recordEvent(tx, {
          type: 'user.logged_out',
          entityType: 'User',
          entityId: row.userId,
          ownerId: row.userId,
          service: SERVICE_NAME,
          actor: meta.actor ?? { userId: row.userId, roles: [] },
          requestId: meta.requestId,
          occurredAt: deps.now(),
          payload: { sessionId: row.familyId },
        });
      });
      return true;
    },

    /** Ends every session of the user; returns how many were live. */
    async logoutAll(userId: string, meta: EventMeta): Promise<number> {
      return prisma.$transaction(async (tx) => {
        const sessions = await revokeAllForUser(tx, userId, 'LOGOUT_ALL');
        await recordEvent(tx, {
          type: 'user.logged_out_everywhere',
          entityType: 'User',
          entityId: userId,
          ownerId: userId,
          service: SERVICE_NAME,
          actor: meta.actor,
          requestId: meta.requestId,
          occurredAt: deps.now(),
          payload: { sessions },
        });
        return sessions;
      });
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
