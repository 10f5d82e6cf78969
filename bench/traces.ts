// What tracing costs a request at the router (common/tracing.ts): `npx tsx bench/traces.ts`. The same query
// (me: router, auth subgraph, Prisma) through our router with tracing off (the default), with tracing on
// exporting every span to an OTLP sink in this process, and, given BENCH_BASELINE_ROOT (a checkout of the code
// before tracing, e.g. `git worktree add /tmp/base 615c3aa` with its node_modules linked), through that code,
// which has none. Rounds are interleaved, the order turning each round, so a change in the machine's load
// hits every variant alike; compare the router's CPU per request. Written to bench/results/latest-traces.{md,json}.
//
// Settings: as `npm run bench` (bench/measure.ts), and BENCH_ROUNDS (3). The subgraphs run without tracing.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expectData, send, type GraphQLRequest, type Reply } from './load.ts';
import { benchSettings, measure, positiveInt } from './measure.ts';
import { root, startChild } from './processes.ts';
import { passed, writeResults, type TargetResult } from './report.ts';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import { startBenchSubgraphs, SUPERGRAPH_FILE } from './subgraphs.ts';

const ME_QUERY = 'query Me { me { id email name roles } }';
const LOGIN_MUTATION =
  'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';

const settings = benchSettings();
const rounds = positiveInt('BENCH_ROUNDS', 3);

interface Variant {
  name: string;
  /** The router's entry, absolute or relative to the repository root. */
  script: string;
  env: Record<string, string>;
}

/** An OTLP/HTTP sink: answers every export and counts the spans in it. */
async function startSink(): Promise<{ url: string; spans: () => number }> {
  let spans = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      spans += (body.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push({ what: 'closing the OTLP sink', run: () => new Promise((r) => server.close(() => r())) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans: () => spans };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function markdown(variants: Variant[], results: Map<string, TargetResult[]>, exported: number): string {
  const off = median(results.get(variants[0]!.name)!.map((r) => r.cpuMsPerRequest.server));
  const header = [
    'variant',
    ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`),
    'median',
    'vs off',
  ];
  const rows = variants.map((v) => {
    const cpu = results.get(v.name)!.map((r) => r.cpuMsPerRequest.server);
    const m = median(cpu);
    return [
      v.name,
      ...cpu.map((c) => c.toFixed(3)),
      m.toFixed(3),
      `${(((m - off) / off) * 100).toFixed(1)} %`,
    ];
  });
  const rps = variants.map(
    (v) => `${v.name} ${median(results.get(v.name)!.map((r) => r.requestsPerSecond)).toFixed(0)}`,
  );
  const table = [header, header.map((_, i) => (i === 0 ? '---' : '---:')), ...rows];
  return [
    '# Tracing at the router',
    '',
    `\`npx tsx bench/traces.ts\` on ${new Date().toISOString()}: Node ${process.version}, ${os.cpus().length} × ` +
      `${os.cpus()[0]?.model.trim()}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join('/')} at the end. ` +
      `\`${ME_QUERY}\` through our router, ${settings.connections} connections, ${settings.warmupSeconds} s ` +
      `warm-up then ${settings.durationSeconds} s per variant and round, rounds interleaved.`,
    '',
    'Router CPU per request (ms, user + system from /proc, the router process only):',
    '',
    ...table.map((cells) => `| ${cells.join(' | ')} |`),
    '',
    `Median req/s: ${rps.join(', ')}. Spans received by the sink with tracing on: ${exported}.`,
    '',
  ].join('\n');
}

async function main(): Promise<boolean> {
  // Whatever the caller's shell exports, the subgraphs and the "off" routers run without tracing.
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  // The samples and audit subgraphs sign export links; bench/subgraphs.ts does not set the secret (yet), and
  // every child inherits this process's environment.
  process.env.EXPORT_SIGNING_SECRET ??= randomBytes(32).toString('base64url');
  const sink = await startSink();
  console.log('bench: starting the subgraphs');
  const stack = await startBenchSubgraphs({
    logLevel: settings.logLevel,
    tokenTtlSeconds: Math.max(
      900,
      3 * rounds * 3 * (settings.warmupSeconds + settings.durationSeconds) + 600,
    ),
  });
  const auth = stack.subgraphs.auth;
  const login = expectData('login', await send(auth.url, { query: LOGIN_MUTATION, variables: stack.admin }));
  const token = (login.json?.data?.login as { accessToken?: string } | undefined)?.accessToken;
  if (!token) throw new Error(`login: no access token in ${login.text}`);
  const request: GraphQLRequest = { query: ME_QUERY, headers: { authorization: `Bearer ${token}` } };
  const check = (reply: Reply) => {
    const me = reply.json?.data?.me as { email?: string } | null | undefined;
    if (me?.email !== stack.admin.email) throw new Error(`unexpected reply ${reply.text}`);
  };

  const variants: Variant[] = [
    { name: 'tracing off', script: 'router/index.ts', env: {} },
    { name: 'tracing on', script: 'router/index.ts', env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
  ];
  const baseline = process.env.BENCH_BASELINE_ROOT;
  if (baseline)
    variants.push({ name: 'no tracing code', script: path.resolve(baseline, 'router/index.ts'), env: {} });

  const results = new Map<string, TargetResult[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) {
      console.log(`round ${round + 1}: ${variant.name}`);
      const child = startChild(
        `router (${variant.name})`,
        variant.script,
        ['--supergraph', SUPERGRAPH_FILE, '--port', String(stack.routerPort)],
        {
          ...stack.urlVariables('ROUTER_SUBGRAPH_URL_'),
          ...stack.tokenVariables,
          LOG_LEVEL: settings.logLevel,
          ...variant.env,
        },
      );
      cleanups.push({ what: `stopping the router (${variant.name})`, run: () => child.stop() });
      const url = `http://127.0.0.1:${stack.routerPort}/graphql`;
      const target = { name: variant.name, url, child, behind: [auth.child] };
      results.get(variant.name)!.push(await measure(target, request, check, settings));
      await child.stop();
    }
  }

  const report = markdown(variants, results, sink.spans());
  console.log(`\n${report}`);
  const data = {
    date: new Date().toISOString(),
    node: process.version,
    rounds,
    settings,
    results: Object.fromEntries(results),
  };
  const files = await writeResults(path.join(root, 'bench/results'), 'traces', report, data);
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  const failed = [...results.values()].flat().filter((r) => !passed(r));
  if (failed.length) console.error(`bench: checks failed for ${failed.map((t) => t.target).join(', ')}`);
  return failed.length === 0 && sink.spans() > 0;
}

await runBenchmark(main);
