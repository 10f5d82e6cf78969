// `npm run bench:scale-out`: a lab's mixed load (work-list and sample reads, sample moves) against one replica set
// (a router and one process of each subgraph) and against two (two routers, two of each subgraph, on the same
// PostgreSQL databases; test/helpers/replicas.ts), rounds interleaved: 1, 2, 1, 2 ... The second set is started
// for its rounds and stopped after, so a one-set round really has one of everything (the relays of a second set
// would otherwise share its outbox work). Requests per second, p50/p99 latency, CPU per request of every stack
// process (from /proc), and how long the outboxes take to drain into the audit chain after the load stops.
// Every response is checked (HTTP 200, no GraphQL errors), and at the end the audit chain must verify with each
// outbox event in it once. Printed and written to bench/results/latest-scale-out.{md,json}.
//
// Settings: BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL; default an embedded PostgreSQL),
// BENCH_ROUNDS (2: rounds of each configuration), BENCH_DURATION_SECONDS (12), BENCH_WARMUP_SECONDS (3),
// BENCH_CONNECTIONS (16 clients in a closed loop, split over the routers), BENCH_LOG_LEVEL (silent).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { listDomains } from '../scripts/migrate.ts';
import { planReplicas, startReplicaSet, type RunningSet } from '../test/helpers/replicas.ts';
import { sql } from '../test/helpers/sql.ts';
import { createBenchDatabases } from './database.ts';
import { positiveInt } from './measure.ts';
import { readCpuMs, root } from './processes.ts';
import { writeResults } from './report.ts';
import { cleanups, runBenchmark } from './run-benchmark.ts';

const settings = {
  rounds: positiveInt('BENCH_ROUNDS', 2),
  durationSeconds: positiveInt('BENCH_DURATION_SECONDS', 12),
  warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', 3),
  connections: positiveInt('BENCH_CONNECTIONS', 16),
  logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
};
/** Samples in the work list besides the clients' own (one each). */
const BACKGROUND_SAMPLES = 300;

const WORK_LIST = `query WorkList {
  samples(filter: { status: [IN_PREP, SEQUENCING, ANALYSIS, ON_HOLD] }, orderBy: { field: QUEUE }, first: 25) {
    totalCount
    edges { node { id labSampleId name status stage priority dueAt isOverdue assignee { id name } } }
  }
}`;
const SAMPLE = 'query Sample($id: ID!) { sample(id: $id) { id status stage qcStatus version } }';
const HOLD =
  'mutation Hold($id: ID!) { holdSample(id: $id, reason: "waiting for reagents") { id status version } }';
const RESUME = 'mutation Resume($id: ID!) { resumeSample(id: $id) { id status stage version } }';

type Kind = 'read' | 'move';

/** One client: its own sample, held and resumed in turn, with reads between. */
interface Client {
  sampleId: string;
  held: boolean;
  step: number;
}

/** A client's cycle: four reads and two moves (a third of the requests write). */
function nextRequest(client: Client): { kind: Kind; query: string; variables?: Record<string, unknown> } {
  const step = client.step++ % 6;
  const id = client.sampleId;
  if (step === 0 || step === 3) return { kind: 'read', query: WORK_LIST };
  if (step === 1 || step === 4) return { kind: 'read', query: SAMPLE, variables: { id } };
  return { kind: 'move', query: client.held ? RESUME : HOLD, variables: { id } };
}

function postJson(
  agent: http.Agent,
  url: URL,
  body: string,
  token: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out after 10 s')));
    request.on('error', reject);
    request.end(body);
  });
}

interface RunResult {
  configuration: string;
  round: number;
  routers: number;
  processes: number;
  elapsedSeconds: number;
  requests: number;
  moves: number;
  requestsPerSecond: number;
  movesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  moveLatencyMs: { p50: number; p99: number };
  errors: number;
  firstError: string | null;
  /** CPU time (user + system) of every stack process during the measured run, per request. */
  cpuMsPerRequest: number;
  /** The same, of the bench process itself (the load generator shares the machine's cores). */
  clientCpuMsPerRequest: number;
  /** Outbox events not yet delivered when the load stopped, and how long until every outbox was empty. */
  pendingAtEnd: number;
  drainSeconds: number;
  /** CPU of the stack processes just before the round, with no load: % of one core. */
  idleCpuPercent: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Runs every client in a closed loop against `routerUrls` (client i on router i mod n) for warm-up + duration;
 * measures the requests that start after the warm-up.
 */
async function runMixedLoad(
  routerUrls: string[],
  token: string,
  clients: Client[],
  stackPids: number[],
): Promise<
  Omit<
    RunResult,
    'configuration' | 'round' | 'processes' | 'pendingAtEnd' | 'drainSeconds' | 'idleCpuPercent'
  >
> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients.length });
  const urls = routerUrls.map((u) => new URL(u));
  const latencies: number[] = [];
  const moveLatencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const start = Date.now();
  const measureFrom = start + settings.warmupSeconds * 1000;
  const end = measureFrom + settings.durationSeconds * 1000;
  const stackCpu = async () => (await Promise.all(stackPids.map(readCpuMs))).reduce((a, b) => a + b, 0);
  let cpuBefore: Promise<[number, NodeJS.CpuUsage]> | undefined;
  const warmup = setTimeout(() => {
    cpuBefore = stackCpu().then((ms) => [ms, process.cpuUsage()]);
  }, measureFrom - start);

  await Promise.all(
    clients.map(async (client, i) => {
      const url = urls[i % urls.length]!;
      while (Date.now() < end) {
        const { kind, query, variables } = nextRequest(client);
        const sentAt = performance.now();
        const measured = Date.now() >= measureFrom;
        let problem: string | null = null;
        try {
          const reply = await postJson(agent, url, JSON.stringify({ query, variables }), token);
          const body = JSON.parse(reply.text) as { errors?: unknown[] };
          if (reply.status !== 200 || body.errors)
            problem = `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`;
        } catch (error) {
          problem = (error as Error).message;
        }
        // A failed move leaves the sample as it was: the client's idea of it stays right.
        if (kind === 'move' && !problem) client.held = !client.held;
        if (!measured || Date.now() > end) continue;
        const ms = performance.now() - sentAt;
        if (problem) {
          errors += 1;
          firstError ??= problem;
          continue;
        }
        latencies.push(ms);
        if (kind === 'move') moveLatencies.push(ms);
      }
    }),
  );
  clearTimeout(warmup);
  const [cpuStart, clientStart] = await (cpuBefore ?? Promise.resolve([0, process.cpuUsage()] as const));
  const cpu = (await stackCpu()) - cpuStart;
  const client = process.cpuUsage(clientStart);
  agent.destroy();
  const elapsedSeconds = settings.durationSeconds;
  latencies.sort((a, b) => a - b);
  moveLatencies.sort((a, b) => a - b);
  const requests = latencies.length;
  return {
    routers: routerUrls.length,
    elapsedSeconds,
    requests,
    moves: moveLatencies.length,
    requestsPerSecond: round1(requests / elapsedSeconds),
    movesPerSecond: round1(moveLatencies.length / elapsedSeconds),
    latencyMs: {
      p50: round1(percentile(latencies, 50)),
      p90: round1(percentile(latencies, 90)),
      p99: round1(percentile(latencies, 99)),
      max: round1(latencies.at(-1) ?? 0),
    },
    moveLatencyMs: { p50: round1(percentile(moveLatencies, 50)), p99: round1(percentile(moveLatencies, 99)) },
    errors,
    firstError,
    cpuMsPerRequest: round2(cpu / Math.max(requests, 1)),
    clientCpuMsPerRequest: round2((client.user + client.system) / 1000 / Math.max(requests, 1)),
  };
}

/** CPU of the stack processes while no request comes (relays and dispatchers polling, timers): % of one core. */
async function idleCpuPercent(pids: number[], ms = 3000): Promise<number> {
  const total = async () => (await Promise.all(pids.map(readCpuMs))).reduce((a, b) => a + b, 0);
  const before = await total();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return round1((((await total()) - before) / ms) * 100);
}

/** Outbox events not yet delivered, over every domain database that has an outbox. */
async function pendingEvents(outboxUrls: string[]): Promise<number> {
  const counts = await Promise.all(
    outboxUrls.map(async (url) => {
      const [row] = await sql<{ n: number }>(
        url,
        'SELECT count(*)::int AS n FROM outbox_event WHERE delivered_at IS NULL AND rejected_at IS NULL',
      );
      return row!.n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Seconds until every outbox is empty (polled every 100 ms; at most 120 s). */
async function drainSeconds(outboxUrls: string[]): Promise<number> {
  const started = Date.now();
  while ((await pendingEvents(outboxUrls)) > 0) {
    if (Date.now() - started > 120_000) throw new Error('the outboxes did not drain within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return round2((Date.now() - started) / 1000);
}

async function graphql(url: string, token: string | null, query: string, variables: object = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data)
    throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body)}`);
  return body.data;
}

/** Inserts samples in LIBRARY_PREP (QC passed), assigned to `userId`; returns their ids. */
async function seedSamples(
  databaseUrl: string,
  count: number,
  prefix: string,
  userId: string,
): Promise<string[]> {
  const qc = {
    SAMPLE_QC: { result: 'PASSED', note: null, recordedBy: userId, recordedAt: new Date().toISOString() },
  };
  const rows = await sql<{ id: string }>(
    databaseUrl,
    `INSERT INTO sample (id, name, lab_sample_id, owner_id, status, stage, qc, priority, assignee_id,
       received_at, due_at, entered_stage_at, updated_at)
     SELECT gen_random_uuid(), $1 || ' ' || i, $1 || '-' || i, $2, 'IN_PREP', 'LIBRARY_PREP', $3::jsonb,
       (ARRAY['URGENT','HIGH','NORMAL','LOW'])[1 + i % 4]::"Priority", $2, now() - interval '1 day',
       now() + interval '30 days', now(), now()
     FROM generate_series(1, $4) AS i RETURNING id`,
    [prefix, userId, JSON.stringify(qc), count],
  );
  return rows.map((r) => r.id);
}

function markdown(results: RunResult[], meta: Record<string, unknown>, checks: string[]): string {
  const row = (r: RunResult) =>
    `| ${r.configuration} | ${r.round} | ${r.requestsPerSecond} | ${r.movesPerSecond} | ${r.latencyMs.p50} | ` +
    `${r.latencyMs.p99} | ${r.moveLatencyMs.p50} | ${r.moveLatencyMs.p99} | ${r.cpuMsPerRequest} | ` +
    `${r.clientCpuMsPerRequest} | ${r.idleCpuPercent} | ${r.errors} | ${r.pendingAtEnd} | ${r.drainSeconds} |`;
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : round2((sorted[mid - 1]! + sorted[mid]!) / 2);
  };
  const summary = ['1 set', '2 sets'].map((configuration) => {
    const runs = results.filter((r) => r.configuration === configuration);
    return (
      `| ${configuration} | ${median(runs.map((r) => r.requestsPerSecond))} | ` +
      `${median(runs.map((r) => r.latencyMs.p50))} | ${median(runs.map((r) => r.latencyMs.p99))} | ` +
      `${median(runs.map((r) => r.cpuMsPerRequest))} |`
    );
  });
  return [
    '# Scale-out benchmark',
    '',
    `\`npm run bench:scale-out\` on ${meta.date}: Node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}, PostgreSQL ` +
      `from ${meta.database}. One set = a router and one process of each of the six subgraphs (7 processes); two ` +
      `sets = two routers and two of each (14 processes), on the same databases. ${settings.connections} clients in a ` +
      `closed loop (split evenly over the routers), each cycling work list (25 samples with assignee names), ` +
      `sample, hold, work list, sample, resume on its own sample: a third of the requests are workflow moves, ` +
      `each an outbox event relayed to the audit chain. ${settings.warmupSeconds} s warm-up, ` +
      `${settings.durationSeconds} s measured per round, configurations interleaved.`,
    '',
    '| configuration | round | req/s | moves/s | p50 ms | p99 ms | move p50 ms | move p99 ms | stack CPU ms/req | client CPU ms/req | idle stack CPU % | errors | outbox pending at end | drain s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(row),
    '',
    'Medians over the rounds:',
    '',
    '| configuration | req/s | p50 ms | p99 ms | stack CPU ms/req |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...summary,
    '',
    `This machine has ${meta.cpus} CPUs: the second set's processes compete for the same cores as the first ` +
      '(and the load generator, and PostgreSQL), so two sets cannot be expected to double throughput here; what ' +
      'they show is the cost of the extra processes (CPU per request) and whether the shared parts (databases, ' +
      'relays, the one audit chain) keep up. On separate machines each set has its own cores. Other work on the ' +
      'machine (load average below) moves req/s and latency from round to round more than CPU per request. ' +
      'Idle stack CPU is what the processes spend with no request at all (relays and dispatchers polling, ' +
      'timers): twice as many processes, about twice as much. When other work shares the machine, 14 processes ' +
      'also get a larger share of its cores from the scheduler than 7 do: req/s can rise for that reason alone.',
    '',
    ...checks.map((c) => `- ${c}`),
    '',
    `Load average (1/5/15 min) before ${(meta.loadBefore as number[]).map((l) => l.toFixed(2)).join('/')}, after ` +
      `${(meta.loadAfter as number[]).map((l) => l.toFixed(2)).join('/')}.`,
    '',
  ].join('\n');
}

async function main(): Promise<boolean> {
  const loadBefore = os.loadavg();
  const domains = listDomains();
  console.log('bench: creating the databases');
  const databases = await createBenchDatabases(domains);
  cleanups.push({ what: 'dropping the databases', run: databases.drop });
  const databaseUrls = Object.fromEntries(domains.map((d, i) => [d, databases.urls[i]!]));
  const filesDir = await mkdtemp(path.join(tmpdir(), 'bench-scale-files-'));
  cleanups.push({ what: 'removing the files', run: () => rm(filesDir, { recursive: true, force: true }) });
  const admin = { email: 'bench-admin@example.com', password: randomBytes(24).toString('base64url') };
  const plan = await planReplicas({
    databaseUrls,
    sets: 2,
    env: {
      LOG_LEVEL: settings.logLevel,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      FILES_DIR: filesDir,
      // No token may expire during the run.
      ACCESS_TOKEN_TTL_SECONDS: String(
        Math.max(900, 2 * settings.rounds * (settings.warmupSeconds + settings.durationSeconds + 120)),
      ),
    },
  });

  console.log('bench: starting set 1');
  const first = await startReplicaSet(1, plan[0]!);
  cleanups.push({ what: 'stopping set 1', run: first.close });
  const login = await graphql(
    first.routerUrl,
    null,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }',
    { e: admin.email, p: admin.password },
  );
  const { accessToken: token, user } = login.login as { accessToken: string; user: { id: string } };
  await seedSamples(databaseUrls.samples!, BACKGROUND_SAMPLES, 'BG', user.id);
  const own = await seedSamples(databaseUrls.samples!, settings.connections, 'CLIENT', user.id);
  const clients: Client[] = own.map((sampleId) => ({ sampleId, held: false, step: 0 }));

  const outboxUrls: string[] = [];
  for (const url of Object.values(databaseUrls)) {
    const [row] = await sql<{ has: boolean }>(url, `SELECT to_regclass('outbox_event') IS NOT NULL AS has`);
    if (row!.has) outboxUrls.push(url);
  }

  const results: RunResult[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const sets of [1, 2]) {
      let second: RunningSet | undefined;
      if (sets === 2) {
        console.log(`bench: round ${round}, starting set 2`);
        second = await startReplicaSet(2, plan[1]!);
        cleanups.push({ what: 'stopping set 2', run: second.close });
      }
      const running = second ? [first, second] : [first];
      const configuration = sets === 1 ? '1 set' : '2 sets';
      console.log(
        `bench: round ${round}, ${configuration}: ${settings.warmupSeconds} s + ${settings.durationSeconds} s`,
      );
      const pids = running.flatMap((s) => s.children.map((c) => c.pid));
      const idle = await idleCpuPercent(pids);
      const load = await runMixedLoad(
        running.map((s) => s.routerUrl),
        token,
        clients,
        pids,
      );
      const pendingAtEnd = await pendingEvents(outboxUrls);
      const drained = await drainSeconds(outboxUrls);
      const result: RunResult = {
        configuration,
        round,
        processes: running.length * 7,
        ...load,
        pendingAtEnd,
        drainSeconds: drained,
        idleCpuPercent: idle,
      };
      results.push(result);
      console.log(
        `  ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
          `${result.cpuMsPerRequest} CPU ms/req, ${result.errors} errors${result.firstError ? ` (${result.firstError})` : ''}`,
      );
      await second?.close();
      for (const child of running.flatMap((s) => s.children)) {
        const exit = child.exited();
        if (exit && child.name.endsWith('-1')) throw new Error(`${child.name} exited:\n${child.output()}`);
      }
    }
  }

  // The audit chain after all of it: intact, and each outbox event in it once.
  const verify = await graphql(first.routerUrl, token, '{ verifyAuditChain { intact checked reason } }');
  const chain = verify.verifyAuditChain as { intact: boolean; checked: number; reason: string | null };
  const [audit] = await sql<{ events: number; distinct: number }>(
    databaseUrls.audit!,
    'SELECT count(*)::int AS events, count(DISTINCT event_id)::int AS distinct FROM audit_event',
  );
  let outboxEvents = 0;
  for (const url of outboxUrls) {
    const [row] = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM outbox_event');
    outboxEvents += row!.n;
  }
  const [relayed] = await sql<{ n: number }>(
    databaseUrls.audit!,
    `SELECT count(*)::int AS n FROM audit_event WHERE service <> 'audit'`,
  );
  const checks = [
    `Audit chain: ${chain.intact ? 'intact' : `BROKEN (${chain.reason})`}, ${chain.checked} events checked.`,
    `Outbox events ${outboxEvents}, relayed audit events ${relayed!.n}, distinct event ids ${audit!.distinct} of ${audit!.events}: ` +
      `${relayed!.n === outboxEvents && audit!.distinct === audit!.events ? 'each delivered exactly once' : 'MISMATCH'}.`,
    `Errors over all rounds: ${results.reduce((a, r) => a + r.errors, 0)}.`,
  ];
  const ok =
    chain.intact &&
    relayed!.n === outboxEvents &&
    audit!.distinct === audit!.events &&
    results.every((r) => r.errors === 0 && r.requests > 0);

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    database: databases.source,
    loadBefore,
    loadAfter: os.loadavg(),
  };
  const text = markdown(results, meta, checks);
  console.log(`\n${text}`);
  const files = await writeResults(path.join(root, 'bench/results'), 'scale-out', text, {
    ...meta,
    settings,
    results,
    checks,
  });
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  return ok;
}

await runBenchmark(main);
