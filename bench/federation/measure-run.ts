// One measured run of one target: warm-up, then autocannon for the set duration, with the target's CPU and memory
// read from /proc and the subgraphs' request counters and CPU read before and after.
import { expectData, requestBody, requestHeaders, runLoad, send, type GraphQLRequest } from '../load.ts';
import { readCpuMs, readMemory, type Child } from '../processes.ts';
import type { Subgraph } from './processes.ts';

export interface RunTarget {
  name: string;
  url: string;
  /** The process serving `url`: a gateway, or the subgraph itself for the direct baseline. */
  child: Child;
}

export interface RunSettings {
  connections: number;
  /** A fixed request rate (latency without queueing), or as fast as the target answers. */
  overallRate?: number;
  /** Past this a request counts as timed out (a failure); latencies up to it are reported as measured. */
  timeoutSeconds: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface RunResult {
  target: string;
  round: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  responses: number;
  /** Non-2xx responses, socket errors, timeouts, bodies unlike the checked one. */
  failures: { non2xx: number; errors: number; timeouts: number; mismatches: number };
  /** CPU (user + system) of the target's process per response. */
  cpuMsPerRequest: number;
  /** Requests the subgraphs received per response (the direct baseline's own request counted). */
  subgraphRequestsPerOperation: number;
  /** CPU of the subgraph processes per response, the target itself excluded. */
  subgraphCpuMsPerRequest: number;
  rssMiB: { maxDuringLoad: number; afterLoad: number; peakSinceStart: number };
}

const toMiB = (kiB: number) => Math.round(kiB / 102.4) / 10;
const perResponse = (total: number, responses: number) =>
  Math.round((total / Math.max(responses, 1)) * 1000) / 1000;

async function subgraphTotals(subgraphs: readonly Subgraph[], exclude: Child) {
  let requests = 0;
  let cpuMs = 0;
  for (const subgraph of subgraphs) {
    requests += await subgraph.requests();
    if (subgraph.child !== exclude) cpuMs += await readCpuMs(subgraph.child.pid);
  }
  return { requests, cpuMs };
}

/**
 * Waits for one more reply: it queues behind the requests still in flight when autocannon stopped, so that the
 * next run does not share the machine with this target's backlog (which can take seconds on a busy machine).
 */
async function drain(url: string, request: GraphQLRequest): Promise<void> {
  const headers = requestHeaders(request);
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: requestBody(request),
    signal: AbortSignal.timeout(120_000),
  });
  await response.arrayBuffer();
}

export async function measureRun(
  target: RunTarget,
  round: number,
  request: GraphQLRequest,
  settings: RunSettings,
  subgraphs: readonly Subgraph[],
): Promise<RunResult> {
  const { child, url } = target;
  // Every body of the run must equal this one (its text, which differs in whitespace between targets).
  const checked = expectData(`${target.name}: the checked request`, await send(url, request));
  const load = {
    url,
    request,
    connections: settings.connections,
    overallRate: settings.overallRate,
    expectBody: checked.text,
    timeoutSeconds: settings.timeoutSeconds,
  };
  await runLoad({ ...load, durationSeconds: settings.warmupSeconds });
  await drain(url, request);

  const memory = async () => (await readMemory(child.pid)).rssKiB;
  let maxDuringLoad = await memory();
  const sampler = setInterval(() => {
    memory().then(
      (rss) => (maxDuringLoad = Math.max(maxDuringLoad, rss)),
      () => {},
    );
  }, 250);
  const cpuBefore = await readCpuMs(child.pid);
  const subgraphsBefore = await subgraphTotals(subgraphs, child);
  let raw;
  try {
    raw = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  } finally {
    clearInterval(sampler);
  }
  const cpuAfter = await readCpuMs(child.pid);
  const subgraphsAfter = await subgraphTotals(subgraphs, child);
  const exit = child.exited();
  if (exit) throw new Error(`${child.name} exited during the run (code ${exit.code}):\n${child.output()}`);
  const after = await readMemory(child.pid);
  await drain(url, request);
  const responses = raw['2xx'] + raw.non2xx;

  return {
    target: target.name,
    round,
    requestsPerSecond: raw.requests.average,
    latencyMs: { p50: raw.latency.p50, p99: raw.latency.p99 },
    responses,
    failures: { non2xx: raw.non2xx, errors: raw.errors, timeouts: raw.timeouts, mismatches: raw.mismatches },
    cpuMsPerRequest: perResponse(cpuAfter - cpuBefore, responses),
    subgraphRequestsPerOperation: perResponse(subgraphsAfter.requests - subgraphsBefore.requests, responses),
    subgraphCpuMsPerRequest: perResponse(subgraphsAfter.cpuMs - subgraphsBefore.cpuMs, responses),
    rssMiB: {
      maxDuringLoad: toMiB(Math.max(maxDuringLoad, after.rssKiB)),
      afterLoad: toMiB(after.rssKiB),
      peakSinceStart: toMiB(after.peakKiB),
    },
  };
}

export function failed(run: RunResult): boolean {
  const { non2xx, errors, timeouts, mismatches } = run.failures;
  return run.responses === 0 || non2xx + errors + timeouts + mismatches > 0;
}
