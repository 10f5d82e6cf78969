// `npx tsx bench/hostile-documents.ts`: is the submission subgraph still responsive while hostile documents are
// imported? Every subgraph and the router run in their own processes. In each round, interleaved:
// - idle: nothing imported;
// - real quote: the real iLab quote imported through the router in a loop (a comment appended after %%EOF makes
//   every upload new bytes, so each one is read, then answered with the existing submission);
// - hostile: the hostile corpus (subgraphs/submission/quote-pdf/hostile.ts) imported through the router in a loop.
// Meanwhile GET /health of the router and of the submission subgraph is timed every 50 ms, and the submission
// subgraph's resident memory (its workers included: they are threads of it) and CPU are read from /proc.
// Printed and written to bench/results/latest-hostile-documents.{md,json}. Bounded: BENCH_HOSTILE_ROUNDS rounds
// (default 3) of BENCH_HOSTILE_PHASE_MS (default 15000) per phase. Database as bench/run.ts; localhost only.
import os from 'node:os';
import path from 'node:path';
import { hostileDocuments } from '../subgraphs/submission/quote-pdf/hostile.ts';
import { readFixture, REAL_QUOTE } from '../test/helpers/fixtures.ts';
import { expectData, send } from './load.ts';
import { benchSettings } from './measure.ts';
import { isReady, readCpuMs, readMemory, root, waitFor } from './processes.ts';
import { writeResults } from './report.ts';
import { runBenchmark } from './run-benchmark.ts';
import { startBenchRouter, startBenchSubgraphs } from './subgraphs.ts';

const settings = benchSettings();
const ROUNDS = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 3);
const PHASE_MS = Number(process.env.BENCH_HOSTILE_PHASE_MS ?? 15_000);
const PROBE_INTERVAL_MS = 50;
const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';
const IMPORT = 'mutation($file: Upload!) { importSubmission(file: $file) { id } }';

type Phase = 'idle' | 'real quote' | 'hostile';
const PHASES: Phase[] = ['idle', 'real quote', 'hostile'];

interface PhaseSamples {
  routerHealthMs: number[];
  submissionHealthMs: number[];
  /** Health requests that failed or took longer than 5 s. */
  healthFailures: number;
  imports: number;
  /** Import answers by outcome: 'ok' or the error's rule/code. */
  outcomes: Record<string, number>;
  importMs: number[];
  submissionCpuMs: number;
  peakRssKiB: number;
}

const emptySamples = (): PhaseSamples => ({
  routerHealthMs: [],
  submissionHealthMs: [],
  healthFailures: 0,
  imports: 0,
  outcomes: {},
  importMs: [],
  submissionCpuMs: 0,
  peakRssKiB: 0,
});

const elapsedMs = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

async function timeHealth(url: string): Promise<number | null> {
  const started = process.hrtime.bigint();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.ok ? elapsedMs(started) : null;
  } catch {
    return null;
  }
}

async function importFile(url: string, token: string, bytes: Uint8Array, name: string): Promise<string> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([bytes], { type: 'application/pdf' }), name);
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = (await response.json()) as {
    data?: { importSubmission?: { id: string } | null };
    errors?: Array<{ extensions?: { code?: string; rule?: string } }>;
  };
  if (body.data?.importSubmission) return 'ok';
  const extensions = body.errors?.[0]?.extensions;
  return extensions?.rule ?? extensions?.code ?? 'unknown';
}

/** New bytes for the same document: a comment after %%EOF (readers ignore it; the sha256 differs). */
const variant = (bytes: Uint8Array, n: number): Uint8Array =>
  new Uint8Array(Buffer.concat([Buffer.from(bytes), Buffer.from(`\n% bench ${n}\n`, 'latin1')]));

const percentile = (values: number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;
};

async function main(): Promise<boolean> {
  const stack = await startBenchSubgraphs({ logLevel: settings.logLevel, tokenTtlSeconds: 3600 });
  const { child: router, origin: routerOrigin, url } = startBenchRouter(stack, settings.logLevel);
  await waitFor('the router to be ready', () => isReady(`${routerOrigin}/ready`), router);
  const login = expectData(
    'login',
    await send(stack.subgraphs.auth.url, { query: LOGIN, variables: stack.admin }),
  );
  const token = (login.json!.data!.login as { accessToken: string }).accessToken;
  const submission = stack.subgraphs.submission;
  const quote = readFixture(REAL_QUOTE);
  const corpus = hostileDocuments();
  const samples: Record<Phase, PhaseSamples> = {
    idle: emptySamples(),
    'real quote': emptySamples(),
    hostile: emptySamples(),
  };
  let uploads = 0;
  // Across phases and rounds: each hostile phase goes on where the last one stopped, so every shape is imported.
  let nextHostile = 0;

  async function runPhase(phase: Phase): Promise<void> {
    const into = samples[phase];
    const deadline = Date.now() + PHASE_MS;
    const cpuBefore = await readCpuMs(submission.child.pid);
    const probe = async () => {
      while (Date.now() < deadline) {
        const [routerMs, submissionMs] = await Promise.all([
          timeHealth(`${routerOrigin}/health`),
          timeHealth(`${submission.origin}/health`),
        ]);
        if (routerMs === null || submissionMs === null) into.healthFailures += 1;
        if (routerMs !== null) into.routerHealthMs.push(routerMs);
        if (submissionMs !== null) into.submissionHealthMs.push(submissionMs);
        const memory = await readMemory(submission.child.pid);
        into.peakRssKiB = Math.max(into.peakRssKiB, memory.rssKiB);
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    };
    const load = async () => {
      if (phase === 'idle') return;
      while (Date.now() < deadline) {
        uploads += 1;
        const document = phase === 'hostile' ? corpus[nextHostile++ % corpus.length]! : null;
        const bytes = variant(document?.bytes ?? quote, uploads);
        const started = process.hrtime.bigint();
        const outcome = await importFile(url, token, bytes, `${document?.name ?? 'quote'}.pdf`);
        into.importMs.push(elapsedMs(started));
        into.imports += 1;
        into.outcomes[outcome] = (into.outcomes[outcome] ?? 0) + 1;
      }
    };
    await Promise.all([probe(), load()]);
    into.submissionCpuMs += (await readCpuMs(submission.child.pid)) - cpuBefore;
  }

  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const phase of PHASES) {
      console.log(`round ${round}/${ROUNDS}: ${phase}`);
      await runPhase(phase);
    }
  }

  const summary = Object.fromEntries(
    PHASES.map((phase) => {
      const s = samples[phase];
      return [
        phase,
        {
          healthRequests: s.submissionHealthMs.length,
          healthFailures: s.healthFailures,
          submissionHealthP50Ms: percentile(s.submissionHealthMs, 50),
          submissionHealthP99Ms: percentile(s.submissionHealthMs, 99),
          submissionHealthMaxMs: percentile(s.submissionHealthMs, 100),
          routerHealthP50Ms: percentile(s.routerHealthMs, 50),
          routerHealthP99Ms: percentile(s.routerHealthMs, 99),
          imports: s.imports,
          outcomes: s.outcomes,
          importP50Ms: percentile(s.importMs, 50),
          submissionCpuMsPerImport: s.imports ? Math.round(s.submissionCpuMs / s.imports) : null,
          submissionCpuMs: Math.round(s.submissionCpuMs),
          peakRssMiB: Math.round(s.peakRssKiB / 1024),
        },
      ];
    }),
  );
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    loadAverage: os.loadavg().map((value) => Math.round(value * 10) / 10),
    database: stack.databaseSource,
    rounds: ROUNDS,
    phaseMs: PHASE_MS,
    corpus: corpus.map((d) => ({
      name: d.name,
      bytes: d.bytes.length,
      shape: d.shape,
      expected: d.expected,
    })),
    phases: summary,
  };
  const row = (phase: Phase) => {
    const s = summary[phase]!;
    const outcomes = Object.entries(s.outcomes)
      .map(([key, count]) => `${key} ×${count}`)
      .join(', ');
    return (
      `| ${phase} | ${s.healthRequests} | ${s.submissionHealthP50Ms} | ${s.submissionHealthP99Ms} | ` +
      `${s.submissionHealthMaxMs} | ${s.routerHealthP99Ms} | ${s.healthFailures} | ${s.imports} | ` +
      `${s.importP50Ms ?? '-'} | ${s.submissionCpuMsPerImport ?? '-'} | ${s.peakRssMiB} | ${outcomes || '-'} |`
    );
  };
  const markdown = [
    '# Hostile documents benchmark',
    '',
    `\`npx tsx bench/hostile-documents.ts\` on ${results.date}: Node ${results.node}, ${results.cpus} × ` +
      `${results.cpuModel}, load average ${results.loadAverage.join(' / ')}; every subgraph and the router in ` +
      `their own processes; ${ROUNDS} rounds of ${PHASE_MS / 1000} s per phase, phases interleaved.`,
    '',
    'GET /health of the submission subgraph (and of the router) every 50 ms while importing nothing (idle), the ' +
      'real quote (baseline) or the hostile corpus, in a loop through the router. CPU is the submission ' +
      "subgraph's (its document workers included); peak RSS is its resident memory, workers included.",
    '',
    '| phase | /health requests | p50 ms | p99 ms | max ms | router p99 ms | failed | imports | import p50 ms | CPU ms / import | peak RSS MiB | outcomes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...PHASES.map(row),
    '',
    'Corpus: ' +
      corpus.map((d) => `${d.name} (${Math.round(d.bytes.length / 1024)} kB: ${d.shape})`).join('; ') +
      '.',
    '',
  ].join('\n');
  console.log(`\n${markdown}`);
  const files = await writeResults(path.join(root, 'bench/results'), 'hostile-documents', markdown, results);
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  return true;
}

await runBenchmark(main);
