// The lab's real files (../shared/fixtures beside the checkout, as on every machine and in CI), read once.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/** The path of a shared fixture, e.g. 'ilab-quote/HTSF--JL-147_quote_160217072025.pdf'. */
export function sharedFixturePath(relative: string): string {
  const path = `${SHARED_FIXTURES}${relative}`;
  if (!existsSync(path)) {
    throw new Error(
      `fixture ${path} is missing: the tests expect the project's shared/ folder beside the checkout`,
    );
  }
  return path;
}

export const readSharedFixture = (relative: string): Buffer => readFileSync(sharedFixturePath(relative));

/** The real iLab quote (5 pages) and the CSV template. */
export const REAL_QUOTE = 'ilab-quote/HTSF--JL-147_quote_160217072025.pdf';
export const CSV_TEMPLATE = 'csv/nanopore-sample-submission-template.csv';

/** The CSV template's header and rows, repeated to `rows` data rows with unique names. */
export function largeSheet(rows: number): Uint8Array {
  const [header, ...templateRows] = readSharedFixture(CSV_TEMPLATE).toString('utf8').trim().split(/\r?\n/);
  const lines = [header!];
  for (let i = 0; i < rows; i++)
    lines.push(templateRows[i % templateRows.length]!.replace(/^[^,]*/, `S${i + 1}`));
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}
