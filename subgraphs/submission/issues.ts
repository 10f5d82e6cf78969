// A submission's issues. Two kinds:
// - stored: what the reader said at import (its issues, and every value read with confidence under
//   LOW_CONFIDENCE_THRESHOLD), plus FILE_NOT_STORED. Correcting (or confirming) the value at an issue's path
//   resolves it: kept, with who and when.
// - rules: what the submission breaks now (no samples, a sample without a name, two samples of one name, a
//   measurement no sample reaches, a required answer of the quote's form left empty), computed from the current
//   data every time, so they go away when the data is fixed. They guard acceptance: each would make a sample the
//   samples subgraph refuses or merges, or one the lab cannot process.
// Row paths are `rows[N]...` where N is the row's rowNumber (not an index).
import type { RowKind, SubmissionSource } from '../../generated/prisma/submission/client.ts';
import { readForm } from './submission-data.ts';

export type IssueSeverity = 'ERROR' | 'WARNING' | 'INFO';

export interface StoredIssue {
  path: string;
  rowNumber: number | null;
  severity: IssueSeverity;
  code: string;
  message: string;
  /** ISO time; null while open. Always null for rule issues. */
  resolvedAt: string | null;
  resolvedById: string | null;
}

/** A value read with less confidence than this is listed for review. */
export const LOW_CONFIDENCE_THRESHOLD = 0.8;

/** The longest sample name the samples subgraph takes. */
export const MAX_SAMPLE_NAME = 200;

/** Bounds no real sample reaches (the samples subgraph refuses values past them: subgraphs/samples/measurements.ts). */
export const MEASUREMENT_LIMITS: Readonly<Record<string, number>> = {
  volumeUl: 10_000,
  qubitNgPerUl: 10_000,
  nanodropNgPerUl: 10_000,
  concentrationNgPerUl: 10_000,
  a260_280: 5,
  a260_230: 5,
};

export function issue(
  path: string,
  severity: IssueSeverity,
  code: string,
  message: string,
  rowNumber: number | null = null,
): StoredIssue {
  return { path, rowNumber, severity, code, message, resolvedAt: null, resolvedById: null };
}

/** The reader's lower-case severities as ours. */
export function toSeverity(severity: 'error' | 'warning' | 'info'): IssueSeverity {
  return severity === 'error' ? 'ERROR' : severity === 'warning' ? 'WARNING' : 'INFO';
}

/** Whether `path` is the corrected path or lies inside it (form.libraryKit covers form.libraryKit.options[1]). */
function isWithin(path: string, corrected: string): boolean {
  return path === corrected || path.startsWith(`${corrected}.`) || path.startsWith(`${corrected}[`);
}

/** The issues with every open one at or inside `paths` resolved by `userId` at `now`. */
export function resolveIssues(
  issues: readonly StoredIssue[],
  paths: readonly string[],
  userId: string,
  now: Date,
): StoredIssue[] {
  return issues.map((i) =>
    i.resolvedAt === null && paths.some((p) => isWithin(i.path, p))
      ? { ...i, resolvedAt: now.toISOString(), resolvedById: userId }
      : i,
  );
}

const SEVERITY_ORDER: Record<IssueSeverity, number> = { ERROR: 0, WARNING: 1, INFO: 2 };

/** Errors first, then warnings, then info; in the order found within each. */
export function sortIssues(issues: readonly StoredIssue[]): StoredIssue[] {
  return [...issues].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/** What the rules read of a row. */
export interface RuleRow {
  rowNumber: number;
  sampleName: string | null;
  kind: RowKind;
  volumeUl: number | null;
  qubitNgPerUl: number | null;
  nanodropNgPerUl: number | null;
  a260_280: number | null;
  a260_230: number | null;
  concentrationNgPerUl: number | null;
}

/** What the rules read of the submission itself. */
export interface RuleSubject {
  source: SubmissionSource;
  /** The form column (JSON). */
  form: unknown;
}

/** The quote form's required questions (docs/domain.md): a quote cannot be accepted with one unanswered. */
function formIssues(subject: RuleSubject): StoredIssue[] {
  // A quote read from a scan, an image or a document answers the same questions; a sheet's rows carry them.
  if (subject.source === 'CSV' || subject.source === 'MANUAL') return [];
  const form = readForm(subject.form);
  const missing: [string, boolean, string][] = [
    [
      'form.libraryKit',
      form.libraryKit === null,
      'the library kit ("I will be submitting DNA for") is not chosen',
    ],
    ['form.sampleTypes', form.sampleTypes.length === 0, 'no Type of Sample is chosen'],
    [
      'form.containsHumanDna',
      form.containsHumanDna === null,
      '"Do these samples contain human DNA?" is not answered',
    ],
  ];
  return missing
    .filter(([, absent]) => absent)
    .map(([path, , message]) => issue(path, 'ERROR', 'REQUIRED_ANSWER_MISSING', message));
}

/** The rules the submission breaks now (see the top of this file). */
export function ruleIssues(subject: RuleSubject, rows: readonly RuleRow[]): StoredIssue[] {
  const issues: StoredIssue[] = formIssues(subject);
  const samples = rows.filter((r) => r.kind !== 'EMPTY');
  if (samples.length === 0) {
    issues.push(issue('rows', 'ERROR', 'NO_SAMPLES', 'no row holds a sample or a control'));
  }
  const byName = new Map<string, number>();
  for (const row of samples) {
    const at = (field: string) => `rows[${row.rowNumber}].${field}`;
    const name = row.sampleName?.trim() ?? '';
    if (!name) {
      issues.push(
        issue(
          at('sampleName'),
          'ERROR',
          'SAMPLE_NAME_MISSING',
          `row ${row.rowNumber} is a ${row.kind.toLowerCase()} without a sample name (give it one, or mark the row EMPTY)`,
          row.rowNumber,
        ),
      );
    } else if (name.length > MAX_SAMPLE_NAME) {
      issues.push(
        issue(
          at('sampleName'),
          'ERROR',
          'SAMPLE_NAME_TOO_LONG',
          `row ${row.rowNumber}: a sample name has at most ${MAX_SAMPLE_NAME} characters`,
          row.rowNumber,
        ),
      );
    } else {
      const first = byName.get(name);
      if (first === undefined) byName.set(name, row.rowNumber);
      else {
        issues.push(
          issue(
            at('sampleName'),
            'ERROR',
            'DUPLICATE_SAMPLE_NAME',
            `row ${row.rowNumber}: sample name "${name}" is already used by row ${first}`,
            row.rowNumber,
          ),
        );
      }
    }
    for (const [field, max] of Object.entries(MEASUREMENT_LIMITS)) {
      const value = row[field as keyof RuleRow] as number | null;
      if (value !== null && (!Number.isFinite(value) || value < 0 || value > max)) {
        issues.push(
          issue(
            at(field),
            'ERROR',
            'MEASUREMENT_OUT_OF_RANGE',
            `row ${row.rowNumber}: ${field} ${value} is outside 0 to ${max}`,
            row.rowNumber,
          ),
        );
      }
    }
  }
  return issues;
}

/** Open stored issues and current rule issues, errors first. */
export function openIssues(
  subject: RuleSubject & { issues: unknown },
  rows: readonly RuleRow[],
): StoredIssue[] {
  const stored = subject.issues as StoredIssue[];
  return sortIssues([...stored.filter((i) => i.resolvedAt === null), ...ruleIssues(subject, rows)]);
}

/** The open issues that block acceptance. */
export function blockingIssues(
  subject: RuleSubject & { issues: unknown },
  rows: readonly RuleRow[],
): StoredIssue[] {
  return openIssues(subject, rows).filter((i) => i.severity === 'ERROR');
}
