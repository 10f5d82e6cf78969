import { describe, expect, it } from 'vitest';
import { csvCell, csvFile, csvRow } from './csv.ts';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    [null, ''],
    [undefined, ''],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=1+2', "'=1+2"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    // Numbers and booleans are values, never formulas: a negative number stays a number.
    [-2.5, '-2.5'],
    [0, '0'],
    [true, 'true'],
    [false, 'false'],
  ])('%j -> %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
});

describe('csvRow and csvFile', () => {
  it('joins cells with commas and ends every record with CRLF', () => {
    expect(csvFile([csvRow(['a', 'b']), csvRow(['x,y', null, 3])])).toBe('a,b\r\n"x,y",,3\r\n');
    expect(csvFile([])).toBe('');
  });
});
