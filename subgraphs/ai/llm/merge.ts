// The model's values next to the values a rule reader (the quote reader's geometry, OCR, the pixels) already has
// for the same submission. The model never overrides a confident rule value: where both have a path, a rule value
// of confidence >= RULE_WINS_CONFIDENCE stays, and a different model value becomes an LLM_DISAGREES issue for
// review. A less confident rule value gives way to a grounded model value that is more confident than it.
import type { DraftIssue, DraftValue } from './grounding.ts';

export const RULE_WINS_CONFIDENCE = 0.8;

/** Values compared as the reader sees them: strings by their letters and digits, case aside. */
function same(a: DraftValue['value'], b: DraftValue['value']): boolean {
  if (typeof a === 'string' && typeof b === 'string')
    return (
      a.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '') === b.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')
    );
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9;
  return a === b;
}

export function mergeWithRules(
  llmValues: DraftValue[],
  ruleValues: DraftValue[],
): { values: DraftValue[]; issues: DraftIssue[] } {
  const byPath = new Map(ruleValues.map((value) => [value.path, value]));
  const values: DraftValue[] = [...ruleValues];
  const issues: DraftIssue[] = [];
  for (const proposed of llmValues) {
    const rule = byPath.get(proposed.path);
    if (!rule) {
      values.push(proposed);
      continue;
    }
    if (same(rule.value, proposed.value)) continue;
    if (rule.confidence >= RULE_WINS_CONFIDENCE || rule.confidence >= proposed.confidence) {
      issues.push({
        path: proposed.path,
        code: 'LLM_DISAGREES',
        message:
          `The ${rule.method} reading ${JSON.stringify(rule.value).slice(0, 200)} was kept; the model read ` +
          `${JSON.stringify(proposed.value).slice(0, 200)}.`,
      });
      continue;
    }
    values[values.indexOf(rule)] = proposed;
  }
  return { values, issues };
}
