import { describe, expect, it } from 'vitest';
import {
  isOnlySeparators,
  parseContacts,
  parseDate,
  parseEmails,
  parseMeasurement,
  parseMoney,
} from './values.ts';

const MICROLITRE = /\s*[μu]l$/i;

describe('parseMeasurement', () => {
  it.each([
    ['298.9', null, 298.9, []],
    ['2', null, 2, []],
    ['.5', null, 0.5, []],
    ['', null, null, []],
    ['   ', null, null, []],
    ['20 μL', MICROLITRE, 20, ['UNIT_STRIPPED']],
    ['20uL', MICROLITRE, 20, ['UNIT_STRIPPED']],
    ['1,204.5', null, 1204.5, ['REPUNCTUATED']],
    ['1,5', null, null, ['NOT_A_NUMBER']],
    ['n/a', null, null, ['NOT_A_NUMBER']],
    ['two', null, null, ['NOT_A_NUMBER']],
    ['20 mL', MICROLITRE, null, ['NOT_A_NUMBER']],
  ])('%j -> %j', (text, unit, value, flags) => {
    const parsed = parseMeasurement(text, unit);
    expect(parsed.value).toBe(value);
    expect(parsed.flags).toEqual(flags);
    expect(parsed.inferred).toBe(flags.length > 0);
  });
});

describe('parseMoney', () => {
  it.each([
    ['$897.00', 897],
    ['$2,691.00', 2691],
    ['$0.00', 0],
    ['-$12.50', -12.5],
    ['', null],
    ['TBD', null],
  ])('%j -> %j', (text, value) => {
    expect(parseMoney(text).value).toBe(value);
  });
});

describe('parseDate', () => {
  it.each([
    ['July 17, 2025', '2025-07-17', false],
    ['March 3, 2025', '2025-03-03', false],
    ['Sept 9, 2025', '2025-09-09', true],
    ['7/17/2025', '2025-07-17', true],
    ['2025-07-17', '2025-07-17', false],
    ['February 30, 2025', null, true],
    ['soon', null, true],
  ])('%j -> %j', (text, value, inferred) => {
    const parsed = parseDate(text);
    expect(parsed.value).toBe(value);
    expect(parsed.inferred).toBe(inferred);
  });
});

describe('parseContacts', () => {
  it.each([
    [
      'Charles Mitchell - - mitchell@bio.unc.edu',
      [{ name: 'Charles Mitchell', email: 'mitchell@bio.unc.edu' }],
      false,
    ],
    [
      'Ana Bautista - - abautista@med.unc.edu\nWei Zhang - - wzhang@unc.edu\nMaria Okafor-Smith - - mokafor@email.unc.edu',
      [
        { name: 'Ana Bautista', email: 'abautista@med.unc.edu' },
        { name: 'Wei Zhang', email: 'wzhang@unc.edu' },
        { name: 'Maria Okafor-Smith', email: 'mokafor@email.unc.edu' },
      ],
      false,
    ],
    [
      'Lee Grant - - lgrant@unc.edu, Pat Moreno - - pmoreno@unc.edu',
      [
        { name: 'Lee Grant', email: 'lgrant@unc.edu' },
        { name: 'Pat Moreno', email: 'pmoreno@unc.edu' },
      ],
      false,
    ],
    ['Mitchell, Charles - - cm@unc.edu', [{ name: 'Mitchell, Charles', email: 'cm@unc.edu' }], false],
    ['Charles Mitchell - - ', [{ name: 'Charles Mitchell', email: null }], false],
    ['Charles Mitchell', [{ name: 'Charles Mitchell', email: null }], true],
    ['', [], false],
  ])('%j', (text, contacts, inferred) => {
    const parsed = parseContacts(text);
    expect(parsed.value).toEqual(contacts);
    expect(parsed.inferred).toBe(inferred);
  });
});

describe('parseEmails and separators', () => {
  it('splits on commas, semicolons and spaces, and flags what is not an address', () => {
    expect(parseEmails('a@unc.edu, b@unc.edu;c@x.org').value).toEqual(['a@unc.edu', 'b@unc.edu', 'c@x.org']);
    expect(parseEmails('a@unc.edu and b').flags).toEqual(['NOT_AN_EMAIL']);
  });

  it('knows an address made of commas is empty', () => {
    expect(isOnlySeparators(',,,,,')).toBe(true);
    expect(isOnlySeparators('5 Genome Way, Chapel Hill')).toBe(false);
    expect(isOnlySeparators('')).toBe(false);
  });
});
