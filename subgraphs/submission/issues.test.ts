// The rules that guard acceptance, computed from the current data, and the resolution of stored issues by path.
import { describe, expect, it } from 'vitest';
import {
  blockingIssues,
  issue,
  resolveIssues,
  ruleIssues,
  type RuleRow,
  type RuleSubject,
  type StoredIssue,
} from './issues.ts';
import { emptyForm } from './submission-data.ts';

const row = (rowNumber: number, sampleName: string | null, extra: Partial<RuleRow> = {}): RuleRow => ({
  rowNumber,
  sampleName,
  kind: 'SAMPLE',
  volumeUl: 2,
  qubitNgPerUl: null,
  nanodropNgPerUl: 300,
  a260_280: 1.8,
  a260_230: null,
  concentrationNgPerUl: null,
  ...extra,
});
const sheet: RuleSubject & { issues: StoredIssue[] } = { source: 'CSV', form: emptyForm(), issues: [] };
const codes = (rows: RuleRow[], subject = sheet) => ruleIssues(subject, rows).map((i) => [i.path, i.code]);

describe('ruleIssues', () => {
  it.each([
    ['no samples at all', [row(1, null, { kind: 'EMPTY' })], [['rows', 'NO_SAMPLES']]],
    ['a sample without a name', [row(1, ' ')], [['rows[1].sampleName', 'SAMPLE_NAME_MISSING']]],
    [
      'a name used twice',
      [row(1, 'A'), row(2, 'B'), row(3, 'A')],
      [['rows[3].sampleName', 'DUPLICATE_SAMPLE_NAME']],
    ],
    [
      'an impossible ratio',
      [row(4, 'A', { a260_280: 18.4 })],
      [['rows[4].a260_280', 'MEASUREMENT_OUT_OF_RANGE']],
    ],
    [
      'a negative volume',
      [row(5, 'A', { volumeUl: -1 })],
      [['rows[5].volumeUl', 'MEASUREMENT_OUT_OF_RANGE']],
    ],
    ['an empty row without a name', [row(1, 'A'), row(2, null, { kind: 'EMPTY', volumeUl: -5 })], []],
  ])('finds %s', (_case, rows, expected) => {
    expect(codes(rows)).toEqual(expected);
  });

  it("requires the quote form's required answers, not a sheet's", () => {
    const quote = { source: 'PDF' as const, form: { ...emptyForm(), libraryKit: 'SQK-LSK114' }, issues: [] };
    expect(codes([row(1, 'A')], quote)).toEqual([
      ['form.sampleTypes', 'REQUIRED_ANSWER_MISSING'],
      ['form.containsHumanDna', 'REQUIRED_ANSWER_MISSING'],
    ]);
    expect(codes([row(1, 'A')])).toEqual([]);
  });
});

describe('resolveIssues', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const stored = [
    issue('form.libraryKit', 'WARNING', 'LOW_CONFIDENCE', 'x'),
    issue('form.libraryKit.options[1]', 'INFO', 'OPTION_TEXT_FUZZY', 'x'),
    issue('form.libraryKitNote', 'ERROR', 'OTHER', 'x'),
    issue('rows[1].volumeUl', 'ERROR', 'NOT_A_NUMBER', 'x', 1),
    issue('rows[10].volumeUl', 'ERROR', 'NOT_A_NUMBER', 'x', 10),
  ];

  it('resolves the issues at and inside a corrected path, and only those', () => {
    const resolved = resolveIssues(stored, ['form.libraryKit', 'rows[1].volumeUl'], 'u1', now);
    expect(resolved.map((i) => i.resolvedAt !== null)).toEqual([true, true, false, true, false]);
    expect(resolved[0]).toMatchObject({ resolvedById: 'u1', resolvedAt: now.toISOString() });
  });

  it('blocks acceptance on open errors only', () => {
    const subject = { ...sheet, issues: resolveIssues(stored, ['form', 'rows[1]'], 'u1', now) };
    expect(blockingIssues(subject, [row(1, 'A')]).map((i) => i.path)).toEqual(['rows[10].volumeUl']);
  });
});
