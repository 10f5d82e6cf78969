// `npm run bench`: the same query sent directly to the auth subgraph, through our router, and through a plain
// @apollo/gateway on the same supergraph. Requests per second, p50/p99 latency and each server's resident
// memory, side by side; printed and written to bench/results/latest-router.{md,json}.
//
// Settings: BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL of a PostgreSQL server; default: an
// embedded one), BENCH_DURATION_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10),
// BENCH_LOG_LEVEL (silent; the servers' log level, their output is kept for error messages).
import { randomBytes } from 'node:crypto';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import os from 'node:os';
import path from 'node:path';
import { createBenchDatabases } from './database.ts';
import { expectData, runLoad, send, type GraphQLRequest, type Reply } from './load.ts';
import { freePort } from '../scripts/free-port.ts';
import { isReady, readCpuMs, readMemory, root, startChild, waitFor, type Child } from './processes.ts';
import { markdownReport, passed, writeReport, type Report, type TargetResult } from './report.ts';

const ME_QUERY = 'query Me { me { id email name roles } }';
const LOGIN_MUTATION =
  'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

const settings = {
  durationSeconds: positiveInt('BENCH_DURATION_SECONDS', 10),
  warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', 2),
  connections: positiveInt('BENCH_CONNECTIONS', 10),
  logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
};
const supergraphFile = path.join(root, 'schema/supergraph.graphql');
const resultsDir = path.join(root, 'bench/results');

const toMiB = (kiB: number) => Math.round((kiB / 1024) * 10) / 10;

/** Waits until `url` answers the request with something else than 503, checks that reply, then loads it. */
async function measure(
  target: string,
  url: string,
  child: Child,
  /** The auth subgraph behind the target (the target itself for the direct run). */
  auth: Child,
  request: GraphQLRequest,
  expectedEmail: string,
): Promise<TargetResult> {
  let reply: Reply | undefined;
  await waitFor(
    `${target} to answer`,
    async () => {
      reply = await send(url, request);
      return reply.status !== 503;
    },
    child,
  );
  const checked = expectData(`${target}: the checked request`, reply as Reply);
  const me = checked.json?.data?.me as { email?: string } | null | undefined;
  if (me?.email !== expectedEmail) throw new Error(`${target}: unexpected reply ${checked.text}`);

  const memory = async () => (await readMemory(child.pid)).rssKiB;
  const idle = await memory();
  console.log(
    `${target}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s with ` +
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
  const cpuBefore = [await readCpuMs(child.pid), await readCpuMs(auth.pid)] as const;
  let raw;
  try {
    raw = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  } finally {
    clearInterval(sampler);
  }
  const cpuAfter = [await readCpuMs(child.pid), await readCpuMs(auth.pid)] as const;
  const exit = child.exited();
  if (exit) throw new Error(`${child.name} exited during the run (code ${exit.code}):\n${child.output()}`);
  const after = await readMemory(child.pid);
  const responses = raw['2xx'] + raw.non2xx;
  const perRequest = (ms: number) => Math.round((ms / Math.max(responses, 1)) * 1000) / 1000;

  return {
    target,
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
      authSubgraph: perRequest(cpuAfter[1] - cpuBefore[1]),
    },
    raw,
  };
}

async function main(): Promise<boolean> {
  const loadBefore = os.loadavg();
  console.log('bench: preparing a database');
  const database = await createBenchDatabases(['auth', 'audit']);
  cleanups.push({ what: 'dropping the databases', run: database.drop });
  const [authDatabaseUrl, auditDatabaseUrl] = database.urls as [string, string];

  // The auth subgraph, in its own process. The admin it creates on first start is our caller.
  const email = 'bench-admin@example.com';
  const password = randomBytes(24).toString('base64url');
  const authPort = await freePort();
  const authOrigin = `http://127.0.0.1:${authPort}`;
  const authUrl = `${authOrigin}/graphql`;
  // Outlive the whole run, so that no token expires under load.
  const tokenTtl = Math.max(900, 3 * (settings.warmupSeconds + settings.durationSeconds) + 600);
  const auth = startChild('auth subgraph', 'subgraphs/auth/index.ts', [], {
    AUTH_DATABASE_URL: authDatabaseUrl,
    AUTH_HOST: '127.0.0.1',
    AUTH_PORT: String(authPort),
    ADMIN_EMAIL: email,
    ADMIN_PASSWORD: password,
    ACCESS_TOKEN_TTL_SECONDS: String(tokenTtl),
    LOG_LEVEL: settings.logLevel,
  });
  cleanups.push({ what: 'stopping the auth subgraph', run: () => auth.stop() });
  await waitFor('the auth subgraph to be ready', () => isReady(`${authOrigin}/ready`), auth);

  // The supergraph has the audit subgraph too: the router is ready only when every subgraph answers.
  const auditPort = await freePort();
  const audit = startChild('audit subgraph', 'subgraphs/audit/index.ts', [], {
    AUDIT_DATABASE_URL: auditDatabaseUrl,
    AUDIT_PORT: String(auditPort),
    OUTBOX_RELAY_SECRET: randomBytes(32).toString('base64url'),
    JWKS_URL: `${authOrigin}/.well-known/jwks.json`,
    LOG_LEVEL: settings.logLevel,
  });
  cleanups.push({ what: 'stopping the audit subgraph', run: () => audit.stop() });
  await waitFor(
    'the audit subgraph to be ready',
    () => isReady(`http://127.0.0.1:${auditPort}/ready`),
    audit,
  );

  const login = expectData(
    'login',
    await send(authUrl, { query: LOGIN_MUTATION, variables: { email, password } }),
  );
  const token = (login.json?.data?.login as { accessToken?: string } | undefined)?.accessToken;
  if (!token) throw new Error(`login: no access token in ${login.text}`);
  const request: GraphQLRequest = { query: ME_QUERY, headers: { authorization: `Bearer ${token}` } };

  const targets: TargetResult[] = [];
  targets.push(await measure('auth subgraph (direct)', authUrl, auth, auth, request, email));

  const routerPort = await freePort();
  const router = startChild(
    'our router',
    'router/index.ts',
    ['--supergraph', supergraphFile, '--port', String(routerPort)],
    {
      ROUTER_SUBGRAPH_URL_AUTH: authUrl,
      ROUTER_SUBGRAPH_URL_AUDIT: `http://127.0.0.1:${auditPort}/graphql`,
      JWKS_URL: `${authOrigin}/.well-known/jwks.json`,
      LOG_LEVEL: settings.logLevel,
    },
  );
  cleanups.push({ what: 'stopping our router', run: () => router.stop() });
  targets.push(
    await measure('our router', `http://127.0.0.1:${routerPort}/graphql`, router, auth, request, email),
  );
  await router.stop();

  const gatewayPort = await freePort();
  const gateway = startChild('plain @apollo/gateway', 'bench/plain-gateway.ts', [], {
    BENCH_SUPERGRAPH: supergraphFile,
    BENCH_AUTH_URL: authUrl,
    PORT: String(gatewayPort),
  });
  cleanups.push({ what: 'stopping the plain gateway', run: () => gateway.stop() });
  targets.push(
    await measure(
      'plain @apollo/gateway',
      `http://127.0.0.1:${gatewayPort}/graphql`,
      gateway,
      auth,
      request,
      email,
    ),
  );
  await gateway.stop();

  for (const child of [auth, router, gateway]) {
    if (child.output().trim()) console.log(`--- output of ${child.name} ---\n${child.output().trim()}`);
  }

  const report: Report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    loadAverage: { before: loadBefore, after: os.loadavg() },
    database: database.source,
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
