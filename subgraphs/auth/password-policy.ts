// What a password may not be beyond its length (NIST SP 800-63B 5.1.1.2: refuse values that are commonly used,
// repetitive or sequential, or derived from the account itself). Each refusal is BAD_USER_INPUT with
// `extensions.rule` naming the rule, so a form can say what to change.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { badUserInput } from '../kit/errors.ts';

/** What the account itself says about its owner: a password built from it is guessed first. */
export interface PasswordContext {
  email?: string | null;
  name?: string | null;
}

/** The shipped list, as hashes (see the file's header for where it comes from and why), read once. */
const COMMON: ReadonlySet<string> = new Set(
  readFileSync(new URL('./common-passwords.sha256', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);

const isCommon = (word: string) => COMMON.has(createHash('sha256').update(word).digest('hex').slice(0, 16));

/** Fewer distinct characters than this and the password is a pattern, not a secret ("abababababab"). */
const MIN_DISTINCT_CHARACTERS = 5;
/** Shorter parts of a name or an email are too common to refuse ("li", "jo"). */
const MIN_PERSONAL_PART = 4;

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

const undoLeet = (text: string) => text.replace(/[013457@$!]/g, (c) => LEET[c]!);
const stripEnds = (text: string) => text.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');

/**
 * The forms of a password an attacker's word list covers: as typed (lower case), without the digits and symbols
 * around a word, with leet-speak undone, and a word typed twice or more ("sunshinesunshine").
 */
function guessableForms(password: string): string[] {
  const lower = password.normalize('NFKC').toLowerCase();
  const core = stripEnds(undoLeet(lower.replace(/[^\p{L}]+$/u, '')));
  const forms = [lower, stripEnds(lower), core];
  for (let times = 2; times <= 4; times += 1) {
    const part = core.slice(0, core.length / times);
    if (core.length % times === 0 && part.repeat(times) === core) forms.push(part);
  }
  return forms;
}

/** Two list entries typed one after the other ("qwertyuiopasdf", "iloveyousunshine"); at most 256 splits. */
function isTwoCommonWords(form: string): boolean {
  for (let at = 1; at < form.length; at += 1) {
    if (isCommon(form.slice(0, at)) && isCommon(form.slice(at))) return true;
  }
  return false;
}

/** Every step between neighbours the same +1 or -1 ("abcdefghijkl", "987654321098": digits wrap). */
function isSequential(password: string): boolean {
  const codes = [...password.toLowerCase()].map((c) => c.codePointAt(0)!);
  const step = (a: number, b: number) => {
    const isDigit = (c: number) => c >= 48 && c <= 57;
    return isDigit(a) && isDigit(b) ? ((((b - a) % 10) + 10 + 5) % 10) - 5 : b - a;
  };
  const first = step(codes[0]!, codes[1]!);
  if (Math.abs(first) !== 1) return false;
  return codes.every((code, i) => i === 0 || step(codes[i - 1]!, code) === first);
}

/** The parts of an email and a name someone might build a password from. */
function personalParts(context: PasswordContext): string[] {
  const email = context.email?.toLowerCase() ?? '';
  const local = email.split('@')[0] ?? '';
  const words = [
    local,
    ...local.split(/[^\p{L}\p{N}]+/u),
    ...(context.name ?? '').toLowerCase().split(/\s+/),
  ];
  return [...new Set(words.map((w) => w.trim()).filter((w) => [...w].length >= MIN_PERSONAL_PART))];
}

/** Throws BAD_USER_INPUT naming the first rule the password breaks; the length rules come before (password.ts). */
export function assertPasswordPolicy(password: string, field: string, context: PasswordContext = {}): void {
  const refuse = (rule: string, message: string) => {
    throw badUserInput(message, { field, rule });
  };
  if (new Set(password).size < MIN_DISTINCT_CHARACTERS) {
    refuse(
      'PASSWORD_REPETITIVE',
      `the password must use at least ${MIN_DISTINCT_CHARACTERS} different characters`,
    );
  }
  if (isSequential(password))
    refuse('PASSWORD_SEQUENTIAL', 'the password must not be a run such as 123456789 or abcdef');
  const forms = guessableForms(password);
  if (forms.some((form) => isCommon(form) || isTwoCommonWords(form))) {
    refuse(
      'PASSWORD_COMMON',
      'the password is too common (it is, or is built on, a well-known password or word)',
    );
  }
  const undone = undoLeet(password.normalize('NFKC').toLowerCase());
  const lower = password.normalize('NFKC').toLowerCase();
  if (personalParts(context).some((part) => lower.includes(part) || undone.includes(part))) {
    refuse('PASSWORD_CONTAINS_USER_DATA', 'the password must not contain the email address or the name');
  }
}
