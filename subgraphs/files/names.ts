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

/**
 * Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the marks U+200E, U+200F,
 * U+061C: "invoice\u202Efdp.exe" displays as "invoiceexe.pdf".
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

/**
 * Characters that render as nothing, so two names that look the same differ, or a name hides what it says:
 * format characters (category Cf: zero-width space/joiners, word joiner, BOM, soft hyphen, invisible
 * operators, tags), line and paragraph separators, the combining grapheme joiner, Hangul fillers and the
 * braille blank, and lone surrogates. Variation selectors stay allowed (emoji need them).
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u034F\u115F\u1160\u3164\uFFA0\u2800]|\p{Cs}/u;

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
  if (BIDI_CONTROL.test(name)) {
    return {
      rule: 'NO_BIDI_CONTROLS',
      message:
        'a file name may not contain bidirectional controls (they can make it display as another name)',
    };
  }
  if (INVISIBLE.test(name)) {
    return {
      rule: 'NO_INVISIBLE_CHARACTERS',
      message:
        'a file name may not contain invisible characters (zero-width, format or separator characters)',
    };
  }
  if (name === '.' || name === '..') return { rule: 'NOT_A_NAME', message: 'a file name may not be . or ..' };
  return { name };
}

/** checkFileName, throwing BAD_USER_INPUT (field file, the rule) for a name it refuses. */
export function validateFileName(raw: string | null | undefined): string {
  const result = checkFileName(raw);
  if ('name' in result) return result.name;
  throw badUserInput(result.message, { field: 'file', rule: result.rule });
}
