// The router benchmark's report: one markdown table (stdout and bench/results/latest-router.md) and the raw
// numbers (bench/results/latest-router.json), formatted with the project's prettier config.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import prettier from 'prettier';
import type { Result } from 'autocannon';

export interface MemorySamples {
  /** VmRSS after startup and the single checked request, before the warm-up (MiB). */
  idleMiB: number;
  /** VmRSS after the warm-up, before the measured run (MiB). */
  afterWarmupMiB: number;
  /** Highest VmRSS sampled during the measured run (MiB). */
  maxDuringLoadMiB: number;
  /** VmRSS right after the measured run (MiB). */
  afterMiB: number;
  /** VmHWM: the process's peak RSS since it started (MiB). */
  peakMiB: number;
}

export interface TargetResult {
  target: string;
  url: string;
  /** Which process served the requests (its memory is the one reported). */
  process: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; average: number; max: number };
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses whose body differed from the checked body of the single request before the run. */
  mismatches: number;
  memory: MemorySamples;
  /**
   * CPU time per response during the measured run (user + system, from /proc): of the process serving the
   * target, and of the subgraph processes behind it (0 for a subgraph measured directly). Less sensitive than
   * req/s to other load on the machine.
   */
  cpuMsPerRequest: { server: number; subgraphs: number };
  /** autocannon's result of the measured run, as returned. */
  raw: Result;
}

export interface Report {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  /** os.loadavg() (1, 5, 15 minutes) before and after the run: other load on the machine skews req/s. */
  loadAverage: { before: number[]; after: number[] };
  database: string;
  query: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  targets: TargetResult[];
}

export function passed(result: TargetResult): boolean {
  return (
    result.responses > 0 &&
    result.non2xx === 0 &&
    result.errors === 0 &&
    result.timeouts === 0 &&
    result.mismatches === 0
  );
}

const round = (value: number, digits = 1) => value.toFixed(digits);

export function markdownTable(targets: TargetResult[]): string {
  const rows = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'RSS after (MiB)', 'peak RSS (MiB)'],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:'],
    ...targets.map((t) => [
      t.target,
      round(t.requestsPerSecond, 0),
      String(t.latencyMs.p50),
      String(t.latencyMs.p99),
      String(t.non2xx),
      round(t.memory.afterMiB),
      round(t.memory.peakMiB),
    ]),
  ];
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function markdownReport(report: Report): string {
  const lines = [
    '# Router benchmark',
    '',
    `\`npm run bench\` on ${report.date}: Node ${report.node}, ${report.cpus} × ${report.cpuModel}, ` +
      `PostgreSQL from ${report.database}. Every target answers \`${report.query}\` with a bearer token; ` +
      `${report.connections} connections, ${report.warmupSeconds} s warm-up, then ${report.durationSeconds} s measured ` +
      `(autocannon in the bench process; each server in its own process, memory read from /proc/<pid>/status).`,
    '',
    markdownTable(report.targets),
    '',
    `Load average (1/5/15 min) before ${report.loadAverage.before.map((l) => round(l, 2)).join('/')}, ` +
      `after ${report.loadAverage.after.map((l) => round(l, 2)).join('/')}: ` +
      'with other work on the machine, compare CPU per request rather than req/s.',
    '',
    ...report.targets.map(
      (t) =>
        `- ${t.target}: ${t.responses} responses, ${t.non2xx} non-2xx, ${t.errors} errors, ` +
        `${t.timeouts} timeouts, ${t.mismatches} bodies different from the checked one` +
        `${passed(t) ? '' : ' — FAILED'}; p90 ${t.latencyMs.p90} ms, max ${t.latencyMs.max} ms; ` +
        `CPU per request ${round(t.cpuMsPerRequest.server, 2)} ms` +
        `${t.cpuMsPerRequest.subgraphs ? ` (+ ${round(t.cpuMsPerRequest.subgraphs, 2)} ms in the subgraphs)` : ''}; ` +
        `RSS idle ${round(t.memory.idleMiB)} MiB, after warm-up ${round(t.memory.afterWarmupMiB)} MiB, ` +
        `max during the run ${round(t.memory.maxDuringLoadMiB)} MiB.`,
    ),
    '',
  ];
  return lines.join('\n');
}

export async function writeReport(report: Report, directory: string): Promise<string[]> {
  return writeResults(directory, 'router', markdownReport(report), report);
}

/** Writes `latest-<name>.md` and `latest-<name>.json` in `directory`, formatted with the project's prettier config. */
export async function writeResults(
  directory: string,
  name: string,
  markdown: string,
  data: unknown,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const markdownFile = path.join(directory, `latest-${name}.md`);
  const jsonFile = path.join(directory, `latest-${name}.json`);
  const format = async (file: string, text: string) =>
    prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
  await writeFile(markdownFile, await format(markdownFile, markdown));
  await writeFile(jsonFile, await format(jsonFile, JSON.stringify(data, null, 2)));
  return [markdownFile, jsonFile];
}
