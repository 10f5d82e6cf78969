// A checkbox or radio question: find its heading, the option lines under it, read each option's control
// (checkboxes.ts), map option texts to contract values, and apply the group's rule (a radio has exactly one
// answer). What cannot be read stays null and is listed as an issue; no option is ever assumed.
import { readControl, stripControlGlyph } from './checkboxes.ts';
import { extracted, issueFor, scoreConfidence } from './confidence.ts';
import { boxOf, findLine, pageOf, unionBoxes, type QuoteLayout, type TextLine } from './layout.ts';
import type {
  ChoiceReading,
  ConfidenceFlag,
  ExtractedChoice,
  ExtractionMethod,
  QuoteIssue,
} from './types.ts';

export interface ChoiceOption<T> {
  value: T;
  /** The option text exactly as the form prints it. */
  label: string;
  /** A looser match, for small wording changes in the form (flagged OPTION_TEXT_FUZZY). */
  loose: RegExp;
}

export interface ChoiceSpec<T> {
  path: string;
  heading: RegExp;
  required: boolean;
  /** Maps an option's text to its value; `exact` false when only a loose rule matched. */
  classify: (text: string) => { value: T; exact: boolean } | null;
  /** Values the form is expected to offer (to report options that disappeared). */
  expected: T[];
}

/** Most option lines read under one heading. */
const MAX_OPTIONS = 12;
/** Option text sits at least this far right of its heading, points. */
const MIN_INDENT = 6;

const squash = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ').trim();

export function classifyByOptions<T>(options: ChoiceOption<T>[]): ChoiceSpec<T>['classify'] {
  return (text) => {
    const exact = options.find((option) => squash(option.label) === squash(text));
    if (exact) return { value: exact.value, exact: true };
    const loose = options.find((option) => option.loose.test(text));
    return loose ? { value: loose.value, exact: false } : null;
  };
}

interface OptionLine {
  line: TextLine;
  text: string;
  reading: ChoiceReading;
  known: boolean;
}

const WORST_METHOD_ORDER: ExtractionMethod[] = ['not-found', 'inferred', 'absent', 'mark+geometry'];

function worstMethod(methods: ExtractionMethod[]): ExtractionMethod {
  for (const method of WORST_METHOD_ORDER) if (methods.includes(method)) return method;
  return 'mark+geometry';
}

function optionLines<T>(layout: QuoteLayout, heading: TextLine, spec: ChoiceSpec<T>): OptionLine[] {
  const found: OptionLine[] = [];
  for (let index = heading.index + 1; index < layout.lines.length && found.length < MAX_OPTIONS; index += 1) {
    const line = layout.lines[index]!;
    if (line.bold || line.page > heading.page + 1) break;
    const control = readControl(pageOf(layout, line), line);
    const indented = line.x > heading.x + MIN_INDENT;
    if (control.method === 'not-found' && !indented) break;
    const text = stripControlGlyph(line.text);
    const classified = spec.classify(text);
    const flags: ConfidenceFlag[] = [...control.flags];
    if (classified && !classified.exact) flags.push('OPTION_TEXT_FUZZY');
    found.push({
      line,
      text,
      known: classified !== null,
      reading: {
        value: classified === null ? text : String(classified.value),
        label: text,
        selected: control.selected,
        confidence: scoreConfidence(control.method, flags, control.fit),
        source: control.source,
        method: control.method,
        flags,
      },
    });
  }
  return found;
}

interface ChoiceResult<V> {
  field: ExtractedChoice<V>;
  issues: QuoteIssue[];
}

function readGroup<T>(
  layout: QuoteLayout,
  spec: ChoiceSpec<T>,
  from: number,
): { heading: TextLine | null; options: OptionLine[]; issues: QuoteIssue[] } {
  const heading = findLine(layout.lines, spec.heading, from);
  if (!heading) return { heading: null, options: [], issues: [] };
  const options = optionLines(layout, heading, spec);
  const issues: QuoteIssue[] = [];
  for (const option of options.filter((item) => !item.known)) {
    issues.push({
      path: spec.path,
      severity: option.reading.selected ? 'warning' : 'info',
      code: 'UNKNOWN_OPTION',
      message: `option "${option.text}" is not one the form is known to offer${option.reading.selected ? ' and it is ticked' : ''}`,
    });
  }
  const seen = new Set(options.filter((item) => item.known).map((item) => item.reading.value));
  for (const value of spec.expected.filter((item) => !seen.has(String(item)))) {
    issues.push({
      path: spec.path,
      severity: 'info',
      code: 'OPTION_MISSING',
      message: `the form no longer shows the option for ${String(value)}`,
    });
  }
  return { heading, options, issues };
}

function notFound<V>(spec: ChoiceSpec<unknown>, empty: V): ChoiceResult<V> {
  const field = { ...extracted(empty, 'not-found'), options: [] };
  const issue = issueFor(spec.path, field, spec.required);
  return { field, issues: issue ? [issue] : [] };
}

function finish<V>(
  spec: ChoiceSpec<unknown>,
  group: { heading: TextLine; options: OptionLine[]; issues: QuoteIssue[] },
  value: V,
  extraFlags: ConfidenceFlag[],
): ChoiceResult<V> {
  const readings = group.options.map((option) => option.reading);
  const chosen = group.options.filter((option) => option.reading.selected === true);
  const flags = [...new Set([...readings.flatMap((reading) => reading.flags), ...extraFlags])];
  const fit = Math.min(1, ...readings.map((reading) => (reading.selected === null ? 0 : 1)));
  const source =
    unionBoxes(
      chosen.map((option) => option.reading.source).filter((box) => box?.page === chosen[0]?.line.page),
    ) ?? boxOf(group.heading.items);
  const base = extracted(value, worstMethod(readings.map((reading) => reading.method)), {
    source,
    raw: chosen.map((option) => option.text).join('; ') || null,
    flags,
    fit,
  });
  const confidence = Math.min(base.confidence, ...readings.map((reading) => reading.confidence));
  const field = { ...base, confidence, options: readings };
  const issues = [...group.issues];
  const issue = issueFor(spec.path, field, spec.required);
  if (issue) issues.push(issue);
  return { field, issues };
}

/** A radio question: the one ticked option's value, or null (never a guess). */
export function readRadio<T>(layout: QuoteLayout, spec: ChoiceSpec<T>, from = 0): ChoiceResult<T | null> {
  const group = readGroup(layout, spec, from);
  if (!group.heading || group.options.length === 0) return notFound(spec, null);
  const heading = group.heading;
  const chosen = group.options.filter((option) => option.reading.selected === true);
  const unreadable = group.options.some((option) => option.reading.selected === null);
  const extraFlags: ConfidenceFlag[] = [];
  const issues = [...group.issues];
  let value: T | null = null;
  if (chosen.length === 1 && chosen[0]!.known) {
    value = spec.classify(chosen[0]!.text)!.value;
    if (unreadable) extraFlags.push('AMBIGUOUS_MARK');
  } else if (chosen.length > 1) {
    extraFlags.push('GROUP_RULE_BROKEN');
    issues.push({
      path: spec.path,
      severity: 'warning',
      code: 'SEVERAL_SELECTED',
      message: `${chosen.length} options are ticked where one is allowed: ${chosen.map((option) => option.text).join('; ')}`,
    });
  } else if (chosen.length === 0 && !unreadable && spec.required) {
    issues.push({
      path: spec.path,
      severity: 'warning',
      code: 'REQUIRED_MISSING',
      message: 'no option is ticked',
    });
  }
  return finish(spec, { heading, options: group.options, issues }, value, extraFlags);
}

/** A checkbox question: the values of every ticked option (an empty list when none is ticked). */
export function readCheckboxes<T>(layout: QuoteLayout, spec: ChoiceSpec<T>, from = 0): ChoiceResult<T[]> {
  const group = readGroup(layout, spec, from);
  if (!group.heading || group.options.length === 0) return notFound(spec, []);
  const heading = group.heading;
  const chosen = group.options.filter((option) => option.reading.selected === true && option.known);
  const unreadable = group.options.some((option) => option.reading.selected === null);
  const values = [...new Set(chosen.map((option) => spec.classify(option.text)!.value))];
  const issues = [...group.issues];
  if (values.length === 0 && !unreadable && spec.required) {
    issues.push({
      path: spec.path,
      severity: 'warning',
      code: 'REQUIRED_MISSING',
      message: 'no option is ticked',
    });
  }
  return finish(
    spec,
    { heading, options: group.options, issues },
    values,
    unreadable ? ['AMBIGUOUS_MARK'] : [],
  );
}
