// Files that are not a readable quote get a typed error (or a submission with explicit issues): never a crash,
// never made-up data.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { QUOTE_PDF_ERROR_CODES } from './errors.ts';
import { parseQuotePdf } from './parse-quote.ts';
import { toPlainSubmission } from './plain-submission.ts';
import { writeTinyPdf } from './testing.ts';

const CORPUS = fileURLToPath(new URL('../../../test/fixtures/quotes/', import.meta.url));
const corpusFile = (name: string): Uint8Array => new Uint8Array(readFileSync(`${CORPUS}${name}`));

async function errorCode(bytes: Uint8Array, options = {}): Promise<string> {
  const result = await parseQuotePdf(bytes, options);
  if (result.ok) throw new Error('expected an error, got a submission');
  expect(QUOTE_PDF_ERROR_CODES.map((entry) => entry.code)).toContain(result.error.code);
  expect(result.error.message.length).toBeGreaterThan(10);
  return result.error.code;
}

describe('bad inputs', () => {
  it.each([
    ['an empty file', new Uint8Array(0), 'EMPTY_FILE'],
    ['text that is not a PDF', new TextEncoder().encode('Sample,Volume\n1,2\n'), 'NOT_A_PDF'],
    ['a PDF header and nothing else', new TextEncoder().encode('%PDF-1.4\n'), 'CORRUPT_PDF'],
  ])('%s -> %s', async (_name, bytes, code) => {
    expect(await errorCode(bytes)).toBe(code);
  });

  it('a truncated quote -> CORRUPT_PDF', async () => {
    const bytes = corpusFile('quote-three-rows.pdf');
    expect(await errorCode(bytes.subarray(0, Math.floor(bytes.length * 0.6)))).toBe('CORRUPT_PDF');
  });

  it('a password-protected quote -> ENCRYPTED', async () => {
    expect(await errorCode(corpusFile('encrypted.pdf'))).toBe('ENCRYPTED');
  });

  it('a scan (page images, no text) -> NO_TEXT_LAYER, with the images counted', async () => {
    const result = await parseQuotePdf(corpusFile('image-only.pdf'));
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'NO_TEXT_LAYER', detail: { pages: 2, images: 2 } },
    });
  });

  it('a PDF with text that is not an iLab quote -> NOT_AN_ILAB_QUOTE', async () => {
    expect(await errorCode(corpusFile('not-a-quote.pdf'))).toBe('NOT_AN_ILAB_QUOTE');
    expect(await errorCode(writeTinyPdf(1, { pageText: () => 'Hello, this is a letter.' }))).toBe(
      'NOT_AN_ILAB_QUOTE',
    );
  });

  it('a 500-page PDF -> TOO_MANY_PAGES, before any page is parsed', async () => {
    const started = Date.now();
    expect(await errorCode(writeTinyPdf(500))).toBe('TOO_MANY_PAGES');
    // A page tree that under-declares its /Count is walked, not believed.
    expect(await errorCode(writeTinyPdf(500, { declaredCount: 1 }))).toBe('TOO_MANY_PAGES');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('limits: file size and time', async () => {
    const quote = corpusFile('quote-three-rows.pdf');
    expect(await errorCode(quote, { maxBytes: 10_000 })).toBe('FILE_TOO_LARGE');
    expect(await errorCode(quote, { timeoutMs: 1 })).toBe('PARSE_TIMEOUT');
    expect(await errorCode(quote, { maxPages: 2 })).toBe('TOO_MANY_PAGES');
  });

  it('reads bytes that sit inside a larger buffer (pdf2json ignores byteOffset)', async () => {
    const quote = corpusFile('quote-three-rows.pdf');
    const pool = new Uint8Array(quote.length + 4096);
    pool.set(quote, 1234);
    const result = await parseQuotePdf(pool.subarray(1234, 1234 + quote.length));
    expect(result.ok && result.submission.quoteIdentifier.value).toBe('HTSF--EF-7');
  });

  it('damaged bytes: a typed error, or a submission whose values are all true', async () => {
    const original = corpusFile('quote-three-rows.pdf');
    const truth = JSON.parse(readFileSync(`${CORPUS}quote-three-rows.expected.json`, 'utf8')) as {
      rows: Array<Record<string, unknown>>;
    };
    for (const at of [0.15, 0.35, 0.55, 0.75, 0.92]) {
      const bytes = new Uint8Array(original);
      const start = Math.floor(bytes.length * at);
      bytes.fill(0x41, start, start + 400);
      const result = await parseQuotePdf(bytes);
      if (!result.ok) {
        expect(['CORRUPT_PDF', 'NOT_AN_ILAB_QUOTE', 'NO_TEXT_LAYER']).toContain(result.error.code);
        continue;
      }
      // Whatever survived must be what the page says: a value is either the true one or missing.
      const rows = toPlainSubmission(result.submission).rows;
      rows.forEach((row, index) => {
        for (const [key, value] of Object.entries(row)) {
          if (value !== null && key !== 'kind')
            expect(value, `rows[${index}].${key} at ${at}`).toEqual(truth.rows[index]![key]);
        }
      });
    }
  });
});
