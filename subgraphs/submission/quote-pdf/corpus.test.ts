// The quote corpus (test/fixtures/quotes/): quotes printed with wkhtmltopdf from iLab-like HTML, each with its known
// answers in <name>.expected.json (written from the same data as the HTML, see render.ts there).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ISSUE_THRESHOLD } from './confidence.ts';
import { parseQuotePdf } from './parse-quote.ts';
import { forEachExtracted, toPlainSubmission } from './plain-submission.ts';
import type { Extracted, ParsedSubmission, QuoteDocumentInfo } from './types.ts';

const CORPUS = fileURLToPath(new URL('../../../test/fixtures/quotes/', import.meta.url));
const names = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.expected.json'))
  .map((file) => file.replace(/\.expected\.json$/, ''))
  .sort();

interface Expected {
  expectedIssuePaths: string[];
  [field: string]: unknown;
}

const parsed = new Map<string, { submission: ParsedSubmission; document: QuoteDocumentInfo }>();

beforeAll(async () => {
  for (const name of names) {
    const result = await parseQuotePdf(new Uint8Array(readFileSync(`${CORPUS}${name}.pdf`)));
    if (!result.ok) throw new Error(`${name} did not parse: ${result.error.code}`);
    parsed.set(name, result);
  }
}, 60_000);

it('has the corpus the issue asks for', () => {
  expect(names).toEqual(
    expect.arrayContaining([
      'quote-full-grid',
      'quote-ligation-promethion',
      'quote-messy-cells',
      'quote-single-table',
      'quote-three-rows',
    ]),
  );
});

describe.each(names)('%s', (name) => {
  const expected = JSON.parse(readFileSync(`${CORPUS}${name}.expected.json`, 'utf8')) as Expected;
  const { description: _description, expectedIssuePaths, ...answers } = expected;

  it('parses to the known answers', () => {
    const { submission } = parsed.get(name)!;
    const plain = toPlainSubmission(submission);
    const { expiresOn: _expiresOn, ...comparable } = plain;
    expect(comparable).toEqual(answers);
  });

  it('raises exactly the expected warnings', () => {
    const { submission } = parsed.get(name)!;
    const paths = new Set(
      submission.issues.filter((issue) => issue.severity !== 'info').map((issue) => issue.path),
    );
    expect([...paths].sort()).toEqual([...expectedIssuePaths].sort());
  });

  it('lists every low-confidence value as an issue, and only inferred or doubtful values are low', () => {
    const { submission } = parsed.get(name)!;
    const issuePaths = new Set(submission.issues.map((issue) => issue.path));
    forEachExtracted(submission, (path, value: Extracted<unknown>) => {
      if (value.confidence < ISSUE_THRESHOLD && value.method !== 'absent') expect(issuePaths).toContain(path);
      if (value.method === 'inferred') expect(value.confidence, path).toBeLessThan(ISSUE_THRESHOLD);
      if (value.flags.length === 0 && value.method !== 'not-found') {
        expect(value.confidence, path).toBeGreaterThanOrEqual(ISSUE_THRESHOLD);
      }
    });
  });

  it('gives every value read from the page its page and box', () => {
    const { submission, document } = parsed.get(name)!;
    forEachExtracted(submission, (path, value: Extracted<unknown>) => {
      const empty = value.value === null || (Array.isArray(value.value) && value.value.length === 0);
      if (empty && value.method !== 'absent') return;
      expect(value.source, path).not.toBeNull();
      expect(value.source!.page, path).toBeGreaterThanOrEqual(1);
      expect(value.source!.page, path).toBeLessThanOrEqual(document.pageCount);
      expect(value.source!.w, path).toBeGreaterThan(0);
      expect(value.source!.h, path).toBeGreaterThan(0);
    });
  });
});

describe('across the corpus', () => {
  it('repeats the grid header per page and never reads it as a row', () => {
    const { submission } = parsed.get('quote-full-grid')!;
    const pages = new Set(submission.rows.map((row) => row.rowNumber.source!.page));
    expect([...pages]).toEqual([2, 3, 4]);
    expect(submission.rows.map((row) => row.rowNumber.value)).toEqual(
      Array.from({ length: 99 }, (_, i) => i + 1),
    );
  });

  it('has confidences that follow how a value was found, not one constant', () => {
    const all: number[] = [];
    for (const { submission } of parsed.values())
      forEachExtracted(submission, (_path, value) => all.push(value.confidence));
    expect(new Set(all).size).toBeGreaterThan(5);

    const messy = parsed.get('quote-messy-cells')!.submission.rows;
    // Typed with its unit ("20 µL") or with a thousands separator: still read, but less sure than a plain cell.
    expect(messy[1]!.volumeUl).toMatchObject({ value: 20, method: 'inferred', flags: ['UNIT_STRIPPED'] });
    expect(messy[1]!.volumeUl.confidence).toBeLessThan(messy[0]!.volumeUl.confidence);
    expect(messy[2]!.nanodropNgPerUl).toMatchObject({ value: 1204.5, flags: ['REPUNCTUATED'] });
    // Not a number at all: no value, and the lowest confidence.
    expect(messy[1]!.qubitNgPerUl).toMatchObject({ value: null, raw: 'n/a', flags: ['NOT_A_NUMBER'] });
    expect(messy[1]!.qubitNgPerUl.confidence).toBeLessThan(messy[1]!.volumeUl.confidence);
    // A name over four lines of its cell, joined; the cell borders confirm it, so it stays trusted.
    expect(messy[3]!.sampleName).toMatchObject({ flags: ['LINES_JOINED'] });
    expect(messy[3]!.sampleName.confidence).toBeGreaterThanOrEqual(ISSUE_THRESHOLD);
    expect(messy[3]!.sampleName.confidence).toBeLessThan(messy[0]!.sampleName.confidence);
  });

  it('follows a grid whose header is not repeated, and reads a row printed on two pages once', () => {
    const { submission } = parsed.get('quote-single-table')!;
    expect(submission.rows.map((row) => row.rowNumber.value)).toEqual(
      Array.from({ length: 99 }, (_, i) => i + 1),
    );
    const duplicates = submission.issues.filter((issue) => issue.code === 'DUPLICATE_ROW');
    expect(duplicates.length).toBeGreaterThan(0);
    expect(duplicates.every((issue) => issue.severity === 'info')).toBe(true);
  });

  it('leaves an unanswered radio null and says so, instead of taking the first option', () => {
    const { submission } = parsed.get('quote-three-rows')!;
    expect(submission.form.containsHumanDna.value).toBeNull();
    expect(submission.form.containsHumanDna.options.map((option) => option.selected)).toEqual([false, false]);
    expect(submission.issues).toContainEqual(
      expect.objectContaining({ path: 'form.containsHumanDna', code: 'REQUIRED_MISSING' }),
    );
  });
});
