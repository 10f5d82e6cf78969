// `npm run bench:federation`: the public federation benchmark's four subgraphs and TestQuery, and a small query
// that stays in one subgraph, through our router, a plain @apollo/gateway and Hive Gateway (default, and JIT with
// inbound deduplication) side by side, plus the small query sent straight to its subgraph as a baseline.
// Printed and written to bench/results/latest-federation.{md,json}.
//
// Settings: BENCH_ROUNDS (3), BENCH_DURATION_SECONDS (10), BENCH_WARMUP_SECONDS (2),
// BENCH_TEST_QUERY_CONNECTIONS (50), BENCH_SMALL_QUERY_CONNECTIONS (10), BENCH_SMALL_QUERY_RATE (200: the small
// query once more at this fixed rate, for the latency a gateway adds without queueing), BENCH_REQUEST_TIMEOUT_SECONDS (60),
// BENCH_TARGETS (comma-separated gateways, default all: router, router-no-dedup, router-2-workers,
// router-trusted-documents, apollo-gateway, hive-default, hive-jit-dedup),
// BENCH_LOG_LEVEL (the router's log level; default its own).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { send, type GraphQLRequest } from '../load.ts';
import { benchSettings, positiveInt } from '../measure.ts';
import { root, waitFor } from '../processes.ts';
import { writeResults } from '../report.ts';
import { cleanups, runBenchmark } from '../run-benchmark.ts';
import { checkIdentical } from './identical.ts';
import { failed, measureRun, type RunResult, type RunTarget } from './measure-run.ts';
import { GATEWAY_NAMES, routerNote, startGateways, startSubgraphs } from './processes.ts';
import { markdownReport, type FederationReport, type QueryResults } from './report.ts';
import { composeBenchSupergraph, writeSupergraphFile } from './supergraph.ts';

const TEST_QUERY = readFileSync(path.join(root, 'bench/federation/test-query.graphql'), 'utf8');
/** Resolved by the products subgraph alone: the gateway's own overhead, next to the subgraph answering it directly. */
const SMALL_QUERY = 'query TopProducts { topProducts(first: 5) { upc name price } }';

const { durationSeconds, warmupSeconds } = benchSettings();
/** Unset: the router logs at its default level, access log included. */
const routerLogLevel = process.env.BENCH_LOG_LEVEL || undefined;
const rounds = positiveInt('BENCH_ROUNDS', 3);
const testQueryConnections = positiveInt('BENCH_TEST_QUERY_CONNECTIONS', 50);
const smallQueryConnections = positiveInt('BENCH_SMALL_QUERY_CONNECTIONS', 10);
// Low enough for every target to keep up: the latency a gateway adds, without queueing behind saturation.
const smallQueryRate = positiveInt('BENCH_SMALL_QUERY_RATE', 200);
// Generous: on a shared machine a slow gateway's tail under 50 connections passes 10 s without being stuck.
const timeoutSeconds = positiveInt('BENCH_REQUEST_TIMEOUT_SECONDS', 60);
const gatewayNames = process.env.BENCH_TARGETS
  ? process.env.BENCH_TARGETS.split(',').map((name) => name.trim())
  : GATEWAY_NAMES;

/** Round `round` runs the targets starting from a different one each time. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

async function runRounds(
  name: string,
  targets: readonly RunTarget[],
  request: GraphQLRequest,
  connections: number,
  subgraphs: Parameters<typeof measureRun>[4],
  overallRate?: number,
): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const target of rotated(targets, round - 1)) {
      const settings = { connections, overallRate, warmupSeconds, durationSeconds, timeoutSeconds };
      const run = await measureRun(target, round, request, settings, subgraphs);
      runs.push(run);
      console.log(
        `${name} round ${round} ${target.name}: ${run.requestsPerSecond.toFixed(1)} req/s, ` +
          `p50 ${run.latencyMs.p50} ms, CPU ${run.cpuMsPerRequest} ms/req, ` +
          `subgraph req/op ${run.subgraphRequestsPerOperation}` +
          `${failed(run) ? ` — FAILED: ${run.responses} responses, ${JSON.stringify(run.failures)}` : ''}`,
      );
    }
  }
  return runs;
}

async function main(): Promise<boolean> {
  const unknown = gatewayNames.filter((name) => !GATEWAY_NAMES.includes(name));
  if (unknown.length) throw new Error(`BENCH_TARGETS: unknown ${unknown.join(', ')}`);
  const loadBefore = os.loadavg();
  console.log('bench:federation: starting the subgraphs');
  const subgraphs = await startSubgraphs();
  const urls = { accounts: '', inventory: '', products: '', reviews: '' };
  for (const subgraph of Object.values(subgraphs)) urls[subgraph.name] = subgraph.url;
  const supergraph = await writeSupergraphFile(composeBenchSupergraph(urls));
  cleanups.push({ what: 'removing the supergraph file', run: supergraph.remove });

  console.log(
    `bench:federation: starting ${gatewayNames.join(', ')}; the router with ${routerNote(routerLogLevel)}`,
  );
  // The manifest of router-trusted-documents: both queries, keyed as the repository's codegen keys them.
  const manifest = path.join(path.dirname(supergraph.file), 'trusted-documents.json');
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  writeFileSync(
    manifest,
    JSON.stringify({ [sha256(TEST_QUERY)]: TEST_QUERY, [sha256(SMALL_QUERY)]: SMALL_QUERY }),
  );
  const gateways = await startGateways(gatewayNames, supergraph.file, routerLogLevel, manifest);
  const testQuery: GraphQLRequest = { query: TEST_QUERY };
  const smallQuery: GraphQLRequest = { query: SMALL_QUERY };
  for (const gateway of gateways) {
    const answers = async () => (await send(gateway.url, testQuery)).status !== 503;
    await waitFor(`${gateway.name} to answer`, answers, gateway.child, 120_000);
  }
  const direct: RunTarget = { ...subgraphs.products, name: 'products subgraph (direct)' };
  const testBytes = await checkIdentical('TestQuery', gateways, testQuery);
  const smallBytes = await checkIdentical('the small query', [...gateways, direct], smallQuery);
  console.log('bench:federation: every target returns identical data for both queries');

  const allSubgraphs = Object.values(subgraphs);
  const queries: QueryResults[] = [
    {
      name: 'TestQuery',
      query: TEST_QUERY,
      connections: testQueryConnections,
      responseBytes: testBytes,
      runs: await runRounds('TestQuery', gateways, testQuery, testQueryConnections, allSubgraphs),
    },
    {
      name: 'Small query',
      query: SMALL_QUERY,
      connections: smallQueryConnections,
      responseBytes: smallBytes,
      baseline: direct.name,
      runs: await runRounds('small', [...gateways, direct], smallQuery, smallQueryConnections, allSubgraphs),
    },
    {
      name: 'Small query at a fixed rate',
      query: SMALL_QUERY,
      connections: smallQueryConnections,
      overallRate: smallQueryRate,
      responseBytes: smallBytes,
      baseline: direct.name,
      runs: await runRounds(
        'small (fixed rate)',
        [...gateways, direct],
        smallQuery,
        smallQueryConnections,
        allSubgraphs,
        smallQueryRate,
      ),
    },
  ];

  const report: FederationReport = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    loadAverage: { before: loadBefore, after: os.loadavg() },
    rounds,
    warmupSeconds,
    durationSeconds,
    timeoutSeconds,
    router: routerNote(routerLogLevel),
    queries,
  };
  const markdown = markdownReport(report);
  console.log(`\n${markdown}`);
  const files = await writeResults(path.join(root, 'bench/results'), 'federation', markdown, report);
  console.log(`written: ${files.map((file) => path.relative(root, file)).join(', ')}`);
  const failures = queries.flatMap((q) => q.runs.filter(failed).map((run) => `${q.name} ${run.target}`));
  if (failures.length) console.error(`bench:federation: failed runs: ${failures.join(', ')}`);
  return failures.length === 0;
}

await runBenchmark(main);
