// File names as the client sent them are stored and later shown and put into download headers, so only names
// that are plainly names are accepted: no path, no control characters, nothing that means "here" or "up".
import { badUserInput } from '../kit/errors.ts';

/** The longest name accepted, in characters (after trimming and NFC). */
export const MAX_FILE_NAME_LENGTH = 255;

/** C0 controls (NUL, CR, LF, TAB ...), DEL and C1 controls. */
function hasControlCharacter(name: string): boolean {
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

export type FileNameResult = { name: string } | { rule: string; message: string };

/** The stored form of a client's file name (trimmed, NFC), or the rule it breaks. */
export function checkFileName(raw: string | null | undefined): FileNameResult {
  const name = (raw ?? '').normalize('NFC').trim();
  if (name === '') return { rule: 'REQUIRED', message: 'the file needs a name' };
  if (name.length > MAX_FILE_NAME_LENGTH) {
    return { rule: 'MAX_LENGTH', message: `a file name has at most ${MAX_FILE_NAME_LENGTH} characters` };
  }
  if (name.includes('/') || name.includes('\\')) {
    return { rule: 'NO_PATH', message: 'a file name may not contain / or \\' };
  }
  if (hasControlCharacter(name))
    return { rule: 'NO_CONTROL_CHARACTERS', message: 'a file name may not contain control characters' };
  if (name === '.' || name === '..') return { rule: 'NOT_A_NAME', message: 'a file name may not be . or ..' };
  return { name };
}

/** checkFileName, throwing BAD_USER_INPUT (field file, the rule) for a name it refuses. */
export function validateFileName(raw: string | null | undefined): string {
  const result = checkFileName(raw);
  if ('name' in result) return result.name;
  throw badUserInput(result.message, { field: 'file', rule: result.rule });
}
