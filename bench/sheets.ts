// Sample sheets for the intake benchmarks, made from the lab's CSV template.
import { CSV_TEMPLATE, readSharedFixture } from '../test/helpers/fixtures.ts';

/** The CSV template's header and rows, repeated to `rows` data rows with unique names. */
export function largeSheet(rows: number): Uint8Array {
  const [header, ...templateRows] = readSharedFixture(CSV_TEMPLATE).toString('utf8').trim().split(/\r?\n/);
  const lines = [header!];
  for (let i = 0; i < rows; i++)
    lines.push(templateRows[i % templateRows.length]!.replace(/^[^,]*/, `S${i + 1}`));
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}
