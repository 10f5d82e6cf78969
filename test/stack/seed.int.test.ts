// `npm run seed` against the whole stack through the router: the demo lab lands with every status and stage, the
// analytics, turnaround and overdue lists have something to show, a second run changes nothing (a canonical dump
// of samples, runs and submissions read through the graph is identical, versions and updatedAt included), and a
// production configuration is refused before anything is sent.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSeed } from '../../scripts/seed.ts';
import { loadSeedConfig, type SeedConfig } from '../../scripts/seed/config.ts';
import type { SeedSummary } from '../../scripts/seed/apply.ts';
import { signIn, type GraphClient } from '../../scripts/seed/graph.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { STAGES, STATUSES } from '../../subgraphs/samples/stages.ts';

let stack: TestStack;
let config: SeedConfig;
let admin: GraphClient;
let first: SeedSummary;
const warnings: string[] = [];
const log = { info: () => undefined, warn: (message: string) => warnings.push(message) };

interface DumpedSample {
  labSampleId: string | null;
  submissionId: string | null;
  name: string;
  [field: string]: unknown;
}

/** Every sample, run and submission with what the seed sets, in a stable order. */
async function dump() {
  const samples: DumpedSample[] = [];
  let after: string | null = null;
  for (;;) {
    const page: {
      samples: {
        edges: { node: DumpedSample }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await admin.request(
      `query Dump($after: String) {
        samples(orderBy: { field: CREATED_AT }, first: 100, after: $after) {
          edges { node {
            id labSampleId submissionId name status stage priority qcStatus version createdAt updatedAt
            receivedAt dueAt completedAt distributedAt assignee { id } owner { id } project { name }
            qc { stage result note recordedAt }
            measurements { qubitNgPerUl volumeUl a260_230 }
            history { move fromStatus toStatus fromStage toStage reason qcResult at hoursInPreviousStage actor { id } }
            runs { run { experimentId } barcode alias }
            files { name sha256 version }
          } }
          pageInfo { hasNextPage endCursor }
        }
      }`,
      { after },
    );
    samples.push(...page.samples.edges.map((edge) => edge.node));
    if (!page.samples.pageInfo.hasNextPage) break;
    after = page.samples.pageInfo.endCursor;
  }
  const key = (s: DumpedSample) => s.labSampleId ?? `${s.submissionId}/${s.name}`;
  samples.sort((a, b) => key(a).localeCompare(key(b)));
  const { runs } = await admin.request<{ runs: { experimentId: string }[] }>(
    `{ runs(first: 200) { experimentId flowCellId kit position startedAt endedAt version minknowSampleSheet } }`,
  );
  runs.sort((a, b) => a.experimentId.localeCompare(b.experimentId));
  const { submissions } = await admin.request<{ submissions: { edges: { node: { id: string } }[] } }>(
    `{ submissions(first: 200) { edges { node { id sha256 status version fileName submittedBy { id } updatedAt } } } }`,
  );
  const { users } = await admin.request<{ users: { edges: unknown[] } }>(
    `{ users(first: 100) { edges { node { id email name roles active } } } }`,
  );
  return { samples, runs, submissions: submissions.edges, users: users.edges };
}

beforeAll(async () => {
  stack = await startTestStack();
  const loaded = loadSeedConfig(['--samples', '60'], {
    SEED_ROUTER_URL: stack.routerUrl,
    SEED_ADMIN_EMAIL: stack.admin.email,
    SEED_ADMIN_PASSWORD: stack.admin.password,
    SEED_USER_PASSWORD: 'a demo passphrase for the seeded accounts',
  });
  if (loaded === 'help') throw new Error('unexpected --help');
  config = loaded;
  first = await runSeed(config, log);
  admin = await signIn(stack.routerUrl, stack.admin.email, stack.admin.password);
}, 600_000);
afterAll(() => stack?.close());

describe('npm run seed', () => {
  test('loads every status and stage, users of every role, runs, files and the real documents', async () => {
    expect(warnings).toEqual([]);
    expect(first.skipped).toEqual([]);
    expect(first).toMatchObject({
      usersCreated: expect.any(Array),
      projectsCreated: 8,
      runsCreated: expect.any(Number),
    });
    expect(first.samplesCreated).toBeGreaterThanOrEqual(60);
    expect(first.runsCreated).toBeGreaterThan(0);
    expect(first.filesUploaded).toBeGreaterThan(0);

    const { dashboard } = await admin.request<{
      dashboard: {
        total: number;
        overdue: number;
        byStatus: { status: string; count: number }[];
        byStage: { stage: string; count: number }[];
      };
    }>(`{ dashboard { total overdue byStatus { status count } byStage { stage count } } }`);
    const byStatus = Object.fromEntries(dashboard.byStatus.map((s) => [s.status, s.count]));
    for (const status of STATUSES) expect(byStatus[status], status).toBeGreaterThan(0);
    const byStage = Object.fromEntries(dashboard.byStage.map((s) => [s.stage, s.count]));
    for (const stage of STAGES) expect(byStage[stage], stage).toBeGreaterThan(0);
    // The seeded history and the real quote's 96 samples and the sheet's 3.
    expect(dashboard.total).toBeGreaterThanOrEqual(60 + 96 + 3);
    expect(dashboard.overdue).toBeGreaterThan(0);

    const { samples: overdue } = await admin.request<{ samples: { totalCount: number } }>(
      `{ samples(filter: { overdue: true }, first: 1) { totalCount } }`,
    );
    expect(overdue.totalCount).toBe(dashboard.overdue);

    const { users } = await admin.request<{ users: { edges: { node: { roles: string[] } }[] } }>(
      `{ users(filter: { text: "@demo-lab.example" }, first: 50) { edges { node { roles } } } }`,
    );
    const roles = new Set(users.edges.flatMap((edge) => edge.node.roles));
    expect([...roles].sort()).toEqual(['ADMIN', 'STAFF', 'SUBMITTER', 'VIEWER']);

    expect(first.submissions.map((s) => [s.name, s.status])).toEqual([
      ['HTSF--JL-147_quote_160217072025.pdf', 'ACCEPTED'],
      ['nanopore-sample-submission-template.csv', 'ACCEPTED'],
      ['petrov-wastewater-2026-week-48.csv', 'IN_REVIEW'],
      ['santos-coral-reef-transect.csv', 'REJECTED'],
    ]);

    const { runs } = await admin.request<{ runs: { minknowSampleSheet: string; samples: unknown[] }[] }>(
      `{ runs(first: 200) { minknowSampleSheet samples { barcode } } }`,
    );
    expect(runs.length).toBe(first.runsCreated);
    for (const run of runs) {
      expect(run.minknowSampleSheet.split('\n')[0]).toContain('flow_cell_id');
      expect(run.samples.length).toBeGreaterThan(0);
    }
  });

  test('the history is dated over months: analytics, turnaround and throughput have data', async () => {
    const from = new Date(Date.parse(first.anchor) - 200 * 24 * 3600 * 1000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const { sampleAnalytics: a } = await admin.request<{
      sampleAnalytics: {
        turnaroundOverall: { count: number; p50Hours: number | null };
        byKit: { key: string }[];
        byMonth: { key: string }[];
        stageTimes: { stage: string; stats: { count: number } }[];
        bottleneckStage: string | null;
        weeklyThroughput: { received: number; completed: number }[];
        qcPassRates: { stage: string; recorded: number; failed: number }[];
        flowCellsByFormat: { runs: number }[];
        loadByLab: { lab: string }[];
      };
    }>(
      `query($from: DateBound!, $to: DateBound!) { sampleAnalytics(from: $from, to: $to) {
        turnaroundOverall { count p50Hours }
        byKit: turnaround(groupBy: KIT) { key }
        byMonth: turnaround(groupBy: MONTH) { key }
        stageTimes { stage stats { count } }
        bottleneckStage
        weeklyThroughput { received completed }
        qcPassRates { stage recorded failed }
        flowCellsByFormat { runs }
        loadByLab { lab }
      } }`,
      { from, to },
    );
    expect(a.turnaroundOverall.count).toBeGreaterThan(10);
    expect(a.turnaroundOverall.p50Hours).toBeGreaterThan(24);
    expect(a.byKit.length).toBeGreaterThan(1);
    // Completions spread over several months, receptions over many weeks.
    expect(a.byMonth.length).toBeGreaterThanOrEqual(3);
    expect(a.weeklyThroughput.filter((w) => w.received > 0).length).toBeGreaterThanOrEqual(5);
    expect(a.stageTimes.filter((s) => s.stats.count > 0).map((s) => s.stage)).toEqual(STAGES);
    expect(a.bottleneckStage).not.toBeNull();
    expect(a.qcPassRates.reduce((sum, s) => sum + s.recorded, 0)).toBeGreaterThan(60);
    expect(a.qcPassRates.reduce((sum, s) => sum + s.failed, 0)).toBeGreaterThan(0);
    expect(a.flowCellsByFormat.reduce((sum, f) => sum + f.runs, 0)).toBe(first.runsCreated);
    expect(a.loadByLab.length).toBeGreaterThan(3);
  });

  test('a second run changes nothing', async () => {
    const before = await dump();
    const again = await runSeed(config, log);
    expect(again).toMatchObject({
      anchor: first.anchor,
      usersCreated: [],
      projectsCreated: 0,
      samplesCreated: 0,
      stepsApplied: 0,
      runsCreated: 0,
      filesUploaded: 0,
      submissions: first.submissions,
      skipped: [],
    });
    expect(await dump()).toEqual(before);
  }, 300_000);

  test('refuses a production configuration, and a router elsewhere without the explicit flag', async () => {
    const credentials = { SEED_ADMIN_PASSWORD: 'any admin password' };
    expect(() =>
      loadSeedConfig([], { ...credentials, SEED_ROUTER_URL: 'https://lims.example.org/graphql' }),
    ).toThrow(/SEED_ROUTER_URL: lims\.example\.org is not this machine.*SEED_ALLOW_REMOTE/);
    expect(
      loadSeedConfig(['--allow-remote'], {
        ...credentials,
        SEED_ROUTER_URL: 'https://demo.example.org/graphql',
      }),
    ).toMatchObject({ url: 'https://demo.example.org/graphql' });
    expect(() =>
      loadSeedConfig(['--allow-remote'], {
        ...credentials,
        NODE_ENV: 'production',
        SEED_ROUTER_URL: stack.routerUrl,
      }),
    ).toThrow(/NODE_ENV: is production/);
    expect(() => loadSeedConfig([], {})).toThrow(/SEED_ADMIN_PASSWORD: required/);
    expect(() => loadSeedConfig(['--samples', '5'], credentials)).toThrow(
      /SEED_SAMPLES: must be at least 40/,
    );

    // The command itself: refused before anything is sent, exit code 1, the variable named.
    const root = path.resolve(import.meta.dirname, '../..');
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'scripts/seed.ts')],
      {
        cwd: root,
        env: { ...process.env, ...credentials, NODE_ENV: 'production', SEED_ROUTER_URL: stack.routerUrl },
      },
    );
    const failure = (await run.then(
      () => null,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/seed refused: .*\n.*NODE_ENV: is production/);
  }, 60_000);
});
