// One CSV writer for every export: RFC 4180 (CRLF line ends, a cell quoted when it holds a comma, quote or line
// break, quotes doubled) and safe from spreadsheet formula injection: a text cell starting with = + - @ tab or CR
// gets a leading ', so a spreadsheet shows it as text instead of running it.

/** A cell's value; null and undefined are empty cells. Numbers and booleans are never formulas, so never prefixed. */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: formula-safe, quoted when needed. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One record: its cells, comma-separated (no line end). */
export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',');
}

/** Records (header first) as a file: every record ends with CRLF. */
export function csvFile(rows: readonly string[]): string {
  return rows.map((row) => `${row}\r\n`).join('');
}
