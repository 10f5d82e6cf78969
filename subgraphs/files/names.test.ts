// File names: what is stored, and each rule a name can break.
import { describe, expect, it } from 'vitest';
import { checkFileName } from './names.ts';

describe('checkFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['  spaced name.csv  ', 'spaced name.csv'],
    // NFD "é" (e + combining acute) is stored as NFC.
    ['re\u0301sume\u0301.pdf', 'résumé.pdf'],
    ['a'.repeat(255), 'a'.repeat(255)],
    ['..hidden', '..hidden'],
    ['quote "final"; v2.pdf', 'quote "final"; v2.pdf'],
  ])('keeps %j as %j', (raw, stored) => {
    expect(checkFileName(raw)).toEqual({ name: stored });
  });

  it.each([
    ['', 'REQUIRED'],
    ['   ', 'REQUIRED'],
    [undefined, 'REQUIRED'],
    ['a'.repeat(256), 'MAX_LENGTH'],
    ['x'.repeat(5000), 'MAX_LENGTH'],
    ['../etc/passwd', 'NO_PATH'],
    ['dir/report.pdf', 'NO_PATH'],
    ['C:\\Windows\\report.pdf', 'NO_PATH'],
    ['report\u0000.pdf', 'NO_CONTROL_CHARACTERS'],
    ['report\r\n.pdf', 'NO_CONTROL_CHARACTERS'],
    ['tab\there.pdf', 'NO_CONTROL_CHARACTERS'],
    ['del\u007f.pdf', 'NO_CONTROL_CHARACTERS'],
    ['c1\u0085.pdf', 'NO_CONTROL_CHARACTERS'],
    ['.', 'NOT_A_NAME'],
    [' .. ', 'NOT_A_NAME'],
  ])('refuses %j (%s)', (raw, rule) => {
    expect(checkFileName(raw)).toMatchObject({ rule });
  });
});
