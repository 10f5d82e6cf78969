// `npx tsx bench/samples.ts`: the samples subgraph under load, with every subgraph in its own process.
// - The work list (100 samples with their assignees' names, resolved by the auth subgraph) through our router
//   and through a plain @apollo/gateway on the same supergraph: requests per second, p50/p99, memory, CPU.
// - SQL statements per work-list request, from the samples subgraph's db_queries_total.
// - A 500-sample bulkMoveSamples(ADVANCE) through the router, beside the same 500 moves as single advanceStage
//   calls (8 in flight).
// Printed and written to bench/results/latest-samples.{md,json}. Settings as bench/run.ts (BENCH_DATABASE_URL or
// TEST_DATABASE_URL, BENCH_DURATION_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS, BENCH_LOG_LEVEL).
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/free-port.ts';
import { readQueryCount } from '../test/helpers/metrics.ts';
import { expectData, send, type GraphQLRequest, type Reply } from './load.ts';
import { benchSettings, measure } from './measure.ts';
import { root, startChild } from './processes.ts';
import { markdownTable, passed, writeResults, type TargetResult } from './report.ts';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import { startBenchRouter, startBenchSubgraphs, SUPERGRAPH_FILE, type BenchSubgraphs } from './subgraphs.ts';

const settings = benchSettings();
const BULK_SIZE = 500;
const BULK_ROUNDS = 3;
const SINGLE_CONCURRENCY = 8;

const WORK_LIST = `query WorkList {
  samples(filter: { status: [IN_PREP, SEQUENCING, ANALYSIS] }, orderBy: { field: QUEUE }, first: 100) {
    totalCount
    edges { node { id labSampleId name status stage priority dueAt isOverdue assignee { id name } } }
  }
}`;
const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';
const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
const BULK_ADVANCE = `mutation($ids: [ID!]!) {
  bulkMoveSamples(input: { ids: $ids, move: ADVANCE }) { succeeded failed }
}`;
const ADVANCE = 'mutation($id: ID!) { advanceStage(id: $id) { id stage } }';

async function graphql(url: string, request: GraphQLRequest, what: string) {
  const reply = expectData(what, await send(url, request));
  return reply.json!.data!;
}

/** Three staff members to assign work to; returns their ids. */
async function createAssignees(stack: BenchSubgraphs, bearer: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  for (const name of ['Ada Lovelace', 'Barbara McClintock', 'Rosalind Franklin']) {
    const input = {
      email: `${name.split(' ')[0]!.toLowerCase()}@bench.test`,
      name,
      roles: ['STAFF'],
      password: 'a benchmark password',
    };
    const data = await graphql(
      stack.subgraphs.auth.url,
      { query: CREATE_USER, variables: { input }, headers: bearer },
      'createUser',
    );
    ids.push((data.createUser as { id: string }).id);
  }
  return ids;
}

/** Inserts `count` samples in one statement; returns their ids. */
async function seedSamples(
  databaseUrl: string,
  count: number,
  state: { status: string; stage: string | null; qc: object },
  assignees: string[],
  ownerId: string,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO sample (id, name, lab_sample_id, owner_id, status, stage, qc, priority, assignee_id,
         received_at, due_at, entered_stage_at, updated_at)
       SELECT gen_random_uuid(), 'bench ' || $1 || ' ' || i, 'BENCH-' || $1 || '-' || i, $2, $3::"SampleStatus",
         $4::"Stage", $5::jsonb, (ARRAY['URGENT','HIGH','NORMAL','LOW'])[1 + i % 4]::"Priority",
         ($6::uuid[])[1 + i % cardinality($6::uuid[])], now() - interval '1 day', now() + interval '30 days',
         CASE WHEN $4::text IS NULL THEN NULL ELSE now() END, now()
       FROM generate_series(1, $7) AS i
       RETURNING id`,
      [
        `${state.status}-${Date.now()}`,
        ownerId,
        state.status,
        state.stage,
        JSON.stringify(state.qc),
        assignees,
        count,
      ],
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

async function timeMs(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
}

async function main(): Promise<boolean> {
  const loadBefore = os.loadavg();
  console.log('bench: starting the subgraphs');
  const stack = await startBenchSubgraphs({
    logLevel: settings.logLevel,
    tokenTtlSeconds: Math.max(900, 3 * (settings.warmupSeconds + settings.durationSeconds) + 1200),
  });
  const { subgraphs } = stack;
  const login = await graphql(subgraphs.auth.url, { query: LOGIN, variables: stack.admin }, 'login');
  const token = (login.login as { accessToken: string }).accessToken;
  const bearer = { authorization: `Bearer ${token}` };
  const assignees = await createAssignees(stack, bearer);
  const passedLibraryQc = {
    SAMPLE_QC: {
      result: 'PASSED',
      note: null,
      recordedBy: assignees[0],
      recordedAt: new Date().toISOString(),
    },
  };
  await seedSamples(
    subgraphs.samples.databaseUrl,
    100,
    { status: 'IN_PREP', stage: 'LIBRARY_PREP', qc: passedLibraryQc },
    assignees,
    assignees[0]!,
  );

  const { child: router, url: routerUrl } = startBenchRouter(stack, settings.logLevel);

  const request: GraphQLRequest = { query: WORK_LIST, headers: bearer };
  const check = (reply: Reply) => {
    const samples = reply.json?.data?.samples as { edges: { node: { assignee: { name: string } | null } }[] };
    if (samples.edges.length !== 100 || samples.edges.some((e) => !e.node.assignee?.name)) {
      throw new Error(`the work list is not 100 samples with assignee names: ${reply.text.slice(0, 500)}`);
    }
  };
  const behind = [subgraphs.samples.child, subgraphs.auth.child];
  const targets: TargetResult[] = [];
  targets.push(
    await measure({ name: 'our router', url: routerUrl, child: router, behind }, request, check, settings),
  );

  // SQL statements per request, once the caches are warm: the same for any page size (no N+1).
  const before = await readQueryCount(subgraphs.samples.origin);
  const probes = 20;
  for (let i = 0; i < probes; i++) await graphql(routerUrl, request, 'work list');
  const sqlPerRequest = ((await readQueryCount(subgraphs.samples.origin)) - before) / probes;

  // Bulk advance: RECEIVED -> SAMPLE_QC, 500 at once, against 500 single calls.
  const bulk: number[] = [];
  const single: number[] = [];
  for (let round = 0; round < BULK_ROUNDS; round++) {
    const ids = await seedSamples(
      subgraphs.samples.databaseUrl,
      BULK_SIZE,
      { status: 'RECEIVED', stage: null, qc: {} },
      assignees,
      assignees[0]!,
    );
    bulk.push(
      await timeMs(async () => {
        const data = await graphql(
          routerUrl,
          { query: BULK_ADVANCE, variables: { ids }, headers: bearer },
          'bulk',
        );
        const result = data.bulkMoveSamples as { succeeded: number };
        if (result.succeeded !== BULK_SIZE) throw new Error(`bulk advance: ${JSON.stringify(result)}`);
      }),
    );
    const singles = await seedSamples(
      subgraphs.samples.databaseUrl,
      BULK_SIZE,
      { status: 'RECEIVED', stage: null, qc: {} },
      assignees,
      assignees[0]!,
    );
    single.push(
      await timeMs(async () => {
        const queue = [...singles];
        await Promise.all(
          Array.from({ length: SINGLE_CONCURRENCY }, async () => {
            for (let id = queue.pop(); id; id = queue.pop()) {
              await graphql(
                routerUrl,
                { query: ADVANCE, variables: { id }, headers: bearer },
                'advanceStage',
              );
            }
          }),
        );
      }),
    );
  }
  await router.stop();

  const gatewayPort = await freePort();
  const gateway = startChild('plain @apollo/gateway', 'bench/plain-gateway.ts', [], {
    ...stack.urlVariables('BENCH_SUBGRAPH_URL_'),
    BENCH_SUPERGRAPH: SUPERGRAPH_FILE,
    PORT: String(gatewayPort),
  });
  cleanups.push({ what: 'stopping the plain gateway', run: () => gateway.stop() });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
  targets.push(
    await measure(
      { name: 'plain @apollo/gateway', url: gatewayUrl, child: gateway, behind },
      request,
      check,
      settings,
    ),
  );
  await gateway.stop();

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    loadAverage: { before: loadBefore, after: os.loadavg() },
    database: stack.databaseSource,
    settings,
    workList: { query: WORK_LIST, targets, sqlStatementsPerRequest: sqlPerRequest },
    bulkAdvance: {
      samples: BULK_SIZE,
      bulkMs: bulk,
      singleCallsMs: single,
      singleConcurrency: SINGLE_CONCURRENCY,
    },
  };
  const markdown = [
    '# Samples benchmark',
    '',
    `\`npx tsx bench/samples.ts\` on ${results.date}: Node ${results.node}, ${results.cpus} × ${results.cpuModel}, ` +
      `PostgreSQL from ${results.database}; every subgraph, the router and the gateway in their own processes.`,
    '',
    `## Work list: 100 samples with their assignees' names`,
    '',
    `${settings.connections} connections, ${settings.warmupSeconds} s warm-up, ${settings.durationSeconds} s measured. ` +
      `The assignees' names come from the auth subgraph (one entity call per request).`,
    '',
    markdownTable(targets),
    '',
    ...targets.map(
      (t) =>
        `- ${t.target}: ${t.responses} responses${passed(t) ? '' : ' — FAILED'}; CPU per request ` +
        `${t.cpuMsPerRequest.server.toFixed(2)} ms (+ ${t.cpuMsPerRequest.subgraphs.toFixed(2)} ms in the samples and auth subgraphs).`,
    ),
    `- SQL statements per work-list request in the samples database: ${sqlPerRequest}.`,
    '',
    `## Bulk advance of ${BULK_SIZE} samples (RECEIVED -> SAMPLE_QC) through the router`,
    '',
    '| how | runs (ms) | median (ms) |',
    '| --- | --- | ---: |',
    `| one bulkMoveSamples | ${bulk.join(', ')} | ${median(bulk)} |`,
    `| ${BULK_SIZE} advanceStage calls, ${SINGLE_CONCURRENCY} in flight | ${single.join(', ')} | ${median(single)} |`,
    '',
    `Load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ` +
      `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join('/')}.`,
    '',
  ].join('\n');
  console.log(`\n${markdown}`);
  const files = await writeResults(path.join(root, 'bench/results'), 'samples', markdown, results);
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  return targets.every(passed);
}

await runBenchmark(main);
