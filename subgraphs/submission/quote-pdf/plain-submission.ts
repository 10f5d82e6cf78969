// The submission without provenance: just the values, in the contract's shape (what a sheet upload would give),
// and a walk over every extracted value with its path (for storing confidences or listing doubts).
import type { Extracted, ParsedSubmission } from './types.ts';

const isExtracted = (value: unknown): value is Extracted<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  'confidence' in value &&
  'method' in value &&
  'value' in value;

type Plain<T> =
  T extends Extracted<infer V>
    ? V
    : T extends Array<infer E>
      ? Array<Plain<E>>
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

export type PlainSubmission = Plain<Omit<ParsedSubmission, 'issues'>>;

function strip(value: unknown): unknown {
  if (isExtracted(value)) return value.value;
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, strip(inner)]));
  }
  return value;
}

export function toPlainSubmission(submission: ParsedSubmission): PlainSubmission {
  const { issues: _issues, ...rest } = submission;
  return strip(rest) as PlainSubmission;
}

/** Calls `visit` for every extracted value, with its path (`form.sampleTypes`, `rows[3].volumeUl`). */
export function forEachExtracted(
  submission: ParsedSubmission,
  visit: (path: string, value: Extracted<unknown>) => void,
): void {
  const walk = (value: unknown, path: string): void => {
    if (isExtracted(value)) {
      visit(path, value);
      return;
    }
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    }
  };
  const { issues: _issues, ...rest } = submission;
  walk(rest, '');
}
