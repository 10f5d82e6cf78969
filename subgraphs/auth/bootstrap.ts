// First start: when no active ADMIN exists, make one from ADMIN_EMAIL/ADMIN_PASSWORD, or, without
// ADMIN_PASSWORD, with a generated password printed once to stderr: the terminal, never the JSON log stream on
// stdout that log shippers collect. No default passwords.
import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { ConfigError } from '../kit/config.ts';
import { recordEvent } from '../kit/outbox.ts';
import { diffChanges } from '../kit/outbox.ts';
import type { AuthDeps } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import { assertPasswordRules, hashPassword, normalizeEmail } from './password.ts';

export interface BootstrapOptions {
  email: string;
  /** When undefined, a password is generated and printed. */
  password?: string;
  /** Where the generated password goes; default stderr, written directly (not through the logger). */
  print?: (text: string) => void;
}

export type BootstrapResult =
  { created: false } | { created: true; userId: string; generatedPassword: boolean };

/** 24 random bytes, base64url: 32 characters, 192 bits. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export async function ensureAdmin(deps: AuthDeps, options: BootstrapOptions): Promise<BootstrapResult> {
  const { prisma } = deps;
  const hasAdmin = () => prisma.user.count({ where: { active: true, roles: { has: 'ADMIN' } } });
  if ((await hasAdmin()) > 0) return { created: false };

  const email = normalizeEmail(options.email);
  const password = options.password ?? generatePassword();
  try {
    assertPasswordRules(password, 'ADMIN_PASSWORD', { email });
  } catch (error) {
    // A chosen ADMIN_PASSWORD is configuration: say so at start-up, naming the variable and the rule.
    if (!(error instanceof GraphQLError)) throw error;
    throw new ConfigError([`ADMIN_PASSWORD: ${error.message} (${String(error.extensions.rule)})`]);
  }
  const passwordHash = await hashPassword(password);
  const result = await prisma.$transaction(async (tx) => {
    // Replicas starting together: only one bootstraps.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('auth:bootstrap-admin'))`;
    if ((await tx.user.count({ where: { active: true, roles: { has: 'ADMIN' } } })) > 0) return undefined;
    const now = deps.now();
    const existing = await tx.user.findUnique({ where: { email } });
    // The email exists but is not an active admin (demoted or deactivated): restore it rather than fail.
    const roles: Role[] = existing ? [...new Set<Role>([...existing.roles, 'ADMIN'])] : ['ADMIN'];
    const user = existing
      ? await tx.user.update({
          where: { id: existing.id },
          data: { roles, active: true, passwordHash, passwordChangedAt: now },
        })
      : await tx.user.create({ data: { email, name: 'Administrator', roles, passwordHash, createdAt: now } });
    const before = existing ?? { email: null, name: null, roles: null, active: null };
    await recordEvent(tx, {
      type: 'user.admin_bootstrapped',
      entityType: 'User',
      entityId: user.id,
      ownerId: user.id,
      service: SERVICE_NAME,
      actor: null,
      occurredAt: now,
      changes: diffChanges(before as Record<string, unknown>, user, ['email', 'name', 'roles', 'active']),
      payload: { passwordGenerated: options.password === undefined },
    });
    return user;
  });
  if (!result) return { created: false };

  deps.log.info({ userId: result.id, email }, 'bootstrap: admin created');
  if (options.password === undefined) {
    const print = options.print ?? ((text: string) => process.stderr.write(text));
    print(
      `\n  Created the first admin. Sign in with:\n    email:    ${email}\n    password: ${password}\n` +
        `  This password is shown once. Change it (changePassword) after signing in.\n\n`,
    );
  }
  return { created: true, userId: result.id, generatedPassword: options.password === undefined };
}
