// Password rules and hashing (argon2id, OWASP's recommended parameters).
import { hash, verify } from '@node-rs/argon2';
import { badUserInput } from '../kit/errors.ts';
import { assertPasswordPolicy, type PasswordContext } from './password-policy.ts';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

// @node-rs/argon2 defaults to argon2id; 19 MiB, 2 passes, 1 lane.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Throws BAD_USER_INPUT with extensions.rule naming the broken rule: the length, then the policy (common,
 * repetitive, sequential, built from the account's email or name: password-policy.ts).
 */
export function assertPasswordRules(
  password: string,
  field = 'password',
  context: PasswordContext = {},
): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw badUserInput(`the password must be at least ${PASSWORD_MIN_LENGTH} characters`, {
      field,
      rule: 'PASSWORD_MIN_LENGTH',
      min: PASSWORD_MIN_LENGTH,
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw badUserInput(`the password must be at most ${PASSWORD_MAX_LENGTH} characters`, {
      field,
      rule: 'PASSWORD_MAX_LENGTH',
      max: PASSWORD_MAX_LENGTH,
    });
  }
  assertPasswordPolicy(password, field, context);
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  // Over-long input is never a valid password; do not spend argon2 time on it.
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/** A real hash of a random password, verified against for unknown emails so they take as long as known ones. */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomUUID());
  return dummy;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** RFC 5321's longest address (64 + @ + 255). Also keeps attempts' emails within what an index row can hold. */
export const EMAIL_MAX_LENGTH = 320;

/** BAD_USER_INPUT (`rule: EMAIL_FORMAT`) for an email no account can have because it is too long. */
export function assertEmailLength(email: string, field = 'email'): void {
  if (email.length <= EMAIL_MAX_LENGTH) return;
  throw badUserInput(`the email must be at most ${EMAIL_MAX_LENGTH} characters`, {
    field,
    rule: 'EMAIL_FORMAT',
    max: EMAIL_MAX_LENGTH,
  });
}
