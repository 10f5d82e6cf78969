// The federation benchmark's report: per query, one row per target summarising its rounds (medians, with the
// range of requests/s), printed and written to bench/results/latest-federation.{md,json}.
import { failed, type RunResult } from './measure-run.ts';

export interface QueryResults {
  /** e.g. TestQuery */
  name: string;
  query: string;
  connections: number;
  /** Requests per second over all connections, when the load ran at a fixed rate. */
  overallRate?: number;
  responseBytes: number;
  /** The target the others' p50 is compared with (the subgraph answering directly). */
  baseline?: string;
  runs: RunResult[];
}

export interface FederationReport {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  loadAverage: { before: number[]; after: number[] };
  rounds: number;
  warmupSeconds: number;
  durationSeconds: number;
  timeoutSeconds: number;
  router: string;
  queries: QueryResults[];
}

export interface TargetSummary {
  target: string;
  requestsPerSecond: { median: number; min: number; max: number };
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: { median: number; min: number; max: number };
  subgraphRequestsPerOperation: number;
  subgraphCpuMsPerRequest: number;
  rssMiB: { maxDuringLoad: number; afterLastRun: number };
  failedRuns: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const spread = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

export function summarise(runs: RunResult[]): TargetSummary[] {
  const targets = [...new Set(runs.map((run) => run.target))];
  return targets.map((target) => {
    const mine = runs.filter((run) => run.target === target).sort((a, b) => a.round - b.round);
    return {
      target,
      requestsPerSecond: spread(mine.map((run) => run.requestsPerSecond)),
      p50Ms: median(mine.map((run) => run.latencyMs.p50)),
      p99Ms: median(mine.map((run) => run.latencyMs.p99)),
      cpuMsPerRequest: spread(mine.map((run) => run.cpuMsPerRequest)),
      subgraphRequestsPerOperation: median(mine.map((run) => run.subgraphRequestsPerOperation)),
      subgraphCpuMsPerRequest: median(mine.map((run) => run.subgraphCpuMsPerRequest)),
      rssMiB: {
        maxDuringLoad: Math.max(...mine.map((run) => run.rssMiB.maxDuringLoad)),
        afterLastRun: mine.at(-1)!.rssMiB.afterLoad,
      },
      failedRuns: mine.filter(failed).length,
    };
  });
}

const fixed = (value: number, digits: number) => value.toFixed(digits);
const range = (s: { min: number; max: number }, digits: number) =>
  `${fixed(s.min, digits)}–${fixed(s.max, digits)}`;

function table(summaries: TargetSummary[]): string {
  const rows = [
    [
      'target',
      'req/s (median)',
      'req/s (min–max)',
      'p50 ms',
      'p99 ms',
      'CPU ms/req',
      'max RSS under load (MiB)',
      'RSS after (MiB)',
      'subgraph req/op',
      'subgraph CPU ms/req',
      'failed runs',
    ],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ...summaries.map((s) => [
      s.target,
      fixed(s.requestsPerSecond.median, 0),
      range(s.requestsPerSecond, 0),
      String(s.p50Ms),
      String(s.p99Ms),
      `${fixed(s.cpuMsPerRequest.median, 2)} (${range(s.cpuMsPerRequest, 2)})`,
      fixed(s.rssMiB.maxDuringLoad, 0),
      fixed(s.rssMiB.afterLastRun, 0),
      fixed(s.subgraphRequestsPerOperation, 2),
      fixed(s.subgraphCpuMsPerRequest, 2),
      String(s.failedRuns),
    ]),
  ];
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function markdownReport(report: FederationReport): string {
  const load = (values: number[]) => values.map((l) => fixed(l, 2)).join('/');
  const lines = [
    '# Federation benchmark',
    '',
    `\`npm run bench:federation\` on ${report.date}: Node ${report.node}, ${report.cpus} × ${report.cpuModel}. ` +
      'The four subgraphs of the public federation benchmark (graphql-hive/graphql-gateways-benchmark) in ' +
      'bench/federation/subgraphs, each in its own process (their data never changes: each executes a distinct ' +
      'request body once and sends the same reply again for it); every gateway in its own process on the same ' +
      `supergraph. ${report.rounds} interleaved rounds (each round runs every target once, the order rotating), ` +
      `${report.warmupSeconds} s warm-up then ${report.durationSeconds} s measured per run (autocannon). ` +
      'Every target returned identical data for each query before the load; every body under load must equal ' +
      'the checked one. CPU from /proc/<pid>/stat, memory from /proc/<pid>/status. A failed run had a non-2xx ' +
      `response, a socket error, a request without a response after ${report.timeoutSeconds} s or a body unlike ` +
      'the checked one. Subgraph requests are counted by the subgraphs themselves.',
    '',
    `Our router runs with ${report.router}.`,
    '',
  ];
  for (const query of report.queries) {
    const summaries = summarise(query.runs);
    lines.push(
      `## ${query.name} (${query.connections} connections${query.overallRate ? `, ${query.overallRate} requests/s in all` : ''}, ${query.responseBytes} bytes per response)`,
      '',
      table(summaries),
      '',
    );
    const baseline = summaries.find((s) => s.target === query.baseline);
    if (baseline) {
      const overheads = summaries
        .filter((s) => s !== baseline)
        .map((s) => `${s.target} +${fixed(s.p50Ms - baseline.p50Ms, 0)} ms`);
      lines.push(`p50 over the ${baseline.target}: ${overheads.join(', ')}.`, '');
    }
  }
  lines.push(
    `Load average (1/5/15 min) before ${load(report.loadAverage.before)}, after ${load(report.loadAverage.after)}: ` +
      'with other work on the machine, compare CPU per request rather than requests/s.',
    '',
  );
  return lines.join('\n');
}
