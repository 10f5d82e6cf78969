// Login: the password check behind the guessing limits of ./login-guard.ts (per client address and per
// (email, client address)), then a new session.
import { ERRORS } from '../kit/errors.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { AuthDeps, EventMeta } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import type { LoginGuard } from './login-guard.ts';
import { assertEmailLength, dummyPasswordHash, normalizeEmail, verifyPassword } from './password.ts';
import type { AuthPayload, SessionService } from './session.service.ts';

export interface LoginInput {
  email: string;
  password: string;
  clientIp: string | undefined;
}

const invalidCredentials = () =>
  ERRORS.UNAUTHENTICATED.err('invalid email or password', { reason: 'INVALID_CREDENTIALS' });

export function createLoginService(deps: AuthDeps, sessions: SessionService, guard: LoginGuard) {
  const { prisma } = deps;

  return {
    async login(input: LoginInput, meta: EventMeta): Promise<AuthPayload> {
      const email = normalizeEmail(input.email);
      // Refused before it is stored as an attempt: no account has such an email.
      assertEmailLength(email);
      const user = await prisma.user.findUnique({ where: { email } });
      const attempt = { email, user, clientIp: input.clientIp, meta };
      await guard.check(attempt);

      // Unknown emails verify against a dummy hash: the same argon2 work, so timing does not tell them apart.
      const passwordOk = await verifyPassword(
        user?.passwordHash ?? (await dummyPasswordHash()),
        input.password,
      );
      if (!user || !passwordOk || !user.active) {
        const reason = !user ? 'UNKNOWN_EMAIL' : !passwordOk ? 'WRONG_PASSWORD' : 'ACCOUNT_DISABLED';
        await guard.recordFailure(attempt, reason);
        // Only someone who knows the password learns that the account is deactivated.
        if (reason === 'ACCOUNT_DISABLED') {
          throw ERRORS.UNAUTHENTICATED.err('the account is deactivated', { reason: 'ACCOUNT_DISABLED' });
        }
        throw invalidCredentials();
      }

      const ip = guard.addressOf(attempt);
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
          payload: { ip: input.clientIp ?? null },
        });
        return payload;
      });
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
