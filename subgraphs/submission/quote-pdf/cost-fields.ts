// Projected Cost, Known Charges and the charge table (Name, Billing Status, Quantity, Unit Price, Extended Price,
// Tax, Total). The totals are checked against each other: a known charge that does not match the sum of its
// lines is flagged rather than trusted.
import { columnOf, columnsFromHeader, type Column, type ColumnSpec } from './columns.ts';
import { extracted, issueFor, withFlags } from './confidence.ts';
import {
  boxOf,
  findLine,
  pageOf,
  spanInRange,
  splitAtLabel,
  type QuoteLayout,
  type TextLine,
} from './layout.ts';
import type { ChargeLine, ConfidenceFlag, Extracted, QuoteCosts, QuoteIssue } from './types.ts';
import { parseMeasurement, parseMoney, type ParsedValue } from './values.ts';

type ChargeKey = keyof ChargeLine;

const CHARGE_COLUMNS: ReadonlyArray<ColumnSpec<ChargeKey>> = [
  { key: 'name', header: /^Name\b/i },
  { key: 'billingStatus', header: /Billing Status/i },
  { key: 'quantity', header: /Quantity/i },
  { key: 'unitPrice', header: /Unit Price/i },
  { key: 'extendedPrice', header: /Extended Price/i },
  { key: 'tax', header: /\bTax\b/i },
  { key: 'total', header: /\bTotal\b/i },
];

const isChargeHeader = (line: TextLine): boolean => /^Name\b.*Billing Status.*Total/i.test(line.text);

function amount(
  layout: QuoteLayout,
  path: string,
  pattern: RegExp,
  issues: QuoteIssue[],
): Extracted<number | null> {
  const line = findLine(layout.lines, pattern);
  let value: Extracted<number | null>;
  if (!line) value = extracted<number | null>(null, 'not-found');
  else {
    const { label, rest } = splitAtLabel(line, pattern)!;
    const parsed = parseMoney(rest.text);
    value =
      rest.text === ''
        ? extracted<number | null>(null, 'absent', { source: boxOf(label.items) })
        : extracted(parsed.value, parsed.inferred ? 'inferred' : 'label+geometry', {
            source: boxOf(rest.items),
            raw: rest.text,
            flags: parsed.flags,
          });
  }
  const issue = issueFor(path, value);
  if (issue) issues.push(issue);
  return value;
}

function cell(line: TextLine, column: Column<ChargeKey>): Extracted<string | number | null> {
  const span = spanInRange(line, column.left - 0.5, column.right - 0.5);
  if (span.items.length === 0) return extracted(null, 'absent');
  const flags: ConfidenceFlag[] = [];
  const offset = Math.abs(span.items[0]!.x - column.textX);
  if (offset > 4) flags.push('OFF_COLUMN_START');
  const fit = 1 - Math.min(1, offset / 12);
  const options = { source: boxOf(span.items), raw: span.text, flags, fit };
  if (column.key === 'name' || column.key === 'billingStatus')
    return extracted(span.text, 'column+geometry', options);
  const parsed: ParsedValue<number | null> =
    column.key === 'quantity' ? parseMeasurement(span.text) : parseMoney(span.text);
  return extracted(parsed.value, parsed.inferred ? 'inferred' : 'column+geometry', {
    ...options,
    flags: [...flags, ...parsed.flags],
  });
}

function chargeLines(layout: QuoteLayout, from: number, issues: QuoteIssue[]): ChargeLine[] {
  const header = findLine(layout.lines, /^Name\b.*Billing Status.*Total/i, from);
  if (!header) return [];
  let columns = columnsFromHeader(pageOf(layout, header), header, CHARGE_COLUMNS);
  const lines: ChargeLine[] = [];
  for (let index = header.index + 1; index < layout.lines.length && columns; index += 1) {
    const line = layout.lines[index]!;
    if (isChargeHeader(line)) {
      columns = columnsFromHeader(pageOf(layout, line), line, CHARGE_COLUMNS) ?? columns;
      continue;
    }
    const used = new Set(
      line.items.filter((item) => item.text.trim() !== '').map((item) => columnOf(columns!, item)?.key),
    );
    // A charge line fills its Total column; anything else (the footer, a note) ends the table.
    if (line.bold || !used.has('total') || used.has(undefined)) break;
    const values = Object.fromEntries(
      columns.map((column) => [column.key, cell(line, column)]),
    ) as unknown as ChargeLine;
    const row = lines.length;
    for (const column of columns) {
      const issue = issueFor(`costs.lines[${row}].${column.key}`, values[column.key]);
      if (issue) issues.push(issue);
    }
    lines.push(values);
  }
  return lines;
}

export function readCosts(layout: QuoteLayout, issues: QuoteIssue[]): QuoteCosts {
  const projected = amount(layout, 'costs.projected', /^Projected Cost:?/i, issues);
  let known = amount(layout, 'costs.known', /^Known Charges:?/i, issues);
  const knownLine = findLine(layout.lines, /^Known Charges:?/i);
  const lines = chargeLines(layout, knownLine?.index ?? 0, issues);
  const totals = lines.map((line) => line.total.value);
  if (known.value !== null && lines.length > 0 && totals.every((total) => total !== null)) {
    const sum = Math.round(totals.reduce((a, b) => a! + b!, 0)! * 100) / 100;
    if (Math.abs(sum - known.value) > 0.005) {
      known = withFlags(known, ['DISAGREES_WITH_TOTALS']);
      issues.push({
        path: 'costs.known',
        severity: 'warning',
        code: 'TOTALS_DISAGREE',
        message: `known charges ${known.value} differ from the sum of the charge lines ${sum}`,
      });
    }
  }
  return { projected, known, lines };
}
