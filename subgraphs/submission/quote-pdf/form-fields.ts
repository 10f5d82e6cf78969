// The embedded "HTSF Nanopore Submission Form DNA": its checkbox and radio questions (choices.ts) and its text
// answers (a bold label with the answer after it on the same line, or on the lines below it).
import { readCheckboxes, readRadio } from './choices.ts';
import { extracted, issueFor } from './confidence.ts';
import {
  BASECALLING,
  DATA_RETRIEVAL,
  FILE_FORMATS,
  FLOW_CELLS,
  HUMAN_DNA,
  LIBRARY_KIT,
  SAMPLE_BUFFERS,
  SAMPLE_TYPES,
} from './form-questions.ts';
import { boxOf, findLine, spanOf, type QuoteLayout, type TextLine } from './layout.ts';
import type { TextItem } from './read-pdf.ts';
import type { ConfidenceFlag, Extracted, QuoteForm, QuoteIssue } from './types.ts';
import { parseEmails, parseMeasurement } from './values.ts';

/**
 * The form's own headings. They are bold, but a scan's bold is a guess from stroke widths, so free text also ends
 * at a line that is one of them (a scanned "Bioinformatics and Data Delivery" read as regular print).
 */
const FORM_HEADINGS: readonly RegExp[] = [
  /^\*?\s*Sample (?:Buffer|Information):?$/i,
  /^\*?\s*Flow Cell Selection:?$/i,
  /^Bioinformatics and Data Delivery:?$/i,
  /^I would like my data to be basecalled using:?$/i,
  /^File Format:?$/i,
  /^(?:Data Delivery )?Notification email addresses:?$/i,
  /^How would you like to retrieve your data/i,
];

/** Lines of free text under a heading: not bold, until the next bold line or heading, or a wide gap. */
function linesBelow(layout: QuoteLayout, heading: TextLine, maxLines: number): TextLine[] {
  const found: TextLine[] = [];
  let previous = heading;
  for (let index = heading.index + 1; index < layout.lines.length && found.length < maxLines; index += 1) {
    const line = layout.lines[index]!;
    if (line.bold || line.page !== heading.page) break;
    if (FORM_HEADINGS.some((pattern) => pattern.test(line.text))) break;
    if (line.baseline - previous.baseline > 2.6 * Math.max(line.size, previous.size)) break;
    if (line.x < heading.x - 4) break;
    found.push(line);
    previous = line;
  }
  return found;
}

function textField(
  path: string,
  lines: TextLine[],
  labelItems: TextItem[],
  issues: QuoteIssue[],
): Extracted<string | null> {
  const items = lines.flatMap((line) => line.items);
  const text = lines
    .map((line) => line.text)
    .join(' ')
    .trim();
  const value =
    text === ''
      ? extracted<string | null>(null, 'absent', { source: boxOf(labelItems) })
      : extracted<string | null>(text, 'label+geometry', {
          source: boxOf(items),
          raw: lines.map((line) => line.text).join('\n'),
          flags: lines.length > 1 ? ['LINES_JOINED'] : [],
        });
  const issue = issueFor(path, value);
  if (issue) issues.push(issue);
  return value;
}

/** A bold label with its answer after it, on the same line ("Approx. Genome Size   600"). */
function inlineAnswer(
  layout: QuoteLayout,
  pattern: RegExp,
  from: number,
): { label: TextLine; items: TextItem[]; text: string } | null {
  const line = findLine(layout.lines, pattern, from);
  if (!line) return null;
  const match = pattern.exec(line.text)!;
  const rest = spanOf(line, match.index + match[0].length);
  const answer = rest.items.filter((item) => !item.bold);
  return { label: line, items: answer, text: answer.length > 0 ? rest.text : '' };
}

function inlineText(
  layout: QuoteLayout,
  path: string,
  pattern: RegExp,
  from: number,
  issues: QuoteIssue[],
): Extracted<string | null> {
  const found = inlineAnswer(layout, pattern, from);
  const value = !found
    ? extracted<string | null>(null, 'not-found')
    : found.text === ''
      ? extracted<string | null>(null, 'absent', { source: boxOf(found.label.items) })
      : extracted<string | null>(found.text, 'label+geometry', {
          source: boxOf(found.items),
          raw: found.text,
        });
  const issue = issueFor(path, value);
  if (issue) issues.push(issue);
  return value;
}

function flowCellCount(layout: QuoteLayout, from: number, issues: QuoteIssue[]): Extracted<number | null> {
  const found = inlineAnswer(layout, /^Estimated number of Flow Cells:?/i, from);
  let value: Extracted<number | null>;
  if (!found) value = extracted<number | null>(null, 'not-found');
  else if (found.text === '')
    value = extracted<number | null>(null, 'absent', { source: boxOf(found.label.items) });
  else {
    const parsed = parseMeasurement(found.text);
    const flags: ConfidenceFlag[] = [...parsed.flags];
    const whole = parsed.value !== null && Number.isInteger(parsed.value) && parsed.value >= 0;
    if (parsed.value !== null && !whole) flags.push('NOT_A_NUMBER');
    value = extracted(
      whole ? parsed.value : null,
      parsed.inferred || !whole ? 'inferred' : 'label+geometry',
      {
        source: boxOf(found.items),
        raw: found.text,
        flags,
      },
    );
  }
  const issue = issueFor('form.flowCellCount', value);
  if (issue) issues.push(issue);
  return value;
}

function blockText(
  layout: QuoteLayout,
  path: string,
  heading: RegExp,
  from: number,
  issues: QuoteIssue[],
): Extracted<string | null> {
  const label = findLine(layout.lines, heading, from);
  if (!label) {
    const value = extracted<string | null>(null, 'not-found');
    const issue = issueFor(path, value);
    if (issue) issues.push(issue);
    return value;
  }
  return textField(path, linesBelow(layout, label, 20), label.items, issues);
}

function notificationEmails(layout: QuoteLayout, from: number, issues: QuoteIssue[]): Extracted<string[]> {
  const label = findLine(layout.lines, /Notification email addresses/i, from);
  let value: Extracted<string[]>;
  if (!label) value = extracted<string[]>([], 'not-found');
  else {
    const lines = linesBelow(layout, label, 6);
    const text = lines.map((line) => line.text).join(' ');
    const parsed = parseEmails(text);
    value =
      text === ''
        ? extracted<string[]>([], 'absent', { source: boxOf(label.items) })
        : extracted(parsed.value, parsed.inferred ? 'inferred' : 'label+geometry', {
            source: boxOf(lines.flatMap((line) => line.items)),
            raw: text,
            flags: parsed.flags,
          });
  }
  const issue = issueFor('form.notificationEmails', value);
  if (issue) issues.push(issue);
  return value;
}

export function readFormFields(layout: QuoteLayout, issues: QuoteIssue[]): QuoteForm {
  const start = findLine(layout.lines, /Nanopore Submission Form/i)?.index ?? 0;
  const collect = <V>(result: { field: V; issues: QuoteIssue[] }): V => {
    issues.push(...result.issues);
    return result.field;
  };
  const libraryKit = collect(readRadio(layout, LIBRARY_KIT, start));
  const sampleTypes = collect(readCheckboxes(layout, SAMPLE_TYPES, start));
  const containsHumanDna = collect(readRadio(layout, HUMAN_DNA, start));
  const sourceOrganism = blockText(layout, 'form.sourceOrganism', /^Source Organism:?$/i, start, issues);
  const sampleBuffers = collect(readCheckboxes(layout, SAMPLE_BUFFERS, start));
  const flowCellFormats = collect(readCheckboxes(layout, FLOW_CELLS, start));
  return {
    libraryKit,
    sampleTypes,
    containsHumanDna,
    sourceOrganism,
    sampleBuffers,
    flowCellFormats,
    approxGenomeSize: inlineText(layout, 'form.approxGenomeSize', /^Approx\.? Genome Size:?/i, start, issues),
    approxCoverage: inlineText(layout, 'form.approxCoverage', /^Approx\.? Coverage Needed:?/i, start, issues),
    flowCellCount: flowCellCount(layout, start, issues),
    comments: blockText(layout, 'form.comments', /^Additional Comments \/ Special Needs:?$/i, start, issues),
    basecalling: collect(readCheckboxes(layout, BASECALLING, start)),
    fileFormats: collect(readCheckboxes(layout, FILE_FORMATS, start)),
    notificationEmails: notificationEmails(layout, start, issues),
    dataRetrieval: collect(readCheckboxes(layout, DATA_RETRIEVAL, start)),
  };
}
