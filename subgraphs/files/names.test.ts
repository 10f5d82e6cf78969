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
    // Right-to-left scripts, emoji with a variation selector and a ZWJ-free emoji stay.
    ['تقرير.pdf', 'تقرير.pdf'],
    ['gel \u2764\uFE0F.png', 'gel ❤️.png'],
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
    ['invoice\u202Efdp.exe', 'NO_BIDI_CONTROLS'],
    ['report\u202A.pdf', 'NO_BIDI_CONTROLS'],
    ['report\u2066x\u2069.pdf', 'NO_BIDI_CONTROLS'],
    ['mark\u200F.pdf', 'NO_BIDI_CONTROLS'],
    ['zero\u200Bwidth.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['joiner\u200D.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['bom\uFEFF.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['soft\u00ADhyphen.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['word\u2060joiner.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['tag\u{E0041}.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['line\u2028break.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['filler\u3164.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['lone\uD800.pdf', 'NO_INVISIBLE_CHARACTERS'],
    ['.', 'NOT_A_NAME'],
    [' .. ', 'NOT_A_NAME'],
  ])('refuses %j (%s)', (raw, rule) => {
    expect(checkFileName(raw)).toMatchObject({ rule });
  });
});
