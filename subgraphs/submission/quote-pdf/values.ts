// Text -> typed values, saying what had to be changed to get there (a unit removed, separators dropped), so the
// confidence can reflect it. Nothing here guesses: text that is not a number is no number.
import type { ConfidenceFlag, Contact } from './types.ts';

export interface ParsedValue<T> {
  value: T;
  flags: ConfidenceFlag[];
  /** The value had to be derived from the text rather than read as printed. */
  inferred: boolean;
}

const plain = <T>(value: T): ParsedValue<T> => ({ value, flags: [], inferred: false });
const derived = <T>(value: T, ...flags: ConfidenceFlag[]): ParsedValue<T> => ({
  value,
  flags,
  inferred: true,
});

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/**
 * A measurement. `unit` is the column's unit, which people sometimes type into the cell ("20 µL"): removed with
 * UNIT_STRIPPED. Thousands separators are removed with REPUNCTUATED. Anything else ("n/a", "two") is null with
 * NOT_A_NUMBER; an empty cell is null with no flag.
 */
export function parseMeasurement(text: string, unit: RegExp | null = null): ParsedValue<number | null> {
  let rest = text.replace(/\s+/g, ' ').trim();
  if (rest === '') return plain(null);
  const flags: ConfidenceFlag[] = [];
  if (unit) {
    const stripped = rest.replace(unit, '').trim();
    if (stripped !== rest && stripped !== '') {
      rest = stripped;
      flags.push('UNIT_STRIPPED');
    }
  }
  if (GROUPED_NUMBER.test(rest)) {
    rest = rest.replace(/,/g, '');
    flags.push('REPUNCTUATED');
  }
  if (!NUMBER.test(rest)) return derived(null, 'NOT_A_NUMBER');
  const value = Number(rest);
  return flags.length > 0 ? derived(value, ...flags) : plain(value);
}

/** "$1,234.50" -> 1234.5 (US dollars, as iLab prints them). */
export function parseMoney(text: string): ParsedValue<number | null> {
  const trimmed = text.replace(/\s+/g, '').trim();
  if (trimmed === '') return plain(null);
  const match = /^(-)?\$?(-)?(\d{1,3}(?:,\d{3})*|\d+)(\.\d+)?$/.exec(trimmed);
  if (!match) return derived(null, 'NOT_A_NUMBER');
  const value = Number(`${match[1] ?? match[2] ?? ''}${match[3]!.replace(/,/g, '')}${match[4] ?? ''}`);
  return plain(value);
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

function isoDate(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return date.toISOString().slice(0, 10);
}

/** "July 17, 2025" (iLab's format), "7/17/2025" or "2025-07-17" -> "2025-07-17". */
export function parseDate(text: string): ParsedValue<string | null> {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (trimmed === '') return plain(null);
  const long = /^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$/.exec(trimmed);
  if (long) {
    const month = MONTHS.findIndex((name) => name.startsWith(long[1]!.toLowerCase()) && long[1]!.length >= 3);
    const iso = month < 0 ? null : isoDate(Number(long[3]), month + 1, Number(long[2]));
    if (iso) return month >= 0 && MONTHS[month] === long[1]!.toLowerCase() ? plain(iso) : derived(iso);
  }
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(trimmed);
  if (us) {
    const iso = isoDate(Number(us[3]), Number(us[1]), Number(us[2]));
    if (iso) return derived(iso);
  }
  const isoMatch = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (isoMatch) {
    const iso = isoDate(Number(isoMatch[1]), Number(isoMatch[2]), Number(isoMatch[3]));
    if (iso) return plain(iso);
  }
  return derived(null, 'NOT_A_DATE');
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[A-Za-z]{2,}$/;

export const isEmail = (text: string): boolean => EMAIL.test(text);

/** A list of e-mail addresses separated by commas, semicolons, spaces or lines. */
export function parseEmails(text: string): ParsedValue<string[]> {
  const tokens = text.split(/[\s,;]+/).filter((token) => token.length > 0);
  const emails = tokens.filter(isEmail);
  return emails.length === tokens.length ? plain(emails) : derived(emails, 'NOT_AN_EMAIL');
}

/**
 * People as iLab prints them: "Name - - email", several in one cell (one per line, or separated by commas or
 * semicolons). Names may contain commas or hyphens; only the " - - " marker splits.
 */
export function parseContacts(text: string): ParsedValue<Contact[]> {
  const source = text.replace(/\s+/g, ' ').trim();
  if (source === '') return plain([]);
  const marker = /\s-\s+-\s?/g;
  const contacts: Contact[] = [];
  const flags: ConfidenceFlag[] = [];
  let position = 0;
  for (let match = marker.exec(source); match; match = marker.exec(source)) {
    const name = source.slice(position, match.index).replace(/^[\s,;]+|[\s,;]+$/g, '');
    const after = source.slice(match.index + match[0].length);
    const email = /^([^\s,;]+)/.exec(after)?.[1] ?? null;
    const valid = email !== null && isEmail(email);
    if (email !== null && !valid) flags.push('NOT_AN_EMAIL');
    contacts.push({ name, email: valid ? email : null });
    position = match.index + match[0].length + (valid ? email!.length : 0);
    marker.lastIndex = position;
  }
  const tail = source.slice(position).replace(/^[\s,;]+|[\s,;]+$/g, '');
  if (contacts.length === 0) {
    // No "Name - - email" marker at all: keep what is printed, but it is a guess at the shape.
    return derived([isEmail(tail) ? { name: '', email: tail } : { name: tail, email: null }]);
  }
  if (tail !== '') return derived(contacts);
  return flags.length > 0 ? derived(contacts, ...flags) : plain(contacts);
}

/** Text that only holds separators (iLab prints ",,,,," for an empty billing address). */
export const isOnlySeparators = (text: string): boolean => text.trim() !== '' && /^[\s,;.\-–]+$/.test(text);
