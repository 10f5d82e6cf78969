// Login with lockout and throttling. Attempts are stored by normalized email whether or not an account exists,
// so an unknown email behaves exactly like a known one (same errors, same lockout, same argon2 work), and in
// the database, so lockout holds across restarts and replicas.
//
// - Lockout: LOGIN_MAX_FAILURES failures for an email within LOGIN_LOCK_WINDOW_SECONDS lock it for
//   LOGIN_LOCK_DURATION_SECONDS, starting at the failure that reached the limit (that attempt already gets
//   ACCOUNT_LOCKED). Attempts while locked are rejected without checking the password and do not extend the
//   lock. Failures before a success or before the last lock do not count.
// - Throttling: LOGIN_IP_MAX_ATTEMPTS failed or locked attempts from one client address within
//   LOGIN_IP_WINDOW_SECONDS give TOO_MANY_REQUESTS. The address is the socket peer (the router, in the
//   federated stack, which does not forward the client's), or with TRUST_PROXY the X-Forwarded-For entry added
//   by the one trusted proxy in front. Throttled attempts are logged, not stored (storing would let a flood
//   write rows).
import type { LoginOutcome, User } from '../../generated/prisma/auth/client.ts';
import { ERRORS } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { AuthDeps, EventMeta } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import { dummyPasswordHash, normalizeEmail, verifyPassword } from './password.ts';
import type { AuthPayload, SessionService } from './session.service.ts';

export interface LoginInput {
  email: string;
  password: string;
  clientIp: string | undefined;
}

const invalidCredentials = () =>
  ERRORS.UNAUTHENTICATED.err('invalid email or password', { reason: 'INVALID_CREDENTIALS' });
const locked = (retryAfterSeconds: number) =>
  ERRORS.ACCOUNT_LOCKED.err('too many failed attempts, try again later', { retryAfterSeconds });

export function createLoginService(deps: AuthDeps, sessions: SessionService) {
  const { prisma, config } = deps;
  const seconds = (s: number) => s * 1000;

  async function lockedUntil(email: string, now: Date): Promise<Date | undefined> {
    const lock = await prisma.loginAttempt.findFirst({
      where: {
        email,
        outcome: 'LOCKED_OUT',
        attemptedAt: { gt: new Date(now.getTime() - seconds(config.loginLockDurationSeconds)) },
      },
      orderBy: { attemptedAt: 'desc' },
    });
    return lock ? new Date(lock.attemptedAt.getTime() + seconds(config.loginLockDurationSeconds)) : undefined;
  }

  async function assertNotThrottled(ip: string | undefined, now: Date, email: string): Promise<void> {
    if (!ip) return;
    const since = new Date(now.getTime() - seconds(config.loginIpWindowSeconds));
    const recent = await prisma.loginAttempt.count({
      where: { ip, attemptedAt: { gt: since }, outcome: { in: ['FAILED', 'LOCKED'] } },
    });
    if (recent >= config.loginIpMaxAttempts) {
      deps.log.warn({ ip, email }, 'login: client address throttled');
      throw ERRORS.TOO_MANY_REQUESTS.err('too many login attempts from this address, try again later', {
        retryAfterSeconds: config.loginIpWindowSeconds,
      });
    }
  }

  function failureEvent(
    email: string,
    user: User | null,
    reason: string,
    ip: string | undefined,
    meta: EventMeta,
  ) {
    return {
      // An unknown email has no User to point at: the event is about the attempted email instead.
      entityType: user ? 'User' : 'LoginAttempt',
      entityId: user ? user.id : email,
      // The email's account owns the record; an unknown email has no owner (staff only).
      ownerId: user?.id ?? null,
      service: SERVICE_NAME,
      actor: meta.actor,
      requestId: meta.requestId,
      occurredAt: deps.now(),
      payload: { email, reason, ip: ip ?? null },
    };
  }

  /** Records a failed attempt and, when it reaches the limit, the lockout. Returns whether it locked. */
  async function recordFailure(
    email: string,
    user: User | null,
    reason: string,
    ip: string | undefined,
    meta: EventMeta,
  ) {
    const now = deps.now();
    return prisma.$transaction(async (tx) => {
      // Serialize attempts on one email so concurrent failures count exactly.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`login:${email}`}))`;
      const outcome: LoginOutcome = 'FAILED';
      await tx.loginAttempt.create({ data: { email, userId: user?.id, ip, outcome, attemptedAt: now } });
      const reset = await tx.loginAttempt.findFirst({
        where: { email, outcome: { in: ['SUCCEEDED', 'LOCKED_OUT'] } },
        orderBy: { attemptedAt: 'desc' },
      });
      const windowStart = new Date(now.getTime() - seconds(config.loginLockWindowSeconds));
      const since = reset && reset.attemptedAt > windowStart ? reset.attemptedAt : windowStart;
      const failures = await tx.loginAttempt.count({
        where: { email, outcome: 'FAILED', attemptedAt: { gt: since } },
      });
      await recordEvent(tx, { type: 'user.login_failed', ...failureEvent(email, user, reason, ip, meta) });
      if (failures < config.loginMaxFailures) return false;
      await tx.loginAttempt.create({
        data: { email, userId: user?.id, ip, outcome: 'LOCKED_OUT', attemptedAt: now },
      });
      await recordEvent(tx, {
        type: 'user.locked_out',
        ...failureEvent(email, user, reason, ip, meta),
        payload: {
          email,
          failures,
          lockedUntil: new Date(now.getTime() + seconds(config.loginLockDurationSeconds)).toISOString(),
        },
      });
      return true;
    });
  }

  return {
    async login(input: LoginInput, meta: EventMeta): Promise<AuthPayload> {
      const email = normalizeEmail(input.email);
      const ip = input.clientIp;
      const now = deps.now();
      await assertNotThrottled(ip, now, email);

      const until = await lockedUntil(email, now);
      const user = await prisma.user.findUnique({ where: { email } });
      if (until) {
        await prisma.$transaction(async (tx) => {
          await tx.loginAttempt.create({
            data: { email, userId: user?.id, ip, outcome: 'LOCKED', attemptedAt: now },
          });
          await recordEvent(tx, {
            type: 'user.login_failed',
            ...failureEvent(email, user, 'ACCOUNT_LOCKED', ip, meta),
          });
        });
        throw locked(Math.ceil((until.getTime() - now.getTime()) / 1000));
      }

      // Unknown emails verify against a dummy hash: the same argon2 work, so timing does not tell them apart.
      const passwordOk = await verifyPassword(
        user?.passwordHash ?? (await dummyPasswordHash()),
        input.password,
      );
      if (!user || !passwordOk || !user.active) {
        const reason = !user ? 'UNKNOWN_EMAIL' : !passwordOk ? 'WRONG_PASSWORD' : 'ACCOUNT_DISABLED';
        const nowLocked = await recordFailure(email, user, reason, ip, meta);
        if (nowLocked) throw locked(config.loginLockDurationSeconds);
        // Only someone who knows the password learns that the account is deactivated.
        if (reason === 'ACCOUNT_DISABLED') {
          throw ERRORS.UNAUTHENTICATED.err('the account is deactivated', { reason: 'ACCOUNT_DISABLED' });
        }
        throw invalidCredentials();
      }

      return prisma.$transaction(async (tx) => {
        const at = deps.now();
        await tx.loginAttempt.create({
          data: { email, userId: user.id, ip, outcome: 'SUCCEEDED', attemptedAt: at },
        });
        const updated = await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: at } });
        const payload = await sessions.issue(tx, updated);
        await recordEvent(tx, {
          type: 'user.login_succeeded',
          entityType: 'User',
          entityId: user.id,
          ownerId: user.id,
          service: SERVICE_NAME,
          actor: { userId: user.id, roles: user.roles },
          requestId: meta.requestId,
          occurredAt: at,
          changes: { lastLoginAt: { from: user.lastLoginAt?.toISOString() ?? null, to: at.toISOString() } },
          payload: { ip: ip ?? null },
        });
        return payload;
      });
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
