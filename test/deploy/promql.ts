// The metric names a PromQL expression reads, for checking dashboards and alert rules against the metrics the
// code defines. Not a PromQL parser: it drops what cannot hold a metric name (strings, label matchers, ranges,
// grouping clauses, Grafana variables) and keeps the identifiers that are not function calls or keywords.

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

export function metricNamesIn(expr: string): string[] {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of cleaned.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const before = cleaned[match.index - 1];
    if (before && /[\w.]/.test(before)) continue; // inside a number such as 1e3 or 0.5
    const after = cleaned.slice(match.index + match[0].length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}
