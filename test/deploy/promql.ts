// PromQL of the dashboards and alert rules, read with Prometheus' own grammar (@prometheus-io/lezer-promql, the
// parser of Prometheus' web UI): the metric names an expression selects, and where it does not parse.
import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's interval variables, which Grafana replaces with a duration before Prometheus sees the query. */
const GRAFANA_INTERVALS = /\$__(?:rate_interval|interval|range)\b/g;

export function readPromql(query: string): { metrics: string[]; errors: string[] } {
  const expr = query.replace(GRAFANA_INTERVALS, '5m');
  const metrics = new Set<string>();
  const errors: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError)
      errors.push(`does not parse at ${cursor.from}: "${expr.slice(cursor.from, cursor.from + 20)}"`);
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector')
      metrics.add(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return { metrics: [...metrics], errors };
}
