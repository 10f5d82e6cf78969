// `npx tsx bench/hostile-queries.ts`: what small hostile queries do to the router, before and after the linear
// operation limits. The subgraphs run as in `npm run bench`; two routers take turns in front of them: the current
// one and the router of a baseline commit (default: where this branch left main), each in its own process.
//
// 1. A ladder: one fragment fan-out (`fragmentFanOut(levels)`: a query of `levels` fragments each spreading the
//    next twice) per level, on a fresh router: how long the answer takes and the router's peak RSS. A level
//    that does not answer within BENCH_REQUEST_TIMEOUT_SECONDS ends the ladder (that router is killed).
// 2. Rounds, interleaved (baseline then current, then the other way round): /health latency and RSS while idle,
//    then while a client sends the 30-level fan-out and 2,000 aliased __typename in a loop.
//
// Settings: BENCH_DATABASE_URL or TEST_DATABASE_URL (default: an embedded PostgreSQL), BENCH_BASELINE_REF
// (default: `git merge-base HEAD main`), BENCH_ROUNDS (2), BENCH_IDLE_SECONDS (5), BENCH_ATTACK_SECONDS (10),
// BENCH_ATTACK_CONNECTIONS (2), BENCH_REQUEST_TIMEOUT_SECONDS (20), BENCH_ROUTER_HEAP_MIB (1024: each router's
// --max-old-space-size), BENCH_LOG_LEVEL (silent).
// Localhost only; every loop ends with its window.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { aliasedTypenames, fragmentFanOut } from '../test/helpers/hostile-queries.ts';
import { isReady, readCpuMs, readMemory, root, startChild, waitFor, type Child } from './processes.ts';
import { positiveInt } from './measure.ts';
import { writeResults } from './report.ts';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import { startBenchSubgraphs, type BenchSubgraphs } from './subgraphs.ts';

const settings = {
  rounds: positiveInt('BENCH_ROUNDS', 2),
  idleSeconds: positiveInt('BENCH_IDLE_SECONDS', 5),
  attackSeconds: positiveInt('BENCH_ATTACK_SECONDS', 10),
  attackConnections: positiveInt('BENCH_ATTACK_CONNECTIONS', 2),
  requestTimeoutSeconds: positiveInt('BENCH_REQUEST_TIMEOUT_SECONDS', 20),
  heapMiB: positiveInt('BENCH_ROUTER_HEAP_MIB', 1024),
  logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
};
const ladderLevels = [10, 14, 16, 18, 20, 22, 30];
const healthTimeoutMs = 2_000;
const attackQueries = [fragmentFanOut(30), aliasedTypenames(2000)];

type Variant = 'baseline' | 'current';

interface RouterProcess {
  variant: Variant;
  child: Child;
  origin: string;
}

/** The baseline commit's tree in a temporary directory, with this checkout's node_modules and generated code. */
async function checkoutBaseline(ref: string): Promise<{ dir: string; commit: string }> {
  const commit = execFileSync('git', ['rev-parse', ref], { cwd: root, encoding: 'utf8' }).trim();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-baseline-'));
  cleanups.push({ what: 'removing the baseline tree', run: () => rm(dir, { recursive: true, force: true }) });
  const tar = execFileSync(
    'git',
    ['archive', '--format=tar', commit, 'router', 'subgraphs', 'schema', 'package.json'],
    {
      cwd: root,
      maxBuffer: 1 << 30,
    },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  for (const name of ['node_modules', 'generated'])
    await symlink(path.join(root, name), path.join(dir, name));
  return { dir, commit };
}

async function startRouter(
  variant: Variant,
  stack: BenchSubgraphs,
  baselineDir: string,
): Promise<RouterProcess> {
  const tree = variant === 'current' ? root : baselineDir;
  const port = stack.routerPort;
  const child = startChild(
    `${variant} router`,
    path.join(tree, 'router/index.ts'),
    ['--supergraph', path.join(root, 'schema/supergraph.graphql'), '--port', String(port)],
    {
      ...stack.urlVariables('ROUTER_SUBGRAPH_URL_'),
      ...stack.tokenVariables,
      LOG_LEVEL: settings.logLevel,
      // The machine is shared: a router that expands 2^n selections dies at this heap instead of swapping.
      NODE_OPTIONS: `--max-old-space-size=${settings.heapMiB}`,
    },
  );
  cleanups.push({ what: `stopping the ${variant} router`, run: () => child.stop(1_000) });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(`the ${variant} router to be ready`, () => isReady(`${origin}/ready`), child);
  return { variant, child, origin };
}

interface Sent {
  /** 'error': the connection failed (the router died, e.g. out of heap). */
  status: number | 'timeout' | 'error' | 'cut at window end';
  ms: number;
}

async function post(url: string, query: string, timeoutMs: number): Promise<Sent> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.text();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    const status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    return { status, ms: performance.now() - started };
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (kiB: number) => round(kiB / 1024);

interface LadderStep {
  levels: number;
  bytes: number;
  status: Sent['status'];
  ms: number;
  /** Undefined when the router died. */
  peakRssMiB?: number;
}

/** Peak RSS in MiB, or undefined once the process is gone. */
async function peakMiB(child: Child): Promise<number | undefined> {
  if (child.exited()) return undefined;
  return readMemory(child.pid).then(
    (m) => mib(m.peakKiB),
    () => undefined,
  );
}

/** One fan-out per level on a fresh router, smallest first; stops at the first that does not answer in time. */
async function ladder(variant: Variant, stack: BenchSubgraphs, baselineDir: string): Promise<LadderStep[]> {
  const router = await startRouter(variant, stack, baselineDir);
  const steps: LadderStep[] = [];
  try {
    for (const levels of ladderLevels) {
      const query = fragmentFanOut(levels);
      const sent = await post(`${router.origin}/graphql`, query, settings.requestTimeoutSeconds * 1000);
      const peakRssMiB = await peakMiB(router.child);
      steps.push({ levels, bytes: query.length, status: sent.status, ms: round(sent.ms), peakRssMiB });
      console.log(
        `${variant}: fan-out of ${levels} levels: ${sent.status} in ${round(sent.ms)} ms, peak ${peakRssMiB} MiB`,
      );
      if (sent.status === 'timeout' || sent.status === 'error') break;
    }
  } finally {
    await router.child.stop(1_000);
  }
  return steps;
}

interface Window {
  variant: Variant;
  round: number;
  phase: 'idle' | 'attack';
  /** `failed`: no answer within the probe's timeout, or no connection. */
  health: { probes: number; p50Ms: number; p99Ms: number; maxMs: number; failed: number };
  maxRssMiB: number;
  /** Undefined when the router died during the window (then so is its CPU time). */
  peakRssMiB?: number;
  routerCpuMs?: number;
  attack?: { replies: Record<string, number>; p50Ms: number | null; cpuMsPerReply: number | null };
}

/** Probes /health one request at a time (and samples RSS) until `until`, while `load` runs. */
async function observe(
  router: RouterProcess,
  roundNumber: number,
  phase: Window['phase'],
  seconds: number,
): Promise<Window> {
  const until = Date.now() + seconds * 1000;
  const cpuBefore = await readCpuMs(router.child.pid);
  let maxRss = (await readMemory(router.child.pid)).rssKiB;
  const sampler = setInterval(() => {
    readMemory(router.child.pid).then(
      (m) => (maxRss = Math.max(maxRss, m.rssKiB)),
      () => {},
    );
  }, 100);
  const attackReplies: Sent[] = [];
  const attackers =
    phase === 'attack'
      ? Array.from({ length: settings.attackConnections }, async (_, worker) => {
          for (let i = worker; Date.now() < until; i++) {
            const query = attackQueries[i % attackQueries.length]!;
            const full = settings.requestTimeoutSeconds * 1000;
            const timeout = Math.max(1, Math.min(full, until - Date.now()));
            const sent = await post(`${router.origin}/graphql`, query, timeout);
            // Cut by the end of the window rather than by the request timeout: not an answer either way.
            const cut = sent.status === 'timeout' && timeout < full;
            attackReplies.push(cut ? { ...sent, status: 'cut at window end' } : sent);
          }
        })
      : [];
  const latencies: number[] = [];
  let failed = 0;
  while (Date.now() < until) {
    const started = performance.now();
    try {
      const response = await fetch(`${router.origin}/health`, {
        signal: AbortSignal.timeout(healthTimeoutMs),
      });
      await response.text();
    } catch {
      failed += 1;
    }
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.all(attackers);
  clearInterval(sampler);
  const died = router.child.exited() !== undefined;
  const memory = died ? undefined : await readMemory(router.child.pid);
  const cpu = died ? undefined : (await readCpuMs(router.child.pid)) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const window: Window = {
    variant: router.variant,
    round: roundNumber,
    phase,
    health: {
      probes: latencies.length,
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      maxMs: round(latencies.at(-1) ?? NaN, 2),
      failed,
    },
    maxRssMiB: mib(Math.max(maxRss, memory?.rssKiB ?? 0)),
    peakRssMiB: memory && mib(memory.peakKiB),
    routerCpuMs: cpu === undefined ? undefined : round(cpu, 0),
  };
  if (phase === 'attack') {
    const replies: Record<string, number> = {};
    for (const r of attackReplies) replies[String(r.status)] = (replies[String(r.status)] ?? 0) + 1;
    const answered = attackReplies.filter((r) => typeof r.status === 'number');
    const times = answered.map((r) => r.ms).sort((a, b) => a - b);
    window.attack = {
      replies,
      p50Ms: times.length ? round(percentile(times, 50), 2) : null,
      cpuMsPerReply: answered.length && cpu !== undefined ? round(cpu / answered.length, 3) : null,
    };
  }
  console.log(
    `${router.variant} round ${roundNumber} ${phase}: /health p50 ${window.health.p50Ms} ms, p99 ` +
      `${window.health.p99Ms} ms, ${failed} failed; max RSS ${window.maxRssMiB} MiB` +
      (window.attack ? `; attack replies ${JSON.stringify(window.attack.replies)}` : ''),
  );
  return window;
}

function markdown(report: {
  date: string;
  node: string;
  cpus: number;
  loadAverage: { before: number[]; after: number[] };
  baseline: { ref: string; commit: string };
  current: string;
  settings: typeof settings;
  ladder: Record<Variant, LadderStep[]>;
  windows: Window[];
}): string {
  const lines = [
    '# Hostile queries: router before and after linear operation limits',
    '',
    `${report.date}, Node ${report.node}, ${report.cpus} CPUs, load average ${report.loadAverage.before
      .map((n) => n.toFixed(2))
      .join(' ')} before, ${report.loadAverage.after.map((n) => n.toFixed(2)).join(' ')} after.`,
    `Baseline: ${report.baseline.ref} (${report.baseline.commit.slice(0, 10)}); current: ${report.current.slice(0, 10)}` +
      ' (with uncommitted changes if any). Every server in its own process; the five subgraphs on fresh databases.',
    '',
    '## One fragment fan-out per level (fresh router each ladder)',
    '',
    `\`fragmentFanOut(levels)\`: anonymous, \`levels\` fragments each spreading the next twice (2^levels leaves). ` +
      `A request that did not answer within ${report.settings.requestTimeoutSeconds} s ends its ladder.`,
    '',
    '| levels | bytes | baseline: status | baseline: time ms | baseline: peak RSS MiB | current: status | current: time ms | current: peak RSS MiB |',
    '| -----: | ----: | ---------------- | ----------------: | ---------------------: | --------------- | ---------------: | --------------------: |',
  ];
  for (const levels of ladderLevels) {
    const b = report.ladder.baseline.find((s) => s.levels === levels);
    const c = report.ladder.current.find((s) => s.levels === levels);
    if (!b && !c) continue;
    const cell = (s: LadderStep | undefined) =>
      s ? [s.status, s.ms, s.peakRssMiB ?? 'died'] : ['not sent', '', ''];
    lines.push(`| ${levels} | ${(b ?? c)!.bytes} | ${[...cell(b), ...cell(c)].join(' | ')} |`);
  }
  lines.push(
    '',
    `## /health while idle and under attack (${report.settings.rounds} interleaved rounds)`,
    '',
    `Idle ${report.settings.idleSeconds} s, then ${report.settings.attackSeconds} s of ${report.settings.attackConnections} ` +
      'clients sending the 30-level fan-out and 2,000 aliased `__typename` in turn, while /health is probed one ' +
      `request at a time (a probe without an answer within ${healthTimeoutMs} ms counts as a timeout).`,
    '',
    '| router | round | phase | /health probes | p50 ms | p99 ms | max ms | failed | max RSS MiB | router CPU ms | attack replies (status: count) | attack p50 ms | CPU ms per reply |',
    '| ------ | ----: | ----- | -------------: | -----: | -----: | -----: | -------: | ----------: | ------------: | ------------------------------ | ------------: | ---------------: |',
  );
  for (const w of report.windows) {
    const replies = w.attack
      ? Object.entries(w.attack.replies)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', ')
      : '';
    lines.push(
      `| ${w.variant} | ${w.round} | ${w.phase} | ${w.health.probes} | ${w.health.p50Ms} | ${w.health.p99Ms} | ` +
        `${w.health.maxMs} | ${w.health.failed} | ${w.maxRssMiB} | ${w.routerCpuMs ?? 'died'} | ${replies} | ` +
        `${w.attack?.p50Ms ?? ''} | ${w.attack?.cpuMsPerReply ?? ''} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<boolean> {
  const loadBefore = os.loadavg();
  const ref =
    process.env.BENCH_BASELINE_REF ||
    execFileSync('git', ['merge-base', 'HEAD', 'main'], { cwd: root, encoding: 'utf8' }).trim();
  const current = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const baseline = await checkoutBaseline(ref);
  console.log(`bench: baseline ${baseline.commit}, starting the subgraphs`);
  const stack = await startBenchSubgraphs({ logLevel: settings.logLevel, tokenTtlSeconds: 900 });

  const ladders = {} as Record<Variant, LadderStep[]>;
  for (const variant of ['baseline', 'current'] as const)
    ladders[variant] = await ladder(variant, stack, baseline.dir);

  const windows: Window[] = [];
  for (let r = 1; r <= settings.rounds; r++) {
    const order: Variant[] = r % 2 === 1 ? ['baseline', 'current'] : ['current', 'baseline'];
    for (const variant of order) {
      const router = await startRouter(variant, stack, baseline.dir);
      try {
        windows.push(await observe(router, r, 'idle', settings.idleSeconds));
        windows.push(await observe(router, r, 'attack', settings.attackSeconds));
      } finally {
        await router.child.stop(1_000);
      }
    }
  }

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: { before: loadBefore, after: os.loadavg() },
    baseline: { ref, commit: baseline.commit },
    current,
    settings,
    ladder: ladders,
    windows,
  };
  const text = markdown(report);
  console.log(text);
  const files = await writeResults(path.join(root, 'bench/results'), 'hostile-queries', text, report);
  console.log(`bench: wrote ${files.join(', ')}`);
  // The current router must refuse every attack quickly and keep /health answering.
  const currentAttacks = windows.filter((w) => w.variant === 'current' && w.phase === 'attack');
  return currentAttacks.every(
    (w) =>
      w.health.failed === 0 &&
      Object.keys(w.attack?.replies ?? {}).every((s) => s === '400' || s === 'cut at window end'),
  );
}

await runBenchmark(main);
