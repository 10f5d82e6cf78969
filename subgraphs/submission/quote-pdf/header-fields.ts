// The quote header (Identifier, As of, Expires on) and the Summary table (Service Requested ... Financial
// Contacts). The summary is a two-column table: a label on the left, its value on the right, a value possibly
// over several lines (several PIs), possibly empty (Phone).
import { extracted, issueFor, withFlags } from './confidence.ts';
import { boxOf, findLine, splitAtLabel, type QuoteLayout, type TextLine } from './layout.ts';
import type { TextItem } from './read-pdf.ts';
import type { ConfidenceFlag, Contact, Extracted, ParsedSubmission, QuoteIssue } from './types.ts';
import { isEmail, isOnlySeparators, parseContacts, parseDate, type ParsedValue } from './values.ts';

export const QUOTE_IDENTIFIER = /HTSF--[A-Z]+-\d+/;

type HeaderFields = Pick<
  ParsedSubmission,
  | 'quoteIdentifier'
  | 'quoteDate'
  | 'expiresOn'
  | 'serviceRequested'
  | 'requester'
  | 'lab'
  | 'billingAddress'
  | 'pis'
  | 'financialContacts'
>;

interface LabelValue {
  label: TextLine;
  /** The value's lines (text right of the label column, plus continuation lines). */
  text: string;
  items: TextItem[];
  lines: number;
  fuzzy: boolean;
}

function fromParsed<T>(
  parsed: ParsedValue<T>,
  found: { items: TextItem[]; raw: string; flags?: ConfidenceFlag[] },
): Extracted<T> {
  const source = boxOf(found.items);
  const flags = [...parsed.flags, ...(found.flags ?? [])];
  return extracted(parsed.value, parsed.inferred ? 'inferred' : 'label+geometry', {
    source,
    raw: found.raw,
    flags,
  });
}

/** "Label: value" on one line, or the label alone with its value on the next line (iLab's "As of:"). */
function labelledValue(layout: QuoteLayout, pattern: RegExp, from: number, to: number): LabelValue | null {
  const line = findLine(layout.lines, pattern, from, to);
  if (!line) return null;
  const split = splitAtLabel(line, pattern)!;
  if (split.rest.text !== '')
    return { label: line, text: split.rest.text, items: split.rest.items, lines: 1, fuzzy: false };
  const next = layout.lines[line.index + 1];
  const nextIsValue =
    next !== undefined &&
    next.page === line.page &&
    !next.bold &&
    !/:\s*$/.test(next.text) &&
    next.x <= line.x + 2;
  return nextIsValue
    ? { label: line, text: next.text, items: next.items, lines: 2, fuzzy: false }
    : { label: line, text: '', items: [], lines: 1, fuzzy: false };
}

function titleFacts(title: string | null): { identifier: string | null; date: string | null } {
  const identifier = title ? (QUOTE_IDENTIFIER.exec(title)?.[0] ?? null) : null;
  const dateText = title ? (/\bas of (.+)$/i.exec(title)?.[1] ?? null) : null;
  return { identifier, date: dateText ? parseDate(dateText).value : null };
}

function readIdentifier(
  layout: QuoteLayout,
  title: string | null,
  issues: QuoteIssue[],
): Extracted<string | null> {
  const found = labelledValue(layout, /^Identifier:?/i, 0, layout.lines.length);
  const fromTitle = titleFacts(title).identifier;
  let value: Extracted<string | null>;
  if (!found) {
    value = fromTitle
      ? extracted<string | null>(fromTitle, 'inferred', { raw: title, flags: ['LABEL_FUZZY'] })
      : extracted<string | null>(null, 'not-found');
  } else {
    const match = QUOTE_IDENTIFIER.exec(found.text);
    value = match
      ? extracted<string | null>(match[0], 'label+geometry', { source: boxOf(found.items), raw: found.text })
      : extracted<string | null>(null, 'inferred', {
          source: boxOf(found.items),
          raw: found.text,
          flags: ['LABEL_FUZZY'],
        });
    if (match && fromTitle) {
      value =
        fromTitle === match[0]
          ? withFlags(value, [], 'cross-check')
          : withFlags(value, ['DISAGREES_WITH_TITLE']);
    }
  }
  const issue = issueFor('quoteIdentifier', value, true);
  if (issue) issues.push(issue);
  return value;
}

function readDate(
  layout: QuoteLayout,
  path: 'quoteDate' | 'expiresOn',
  pattern: RegExp,
  titleDate: string | null,
  issues: QuoteIssue[],
): Extracted<string | null> {
  const header = findLine(layout.lines, /^Quote:?$/i);
  const from = header?.index ?? 0;
  const found = labelledValue(layout, pattern, from, from + 12);
  let value: Extracted<string | null>;
  if (!found) value = extracted<string | null>(null, 'not-found');
  else if (found.text === '')
    value = extracted<string | null>(null, 'absent', { source: boxOf(found.label.items) });
  else {
    value = fromParsed(parseDate(found.text), { items: found.items, raw: found.text });
    if (titleDate && value.value) {
      value =
        titleDate === value.value
          ? withFlags(value, [], 'cross-check')
          : withFlags(value, ['DISAGREES_WITH_TITLE']);
    }
  }
  const issue = issueFor(path, value, path === 'quoteDate');
  if (issue) issues.push(issue);
  return value;
}

const SUMMARY_LABELS = {
  serviceRequested: /^Service Requested:?/i,
  requesterName: /^Requester:?/i,
  requesterEmail: /^E-?mail:?/i,
  requesterPhone: /^Phone:?/i,
  lab: /^Lab:?/i,
  billingAddress: /^Billing address:?/i,
  // A scan's capital I may be read as l or 1 ("Pls").
  pis: /^P[Il1]s:?/i,
  financialContacts: /^Financial Contacts:?/i,
} as const;

type SummaryKey = keyof typeof SUMMARY_LABELS;

/** The summary table's rows: each label with its value lines. */
function summaryRows(layout: QuoteLayout): Map<SummaryKey, LabelValue> {
  const rows = new Map<SummaryKey, LabelValue>();
  const heading = findLine(layout.lines, /^Summary$/i);
  const end = findLine(layout.lines, /^(Request Summary:?|Forms)$/i, heading?.index ?? 0);
  const from = heading ? heading.index + 1 : 0;
  const to = end ? end.index : Math.min(layout.lines.length, from + 40);
  const entries = Object.entries(SUMMARY_LABELS) as Array<[SummaryKey, RegExp]>;
  // The value column starts where the first value does (after the label column's gap).
  let valueX: number | null = null;
  let current: { key: SummaryKey; value: LabelValue } | null = null;
  for (let index = from; index < to; index += 1) {
    const line = layout.lines[index]!;
    const entry = entries.find(([key, pattern]) => !rows.has(key) && pattern.test(line.text));
    if (entry) {
      const split = splitAtLabel(line, entry[1])!;
      const first = split.rest.items.find((item) => item.text.trim() !== '');
      if (first && (valueX === null || first.x < valueX)) valueX = first.x;
      current = {
        key: entry[0],
        value: { label: line, text: split.rest.text, items: split.rest.items, lines: 1, fuzzy: false },
      };
      rows.set(entry[0], current.value);
      continue;
    }
    // A line that only holds value-column text continues the value above (several PIs, one per line).
    if (current && valueX !== null && line.x >= valueX - 2 && line.page === current.value.label.page) {
      current.value.text = `${current.value.text}\n${line.text}`.trim();
      current.value.items = [...current.value.items, ...line.items];
      current.value.lines += 1;
    } else current = null;
  }
  return rows;
}

function readText(
  path: string,
  row: LabelValue | undefined,
  issues: QuoteIssue[],
  required = false,
): Extracted<string | null> {
  let value: Extracted<string | null>;
  if (!row) value = extracted<string | null>(null, 'not-found');
  else if (row.text === '')
    value = extracted<string | null>(null, 'absent', { source: boxOf(row.label.items) });
  else if (isOnlySeparators(row.text)) {
    value = extracted<string | null>(null, 'absent', { source: boxOf(row.items), raw: row.text });
    issues.push({
      path,
      severity: 'warning',
      code: 'BLANK_VALUE',
      message: `${path} holds only separators ("${row.text}")`,
    });
  } else {
    const flags: ConfidenceFlag[] = row.lines > 1 ? ['LINES_JOINED'] : [];
    value = extracted<string | null>(row.text.replace(/\s*\n\s*/g, ' '), 'label+geometry', {
      source: boxOf(row.items),
      raw: row.text,
      flags,
    });
  }
  const issue = issueFor(path, value, required);
  if (issue) issues.push(issue);
  return value;
}

function readEmail(
  path: string,
  row: LabelValue | undefined,
  issues: QuoteIssue[],
): Extracted<string | null> {
  const text = readText(path, row, issues);
  if (text.value === null || isEmail(text.value)) return text;
  const value = withFlags({ ...text, value: null }, ['NOT_AN_EMAIL'], 'inferred');
  const issue = issueFor(path, value);
  if (issue) issues.push(issue);
  return value;
}

function readContacts(path: string, row: LabelValue | undefined, issues: QuoteIssue[]): Extracted<Contact[]> {
  let value: Extracted<Contact[]>;
  if (!row) value = extracted<Contact[]>([], 'not-found');
  else if (row.text === '') value = extracted<Contact[]>([], 'absent', { source: boxOf(row.label.items) });
  else value = fromParsed(parseContacts(row.text), { items: row.items, raw: row.text });
  const issue = issueFor(path, value, path === 'pis');
  if (issue) issues.push(issue);
  return value;
}

export function readHeaderFields(
  layout: QuoteLayout,
  title: string | null,
  issues: QuoteIssue[],
): HeaderFields {
  const titleDate = titleFacts(title).date;
  const rows = summaryRows(layout);
  return {
    quoteIdentifier: readIdentifier(layout, title, issues),
    quoteDate: readDate(layout, 'quoteDate', /^As of:?/i, titleDate, issues),
    expiresOn: readDate(layout, 'expiresOn', /^Expires on:?/i, null, issues),
    serviceRequested: readText('serviceRequested', rows.get('serviceRequested'), issues),
    requester: {
      name: readText('requester.name', rows.get('requesterName'), issues, true),
      email: readEmail('requester.email', rows.get('requesterEmail'), issues),
      phone: readText('requester.phone', rows.get('requesterPhone'), issues),
    },
    lab: readText('lab', rows.get('lab'), issues),
    billingAddress: readText('billingAddress', rows.get('billingAddress'), issues),
    pis: readContacts('pis', rows.get('pis'), issues),
    financialContacts: readContacts('financialContacts', rows.get('financialContacts'), issues),
  };
}
