// The lab's real files, kept in test/fixtures/ (see its README) so a clone needs nothing beside it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The path of a fixture, e.g. 'ilab-quote/HTSF--JL-147_quote_160217072025.pdf'. */
export function fixturePath(relative: string): string {
  const path = `${FIXTURES}${relative}`;
  if (!existsSync(path)) {
    throw new Error(`fixture ${path} is missing from test/fixtures/`);
  }
  return path;
}

export const readFixture = (relative: string): Buffer => readFileSync(fixturePath(relative));

/** The real iLab quote (5 pages) and the CSV template. */
export const REAL_QUOTE = 'ilab-quote/HTSF--JL-147_quote_160217072025.pdf';
export const CSV_TEMPLATE = 'csv/nanopore-sample-submission-template.csv';
/** The real quote scanned (scans/README.md): 300 dpi straight, and 200 dpi turned 1.5° with noise and JPEG loss. */
export const SCAN_CLEAN = 'scans/quote-300dpi-clean.pdf';
export const SCAN_NOISY = 'scans/quote-200dpi-noisy.pdf';

/** The CSV template's header and rows, repeated to `rows` data rows with unique names. */
export function largeSheet(rows: number): Uint8Array {
  const [header, ...templateRows] = readFixture(CSV_TEMPLATE).toString('utf8').trim().split(/\r?\n/);
  const lines = [header!];
  for (let i = 0; i < rows; i++)
    lines.push(templateRows[i % templateRows.length]!.replace(/^[^,]*/, `S${i + 1}`));
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}
