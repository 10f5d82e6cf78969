// One target of a load benchmark: wait until it answers, check one reply, warm up, then measure requests per
// second, latency, the target's memory and the CPU time per request of the target and of the subgraphs behind it.
import { expectData, runLoad, send, type GraphQLRequest, type Reply } from './load.ts';
import { readCpuMs, readMemory, waitFor, type Child } from './processes.ts';
import type { TargetResult } from './report.ts';

export interface LoadSettings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
}

/** A positive integer setting from the environment, or `fallback` when unset. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

/**
 * BENCH_DURATION_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10), BENCH_LOG_LEVEL (silent; the
 * servers' log level, their output is kept for error messages).
 */
export function benchSettings(): LoadSettings & { logLevel: string } {
  return {
    durationSeconds: positiveInt('BENCH_DURATION_SECONDS', 10),
    warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', 2),
    connections: positiveInt('BENCH_CONNECTIONS', 10),
    logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
  };
}

export interface Target {
  name: string;
  url: string;
  /** The process serving `url`. */
  child: Child;
  /** The subgraph processes that do the work behind it (the target itself when it is a subgraph). */
  behind: Child[];
}

const toMiB = (kiB: number) => Math.round((kiB / 1024) * 10) / 10;

async function totalCpuMs(children: Child[]): Promise<number> {
  let total = 0;
  for (const child of children) total += await readCpuMs(child.pid);
  return total;
}

/**
 * Waits until the target answers the request with something else than 503, lets `check` throw on a wrong reply,
 * then loads it: every response body of the run must equal the checked one.
 */
export async function measure(
  target: Target,
  request: GraphQLRequest,
  check: (reply: Reply) => void,
  settings: LoadSettings,
): Promise<TargetResult> {
  const { child, url } = target;
  let reply: Reply | undefined;
  await waitFor(
    `${target.name} to answer`,
    async () => {
      reply = await send(url, request);
      return reply.status !== 503;
    },
    child,
  );
  const checked = expectData(`${target.name}: the checked request`, reply as Reply);
  check(checked);

  const memory = async () => (await readMemory(child.pid)).rssKiB;
  const idle = await memory();
  console.log(
    `${target.name}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s with ` +
      `${settings.connections} connections`,
  );
  const load = { url, request, connections: settings.connections, expectBody: checked.text };
  await runLoad({ ...load, durationSeconds: settings.warmupSeconds });
  const afterWarmup = await memory();

  let maxDuringLoad = afterWarmup;
  const sampler = setInterval(() => {
    memory().then(
      (rss) => (maxDuringLoad = Math.max(maxDuringLoad, rss)),
      () => {},
    );
  }, 250);
  const behind = target.behind.filter((c) => c !== child);
  const cpuBefore = [await readCpuMs(child.pid), await totalCpuMs(behind)] as const;
  let raw;
  try {
    raw = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  } finally {
    clearInterval(sampler);
  }
  const cpuAfter = [await readCpuMs(child.pid), await totalCpuMs(behind)] as const;
  const exit = child.exited();
  if (exit) throw new Error(`${child.name} exited during the run (code ${exit.code}):\n${child.output()}`);
  const after = await readMemory(child.pid);
  const responses = raw['2xx'] + raw.non2xx;
  const perRequest = (ms: number) => Math.round((ms / Math.max(responses, 1)) * 1000) / 1000;

  return {
    target: target.name,
    url,
    process: child.name,
    requestsPerSecond: raw.requests.average,
    latencyMs: {
      p50: raw.latency.p50,
      p90: raw.latency.p90,
      p99: raw.latency.p99,
      average: raw.latency.average,
      max: raw.latency.max,
    },
    responses,
    non2xx: raw.non2xx,
    errors: raw.errors,
    timeouts: raw.timeouts,
    mismatches: raw.mismatches,
    memory: {
      idleMiB: toMiB(idle),
      afterWarmupMiB: toMiB(afterWarmup),
      maxDuringLoadMiB: toMiB(Math.max(maxDuringLoad, after.rssKiB)),
      afterMiB: toMiB(after.rssKiB),
      peakMiB: toMiB(after.peakKiB),
    },
    cpuMsPerRequest: {
      server: perRequest(cpuAfter[0] - cpuBefore[0]),
      subgraphs: behind.length ? perRequest(cpuAfter[1] - cpuBefore[1]) : 0,
    },
    raw,
  };
}
