// `npm run bench`: the same query sent directly to the auth subgraph, through our router, and through a plain
// @apollo/gateway on the same supergraph. Requests per second, p50/p99 latency and each server's resident
// memory, side by side; printed and written to bench/results/latest-router.{md,json}.
//
// Settings: BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL of a PostgreSQL server; default: an
// embedded one), BENCH_DURATION_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10),
// BENCH_LOG_LEVEL (silent; the servers' log level, their output is kept for error messages).
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port.ts';
import { expectData, send, type GraphQLRequest, type Reply } from './load.ts';
import { benchSettings, measure } from './measure.ts';
import { root, startChild } from './processes.ts';
import { markdownReport, passed, writeReport, type Report, type TargetResult } from './report.ts';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import { startBenchRouter, startBenchSubgraphs, SUPERGRAPH_FILE } from './subgraphs.ts';

const ME_QUERY = 'query Me { me { id email name roles } }';
const LOGIN_MUTATION =
  'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';

const settings = benchSettings();
const resultsDir = path.join(root, 'bench/results');

async function main(): Promise<boolean> {
  const loadBefore = os.loadavg();
  console.log('bench: starting the subgraphs');
  const stack = await startBenchSubgraphs({
    logLevel: settings.logLevel,
    tokenTtlSeconds: Math.max(900, 3 * (settings.warmupSeconds + settings.durationSeconds) + 600),
  });
  const { subgraphs, admin, databaseSource, urlVariables } = stack;
  const auth = subgraphs.auth;
  const login = expectData('login', await send(auth.url, { query: LOGIN_MUTATION, variables: admin }));
  const token = (login.json?.data?.login as { accessToken?: string } | undefined)?.accessToken;
  if (!token) throw new Error(`login: no access token in ${login.text}`);
  const request: GraphQLRequest = { query: ME_QUERY, headers: { authorization: `Bearer ${token}` } };
  const check = (reply: Reply) => {
    const me = reply.json?.data?.me as { email?: string } | null | undefined;
    if (me?.email !== admin.email) throw new Error(`unexpected reply ${reply.text}`);
  };

  const targets: TargetResult[] = [];
  const direct = { name: 'auth subgraph (direct)', url: auth.url, child: auth.child, behind: [] };
  targets.push(await measure(direct, request, check, settings));

  const { child: router, url: routerUrl } = startBenchRouter(stack, settings.logLevel);
  const viaRouter = { name: 'our router', url: routerUrl, child: router };
  targets.push(await measure({ ...viaRouter, behind: [auth.child] }, request, check, settings));
  await router.stop();

  const gatewayPort = await freePort();
  const gateway = startChild('plain @apollo/gateway', 'bench/plain-gateway.ts', [], {
    ...urlVariables('BENCH_SUBGRAPH_URL_'),
    BENCH_SUPERGRAPH: SUPERGRAPH_FILE,
    PORT: String(gatewayPort),
  });
  cleanups.push({ what: 'stopping the plain gateway', run: () => gateway.stop() });
  const viaGateway = { name: 'plain @apollo/gateway', url: `http://127.0.0.1:${gatewayPort}/graphql` };
  targets.push(
    await measure({ ...viaGateway, child: gateway, behind: [auth.child] }, request, check, settings),
  );
  await gateway.stop();

  for (const child of [auth.child, router, gateway]) {
    if (child.output().trim()) console.log(`--- output of ${child.name} ---\n${child.output().trim()}`);
  }

  const report: Report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    loadAverage: { before: loadBefore, after: os.loadavg() },
    database: databaseSource,
    query: ME_QUERY,
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    targets,
  };
  console.log(`\n${markdownReport(report)}`);
  const files = await writeReport(report, resultsDir);
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  const failed = targets.filter((t) => !passed(t));
  if (failed.length) console.error(`bench: checks failed for ${failed.map((t) => t.target).join(', ')}`);
  return failed.length === 0;
}

await runBenchmark(main);
