// Password guessing limits, shared by login and changePassword (a stolen access token must not buy unlimited
// guesses at the current password). Attempts are stored in the database, so the limits hold across restarts and
// replicas, and by normalized email whether or not an account exists, so an unknown email behaves exactly like a
// known one.
//
// The client address is the one the router vouches for (common/client-address.ts), an IPv6 one taken as its /64.
// Every limit includes it, so a failure storm from one client never blocks another client's correct password:
// - Lockout, per (email, address): LOGIN_MAX_FAILURES failures within LOGIN_LOCK_WINDOW_SECONDS lock that pair
//   for LOGIN_LOCK_DURATION_SECONDS, starting at the failure that reached the limit (that attempt already gets
//   ACCOUNT_LOCKED). Attempts while locked are rejected without checking the password and do not extend the
//   lock. Failures before the pair's last success or last lock do not count.
// - Throttling, per address: LOGIN_IP_MAX_ATTEMPTS failed or locked attempts within LOGIN_IP_WINDOW_SECONDS give
//   TOO_MANY_REQUESTS, whatever the emails. Throttled attempts are logged, not stored (storing would let a
//   flood write rows).
// An attacker spread over many addresses gets LOGIN_MAX_FAILURES guesses per address per window; the account's
// owner, from their own address, is never locked out by it.
import type { LoginOutcome, User } from '../../generated/prisma/auth/client.ts';
import { ERRORS } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { AuthDeps, EventMeta } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';

/** Stored for an attempt whose client address is unknown (no socket address): all such attempts share it. */
const UNKNOWN_ADDRESS = 'unknown';

export const lockedError = (retryAfterSeconds: number) =>
  ERRORS.ACCOUNT_LOCKED.err('too many failed attempts, try again later', { retryAfterSeconds });

export interface Attempt {
  /** Normalized. */
  email: string;
  user: User | null;
  clientIp: string | undefined;
  meta: EventMeta;
}

/**
 * What the limits count by (and the stored `ip`): an IPv4 address, or the /64 of an IPv6 one, since one site
 * (one attacker) usually holds a whole /64 and could otherwise take a fresh address for every few guesses.
 */
export function limitKey(address: string): string {
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function createLoginGuard(deps: AuthDeps) {
  const { prisma, config } = deps;
  const ms = (s: number) => s * 1000;
  const addressOf = (attempt: Attempt) => (attempt.clientIp ? limitKey(attempt.clientIp) : UNKNOWN_ADDRESS);

  function failureEvent(attempt: Attempt, reason: string) {
    const { email, user, meta } = attempt;
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
      payload: { email, reason, ip: attempt.clientIp ?? null },
    };
  }

  /** TOO_MANY_REQUESTS when the client address has failed too often, whatever the emails. */
  async function assertNotThrottled(attempt: Attempt): Promise<void> {
    const ip = addressOf(attempt);
    const since = new Date(deps.now().getTime() - ms(config.loginIpWindowSeconds));
    const recent = await prisma.loginAttempt.count({
      where: { ip, attemptedAt: { gt: since }, outcome: { in: ['FAILED', 'LOCKED'] } },
    });
    if (recent >= config.loginIpMaxAttempts) {
      deps.log.warn({ ip, email: attempt.email }, 'login: client address throttled');
      throw ERRORS.TOO_MANY_REQUESTS.err('too many login attempts from this address, try again later', {
        retryAfterSeconds: config.loginIpWindowSeconds,
      });
    }
  }

  /** ACCOUNT_LOCKED (and a stored LOCKED attempt) when this email is locked for this client address. */
  async function assertNotLocked(attempt: Attempt): Promise<void> {
    const now = deps.now();
    const ip = addressOf(attempt);
    const lock = await prisma.loginAttempt.findFirst({
      where: {
        email: attempt.email,
        ip,
        outcome: 'LOCKED_OUT',
        attemptedAt: { gt: new Date(now.getTime() - ms(config.loginLockDurationSeconds)) },
      },
      orderBy: { attemptedAt: 'desc' },
    });
    if (!lock) return;
    await prisma.$transaction(async (tx) => {
      await tx.loginAttempt.create({
        data: { email: attempt.email, userId: attempt.user?.id, ip, outcome: 'LOCKED', attemptedAt: now },
      });
      await recordEvent(tx, { type: 'user.login_failed', ...failureEvent(attempt, 'ACCOUNT_LOCKED') });
    });
    const until = lock.attemptedAt.getTime() + ms(config.loginLockDurationSeconds);
    throw lockedError(Math.ceil((until - now.getTime()) / 1000));
  }

  return {
    /** Both checks, before any password is verified. */
    async check(attempt: Attempt): Promise<void> {
      await assertNotThrottled(attempt);
      await assertNotLocked(attempt);
    },

    /** Records a failed guess; throws ACCOUNT_LOCKED when it reaches the limit, else returns. */
    async recordFailure(attempt: Attempt, reason: string): Promise<void> {
      const now = deps.now();
      const { email, user } = attempt;
      const ip = addressOf(attempt);
      const nowLocked = await prisma.$transaction(async (tx) => {
        // Serialize attempts on one (email, address) so concurrent failures count exactly.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`login:${email}:${ip}`}))`;
        const outcome: LoginOutcome = 'FAILED';
        await tx.loginAttempt.create({ data: { email, userId: user?.id, ip, outcome, attemptedAt: now } });
        const reset = await tx.loginAttempt.findFirst({
          where: { email, ip, outcome: { in: ['SUCCEEDED', 'LOCKED_OUT'] } },
          orderBy: { attemptedAt: 'desc' },
        });
        const windowStart = new Date(now.getTime() - ms(config.loginLockWindowSeconds));
        const since = reset && reset.attemptedAt > windowStart ? reset.attemptedAt : windowStart;
        const failures = await tx.loginAttempt.count({
          where: { email, ip, outcome: 'FAILED', attemptedAt: { gt: since } },
        });
        await recordEvent(tx, { type: 'user.login_failed', ...failureEvent(attempt, reason) });
        if (failures < config.loginMaxFailures) return false;
        await tx.loginAttempt.create({
          data: { email, userId: user?.id, ip, outcome: 'LOCKED_OUT', attemptedAt: now },
        });
        await recordEvent(tx, {
          type: 'user.locked_out',
          ...failureEvent(attempt, reason),
          payload: {
            email,
            ip,
            failures,
            lockedUntil: new Date(now.getTime() + ms(config.loginLockDurationSeconds)).toISOString(),
          },
        });
        return true;
      });
      if (nowLocked) throw lockedError(config.loginLockDurationSeconds);
    },

    /** The address to store with a successful attempt. */
    addressOf,
  };
}

export type LoginGuard = ReturnType<typeof createLoginGuard>;
