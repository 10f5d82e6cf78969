// Brings the running stack to the plan, through the graph only, doing only what is missing: users by email,
// projects by name, samples by lab sample id, each sample's steps by its history (the first n steps done when
// its history holds exactly the plan's first n moves at the plan's times), runs by experiment id, files by name,
// submissions by their bytes. So a second run changes nothing, and an interrupted run is completed.
import { PROJECTS, SEED_EMAIL_DOMAIN, SEED_SAMPLE_PREFIX, USERS, seedEmail } from './lab.ts';
import { planLab, type MoveName, type Plan, type PlannedSample, type Step } from './plan.ts';
import { SeedGraphError, type GraphClient } from './graph.ts';

export interface SeedLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface ApplyOptions {
  admin: GraphClient;
  /** About this many historical samples. */
  samples: number;
  /** Password for the demo accounts this run creates; null: a random one each, printed once. */
  userPassword: string | null;
  /** Signs in as a demo user (to import what a submitter imports). */
  signInAs(email: string, password: string): Promise<GraphClient>;
  /** Bytes of the real quote and of the CSV sheets. */
  documents: { quote: Uint8Array; sheets: { name: string; bytes: Uint8Array }[] };
  log: SeedLog;
}

export interface SeedSummary {
  anchor: string;
  usersCreated: string[];
  projectsCreated: number;
  samplesCreated: number;
  stepsApplied: number;
  runsCreated: number;
  filesUploaded: number;
  submissions: { name: string; id: string; status: string }[];
  /** Samples left as they were because their history is not the plan's (changed by hand since). */
  skipped: string[];
}

/** Parallel requests at once; the router and the subgraphs pool their own connections. */
const CONCURRENCY = 3;
/** Root fields per aliased request (the router's ROUTER_MAX_ROOT_FIELDS default is 20). */
const ALIASES = 20;
const BULK_MAX = 500;

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** A random password that passes the auth subgraph's rules (long, varied, no user data). */
function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return Buffer.from(bytes).toString('base64url');
}

interface ExistingSample {
  id: string;
  labSampleId: string;
  status: string;
  assignee: { id: string } | null;
  history: { move: string; at: string }[];
  files: { name: string }[];
}

const BULK_MOVES: Record<Exclude<MoveName, 'recordQc'>, string> = {
  receive: 'RECEIVE',
  advance: 'ADVANCE',
  hold: 'HOLD',
  resume: 'RESUME',
  fail: 'FAIL',
  reprocess: 'REPROCESS',
  cancel: 'CANCEL',
  markDistributed: 'MARK_DISTRIBUTED',
  archive: 'ARCHIVE',
};

export async function applySeed(options: ApplyOptions): Promise<SeedSummary> {
  const { admin, log } = options;
  const started = performance.now();
  const summary: SeedSummary = {
    anchor: '',
    usersCreated: [],
    projectsCreated: 0,
    samplesCreated: 0,
    stepsApplied: 0,
    runsCreated: 0,
    filesUploaded: 0,
    submissions: [],
    skipped: [],
  };

  // Users, by email.
  const { users } = await admin.request<{ users: { edges: { node: { id: string; email: string } }[] } }>(
    `query SeedUsers($text: String!) { users(filter: { text: $text }, first: 100) { edges { node { id email } } } }`,
    { text: `@${SEED_EMAIL_DOMAIN}` },
  );
  const userIds = new Map(users.edges.map(({ node }) => [node.email, node.id]));
  const knownPasswords = new Map<string, string>();
  for (const user of USERS) {
    const email = seedEmail(user.key);
    if (userIds.has(email)) continue;
    const password = options.userPassword ?? randomPassword();
    const { createUser } = await admin.request<{ createUser: { id: string } }>(
      `mutation SeedCreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { email, name: user.name, roles: user.roles, password } },
    );
    userIds.set(email, createUser.id);
    knownPasswords.set(email, password);
    summary.usersCreated.push(email);
    log.info(
      `user ${email} (${user.roles.join(', ')}) created${options.userPassword ? '' : `, password: ${password}`}`,
    );
  }
  const userId = (key: string) => userIds.get(seedEmail(key))!;

  // Projects, by name; the oldest one's creation is the anchor every date of the plan is counted back from.
  const projectQuery = `query SeedProjects { projects { id name createdAt } }`;
  let { projects } = await admin.request<{ projects: { id: string; name: string; createdAt: string }[] }>(
    projectQuery,
  );
  for (const project of PROJECTS) {
    if (projects.some((p) => p.name === project.name)) continue;
    await admin.request(
      `mutation SeedCreateProject($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { name: project.name, description: project.description, ownerId: userId(project.owner) } },
    );
    summary.projectsCreated += 1;
  }
  ({ projects } = await admin.request<{ projects: { id: string; name: string; createdAt: string }[] }>(
    projectQuery,
  ));
  const projectIds = new Map(projects.map((p) => [p.name, p.id]));
  const seeded = projects.filter((p) => PROJECTS.some((project) => project.name === p.name));
  const anchor = new Date(
    Math.floor(Math.min(...seeded.map((p) => Date.parse(p.createdAt))) / 60_000) * 60_000,
  );
  summary.anchor = anchor.toISOString();
  const plan = planLab(anchor, options.samples);
  log.info(`plan: ${plan.samples.length} samples, ${plan.runs.length} runs, history up to ${summary.anchor}`);

  // Samples, by lab sample id.
  let existing = await readSamples(admin, [...projectIds.values()]);
  const missing = plan.samples.filter((sample) => !existing.has(sample.labSampleId));
  await inParallel(chunk(missing, ALIASES), CONCURRENCY, async (group) => {
    const declarations = group.map((_, i) => `$i${i}: CreateSampleInput!`).join(', ');
    const fields = group.map((_, i) => `s${i}: createSample(input: $i${i}) { id }`).join('\n');
    const variables = Object.fromEntries(
      group.map((sample, i) => [
        `i${i}`,
        {
          ...sample.fields,
          name: sample.name,
          labSampleId: sample.labSampleId,
          ownerId: userId(sample.ownerKey),
          projectId: projectIds.get(sample.project.name),
          priority: sample.priority,
          occurredAt: sample.createdAt.toISOString(),
        },
      ]),
    );
    await admin.request(`mutation SeedCreateSamples(${declarations}) {\n${fields}\n}`, variables);
    summary.samplesCreated += group.length;
  });
  if (missing.length) existing = await readSamples(admin, [...projectIds.values()]);

  // Assignment: each batch to its technician (before any move: an archived sample's record is closed).
  const toAssign = new Map<string, string[]>();
  for (const sample of plan.samples) {
    const row = existing.get(sample.labSampleId)!;
    const assignee = userId(sample.assigneeKey);
    if (row.assignee?.id === assignee || row.status === 'ARCHIVED') continue;
    toAssign.set(assignee, [...(toAssign.get(assignee) ?? []), row.id]);
  }
  for (const [assignee, ids] of toAssign) {
    for (const part of chunk(ids, BULK_MAX)) {
      await admin.request(
        `mutation SeedAssign($ids: [ID!]!, $userId: ID) { assignSamples(ids: $ids, userId: $userId) { failed } }`,
        { ids: part, userId: assignee },
      );
    }
  }

  let lap = started;
  const timed = (phase: string) => {
    log.info(`${phase}: ${((performance.now() - lap) / 1000).toFixed(1)} s`);
    lap = performance.now();
  };
  timed('users, projects and samples');
  summary.stepsApplied = await applySteps(admin, plan, existing, summary, log);
  timed(`workflow steps (${summary.stepsApplied})`);
  await applyRuns(admin, plan, existing, summary);
  await applyFiles(admin, plan, existing, summary);
  timed('runs and files');
  await applySubmissions(options, userIds, knownPasswords, summary);
  timed('submissions');
  return summary;
}

async function readSamples(admin: GraphClient, projectIds: string[]): Promise<Map<string, ExistingSample>> {
  const found = new Map<string, ExistingSample>();
  for (const projectId of projectIds) {
    let after: string | null = null;
    for (;;) {
      const page: {
        samples: {
          edges: { node: ExistingSample }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await admin.request(
        `query SeedSamples($projectId: ID!, $after: String) {
          samples(filter: { projectId: $projectId }, orderBy: { field: LAB_SAMPLE_ID }, first: 200, after: $after) {
            edges { node { id labSampleId status assignee { id } history { move at } files { name } } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        { projectId, after },
      );
      for (const { node } of page.samples.edges) {
        if (node.labSampleId?.startsWith(SEED_SAMPLE_PREFIX)) found.set(node.labSampleId, node);
      }
      if (!page.samples.pageInfo.hasNextPage) break;
      after = page.samples.pageInfo.endCursor;
    }
  }
  return found;
}

/** How many of the plan's steps the sample's history already holds, or null when it is not the plan's. */
function stepsDone(sample: PlannedSample, history: ExistingSample['history']): number | null {
  if (history.length > sample.steps.length) return null;
  for (let i = 0; i < history.length; i++) {
    const step = sample.steps[i]!;
    if (history[i]!.move !== step.move || Date.parse(history[i]!.at) !== step.at.getTime()) return null;
  }
  return history.length;
}

interface Entry {
  id: string;
  sample: PlannedSample;
  /** Steps made. */
  done: number;
}

/** More rounds than any story has steps, retries included. */
const MAX_ROUNDS = 200;
const TRANSIENT = new Set(['SERVICE_UNAVAILABLE', 'TOO_MANY_REQUESTS', 'GATEWAY_TIMEOUT']);

function isTransient(error: unknown): boolean {
  return (
    error instanceof SeedGraphError && error.errors.some((e) => TRANSIENT.has(String(e.extensions?.code)))
  );
}

type Refuse = (entry: Entry, why: string) => void;

/** One batch's step as one bulkMoveSamples. */
async function sendBulk(
  admin: GraphClient,
  entries: Entry[],
  refused: Set<Entry>,
  uncertain: Set<Entry>,
  fail: Refuse,
) {
  const step = entries[0]!.sample.steps[entries[0]!.done]!;
  const { bulkMoveSamples } = await admin.request<{
    bulkMoveSamples: {
      results: {
        id: string;
        ok: boolean;
        error: { code: string; rule: string | null; message: string } | null;
      }[];
    };
  }>(
    `mutation SeedMove($input: BulkMoveInput!) {
      bulkMoveSamples(input: $input) { results { id ok error { code rule message } } }
    }`,
    {
      input: {
        ids: entries.map((entry) => entry.id),
        move: BULK_MOVES[step.move as Exclude<MoveName, 'recordQc'>],
        toStage: step.toStage ?? null,
        reason: step.reason ?? null,
        occurredAt: step.at.toISOString(),
      },
    },
  );
  bulkMoveSamples.results.forEach((result, i) => {
    if (result.ok) return;
    if (TRANSIENT.has(result.error?.code ?? '')) uncertain.add(entries[i]!);
    else {
      refused.add(entries[i]!);
      fail(entries[i]!, `${result.error?.code} ${result.error?.rule ?? ''} ${result.error?.message ?? ''}`);
    }
  });
}

/** QC results, one per sample, as aliased recordQc mutations. */
async function sendQc(
  admin: GraphClient,
  entries: Entry[],
  refused: Set<Entry>,
  uncertain: Set<Entry>,
  fail: Refuse,
) {
  const declarations = entries
    .map((_, i) => `$id${i}: ID!, $r${i}: QcResult!, $n${i}: String, $t${i}: DateTime`)
    .join(', ');
  const fields = entries
    .map((_, i) => `q${i}: recordQc(id: $id${i}, result: $r${i}, note: $n${i}, occurredAt: $t${i}) { id }`)
    .join('\n');
  const variables: Record<string, unknown> = {};
  entries.forEach((entry, i) => {
    const step = entry.sample.steps[entry.done]!;
    Object.assign(variables, {
      [`id${i}`]: entry.id,
      [`r${i}`]: step.result,
      [`n${i}`]: step.reason ?? null,
      [`t${i}`]: step.at.toISOString(),
    });
  });
  const { errors } = await admin.requestPartial(
    `mutation SeedQc(${declarations}) {\n${fields}\n}`,
    variables,
  );
  for (const error of errors) {
    const entry = entries[Number(String(error.path?.[0] ?? '').slice(1))];
    if (!entry) throw new SeedGraphError(`recordQc: ${error.message}`, [error]);
    if (TRANSIENT.has(String(error.extensions?.code))) uncertain.add(entry);
    else {
      refused.add(entry);
      fail(entry, `${error.extensions?.code} ${error.extensions?.rule ?? ''} ${error.message}`);
    }
  }
}

/** Steps made, read again from the samples' histories. */
async function rereadDone(admin: GraphClient, entries: Entry[]): Promise<void> {
  for (const group of chunk(entries, ALIASES)) {
    const declarations = group.map((_, i) => `$id${i}: ID!`).join(', ');
    const fields = group.map((_, i) => `s${i}: sample(id: $id${i}) { history { move at } }`).join('\n');
    const data = await admin.request<Record<string, { history: ExistingSample['history'] }>>(
      `query SeedReread(${declarations}) {\n${fields}\n}`,
      Object.fromEntries(group.map((entry, i) => [`id${i}`, entry.id])),
    );
    group.forEach((entry, i) => {
      const done = stepsDone(entry.sample, data[`s${i}`]!.history);
      if (done === null) throw new Error(`${entry.sample.labSampleId}: its history is no longer the seed's`);
      entry.done = done;
    });
  }
}

const moveKey = (step: Step) =>
  [step.move, step.at.toISOString(), step.toStage ?? '', step.reason ?? ''].join('|');

/**
 * Every sample's missing steps, one step per sample per round: the samples whose next step is the same move at
 * the same time (a batch moving together) go in one bulkMoveSamples; QC results, one per sample, go as aliased
 * recordQc mutations.
 */
async function applySteps(
  admin: GraphClient,
  plan: Plan,
  existing: Map<string, ExistingSample>,
  summary: SeedSummary,
  log: SeedLog,
): Promise<number> {
  const pending: Entry[] = [];
  for (const sample of plan.samples) {
    const row = existing.get(sample.labSampleId)!;
    const done = stepsDone(sample, row.history);
    if (done === null) {
      summary.skipped.push(sample.labSampleId);
      log.warn(`${sample.labSampleId}: its history is not the seed's (changed since?); left as it is`);
      continue;
    }
    if (done < sample.steps.length) pending.push({ id: row.id, sample, done });
  }
  let applied = 0;
  const fail = (entry: Entry, why: string) => {
    summary.skipped.push(entry.sample.labSampleId);
    log.warn(
      `${entry.sample.labSampleId}: step ${entry.done + 1} (${entry.sample.steps[entry.done]!.move}) refused: ${why}`,
    );
  };
  let active = pending;
  for (let round = 0; active.length; round++) {
    const groups = new Map<string, Entry[]>();
    const qc: Entry[] = [];
    for (const entry of active) {
      const step = entry.sample.steps[entry.done]!;
      if (step.move === 'recordQc') qc.push(entry);
      else groups.set(moveKey(step), [...(groups.get(moveKey(step)) ?? []), entry]);
    }
    const refused = new Set<Entry>();
    /** Busy or timed out: whether the step was made is not known; the history is read again before a retry. */
    const uncertain = new Set<Entry>();
    const attempt = async (entries: Entry[], send: () => Promise<void>) => {
      try {
        await send();
      } catch (error) {
        if (!isTransient(error)) throw error;
        for (const entry of entries) uncertain.add(entry);
      }
    };
    const jobs = [
      ...[...groups.values()]
        .flatMap((entries) => chunk(entries, BULK_MAX))
        .map((entries) => () => attempt(entries, () => sendBulk(admin, entries, refused, uncertain, fail))),
      ...chunk(qc, ALIASES).map(
        (entries) => () => attempt(entries, () => sendQc(admin, entries, refused, uncertain, fail)),
      ),
    ];
    await inParallel(jobs, CONCURRENCY, (job) => job());
    if (uncertain.size) {
      if (round > MAX_ROUNDS) throw new Error(`the stack stayed busy: ${uncertain.size} steps not made`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await rereadDone(admin, [...uncertain]);
    }
    const next: Entry[] = [];
    for (const entry of active) {
      if (refused.has(entry)) continue;
      if (!uncertain.has(entry)) {
        entry.done += 1;
        applied += 1;
      }
      if (entry.done < entry.sample.steps.length) next.push(entry);
    }
    active = next;
  }
  return applied;
}

async function applyRuns(
  admin: GraphClient,
  plan: Plan,
  existing: Map<string, ExistingSample>,
  summary: SeedSummary,
): Promise<void> {
  const { runs } = await admin.request<{
    runs: {
      id: string;
      experimentId: string;
      endedAt: string | null;
      version: number;
      samples: { sample: { id: string } }[];
    }[];
  }>(`query SeedRuns { runs(first: 200) { id experimentId endedAt version samples { sample { id } } } }`);
  await inParallel(plan.runs, CONCURRENCY, async (planned) => {
    let run = runs.find((r) => r.experimentId === planned.experimentId);
    if (!run) {
      const { createRun } = await admin.request<{ createRun: { id: string; version: number } }>(
        `mutation SeedCreateRun($input: CreateRunInput!) { createRun(input: $input) { id version } }`,
        {
          input: {
            flowCellId: planned.flowCellId,
            productCode: planned.productCode,
            format: planned.format,
            position: planned.position,
            kit: planned.kit,
            experimentId: planned.experimentId,
            startedAt: planned.startedAt.toISOString(),
          },
        },
      );
      run = { ...createRun, experimentId: planned.experimentId, endedAt: null, samples: [] };
      summary.runsCreated += 1;
    }
    const loaded = new Set(run.samples.map((entry) => entry.sample.id));
    const toLoad = planned.samples
      .map((entry) => ({ sampleId: existing.get(entry.labSampleId)?.id, barcode: entry.barcode }))
      .filter(
        (entry): entry is { sampleId: string; barcode: string } =>
          !!entry.sampleId && !loaded.has(entry.sampleId),
      );
    if (toLoad.length) {
      await admin.request(
        `mutation SeedLoadRun($runId: ID!, $samples: [RunSampleInput!]!) { addSamplesToRun(runId: $runId, samples: $samples) { id } }`,
        { runId: run.id, samples: toLoad },
      );
    }
    if (planned.endedAt && !run.endedAt) {
      await admin.request(
        `mutation SeedEndRun($id: ID!, $input: UpdateRunInput!) { updateRun(id: $id, input: $input) { id } }`,
        { id: run.id, input: { endedAt: planned.endedAt.toISOString() } },
      );
    }
  });
}

/** A QC report as the lab's Qubit/NanoDrop export would give it: one CSV per sample. */
function qcReport(sample: PlannedSample): Uint8Array {
  const f = sample.fields as Record<string, number | string>;
  const lines = [
    'lab_sample_id,sample_name,qubit_ng_per_ul,nanodrop_ng_per_ul,a260_280,a260_230,volume_ul',
    [
      sample.labSampleId,
      sample.name,
      f.qubitNgPerUl,
      f.nanodropNgPerUl,
      f.a260_280,
      f.a260_230,
      f.volumeUl,
    ].join(','),
  ];
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`);
}

async function applyFiles(
  admin: GraphClient,
  plan: Plan,
  existing: Map<string, ExistingSample>,
  summary: SeedSummary,
): Promise<void> {
  const toUpload = plan.samples.filter((sample) => {
    if (!sample.qcReport) return false;
    const row = existing.get(sample.labSampleId)!;
    return !row.files.some((file) => file.name === `qc-${sample.labSampleId}.csv`);
  });
  await inParallel(toUpload, CONCURRENCY, async (sample) => {
    await admin.upload(
      `mutation SeedUpload($file: Upload!, $sampleId: ID!) { uploadFile(file: $file, attachTo: { sampleId: $sampleId }, kind: QC_REPORT) { id } }`,
      { sampleId: existing.get(sample.labSampleId)!.id },
      { name: `qc-${sample.labSampleId}.csv`, bytes: qcReport(sample), type: 'text/csv' },
    );
    summary.filesUploaded += 1;
  });
}

interface SubmissionRow {
  id: string;
  sha256: string | null;
  status: string;
  version: number;
}

/** What becomes of each document: who submits it, and what staff do with it. */
interface DocumentPlan {
  name: string;
  bytes: Uint8Array;
  type: string;
  submitter: string;
  outcome: 'accept-and-receive' | 'accept' | 'review' | 'reject';
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Buffer.from(digest).toString('hex');
}

async function applySubmissions(
  options: ApplyOptions,
  userIds: Map<string, string>,
  knownPasswords: Map<string, string>,
  summary: SeedSummary,
): Promise<void> {
  const { admin, documents, log } = options;
  const outcomes: DocumentPlan['outcome'][] = ['accept-and-receive', 'review', 'reject'];
  const submitters = ['george.mensah', 'ivan.petrov', 'julia.santos'];
  const plans: DocumentPlan[] = [
    {
      name: 'HTSF--JL-147_quote_160217072025.pdf',
      bytes: documents.quote,
      type: 'application/pdf',
      submitter: 'kwame.asante',
      outcome: 'accept',
    },
    ...documents.sheets.map((sheet, i) => ({
      name: sheet.name,
      bytes: sheet.bytes,
      type: 'text/csv',
      submitter: submitters[i % submitters.length]!,
      outcome: outcomes[i % outcomes.length]!,
    })),
  ];
  const { submissions } = await admin.request<{ submissions: { edges: { node: SubmissionRow }[] } }>(
    `query SeedSubmissions { submissions(first: 200) { edges { node { id sha256 status version } } } }`,
  );
  for (const document of plans) {
    const sha256 = await sha256Hex(document.bytes);
    let row = submissions.edges.map((edge) => edge.node).find((node) => node.sha256 === sha256);
    if (!row) {
      const email = seedEmail(document.submitter);
      let password = knownPasswords.get(email);
      if (!password) {
        // An account from an earlier run whose password this run does not know: set a new one to act as it.
        password = options.userPassword ?? randomPassword();
        await admin.request(
          `mutation SeedReset($id: ID!, $password: String!) { resetPassword(id: $id, newPassword: $password) { id } }`,
          { id: userIds.get(email), password },
        );
        knownPasswords.set(email, password);
        log.info(
          `user ${email}: password reset to import a document${options.userPassword ? '' : `, password: ${password}`}`,
        );
      }
      const submitter = await options.signInAs(email, password);
      const { importSubmission } = await submitter.upload<{ importSubmission: SubmissionRow }>(
        `mutation SeedImport($file: Upload!) { importSubmission(file: $file) { id sha256 status version } }`,
        {},
        { name: document.name, bytes: document.bytes, type: document.type },
      );
      row = importSubmission;
    }
    if (row.status === 'IN_REVIEW' && document.outcome.startsWith('accept')) {
      const { acceptSubmission } = await admin.request<{ acceptSubmission: SubmissionRow }>(
        `mutation SeedAccept($id: ID!) { acceptSubmission(id: $id) { id sha256 status version } }`,
        { id: row.id },
      );
      row = acceptSubmission;
    }
    if (row.status === 'IN_REVIEW' && document.outcome === 'reject') {
      const { rejectSubmission } = await admin.request<{ rejectSubmission: SubmissionRow }>(
        `mutation SeedReject($id: ID!, $reason: String!) { rejectSubmission(id: $id, reason: $reason) { id sha256 status version } }`,
        { id: row.id, reason: 'Flow cell type R9.4.1 is no longer offered; please resubmit for R10.4.1' },
      );
      row = rejectSubmission;
    }
    if (document.outcome === 'accept-and-receive' && row.status === 'ACCEPTED') {
      await receiveWhenArrived(admin, row.id, log);
    }
    summary.submissions.push({ name: document.name, id: row.id, status: row.status });
  }
}

/** The accepted sheet's samples arrive through the outbox; the lab receives them today (no occurredAt: now). */
async function receiveWhenArrived(admin: GraphClient, submissionId: string, log: SeedLog): Promise<void> {
  const rows = await admin.request<{ submission: { rows: { rowNumber: number }[] } }>(
    `query SeedRows($id: ID!) { submission(id: $id) { rows(kind: [SAMPLE, CONTROL]) { rowNumber } } }`,
    { id: submissionId },
  );
  const expected = rows.submission.rows.length;
  const started = Date.now();
  for (;;) {
    const { submission } = await admin.request<{ submission: { samples: { id: string; status: string }[] } }>(
      `query SeedArrived($id: ID!) { submission(id: $id) { samples { id status } } }`,
      { id: submissionId },
    );
    if (submission.samples.length >= expected) {
      const ids = submission.samples.filter((s) => s.status === 'SUBMITTED').map((s) => s.id);
      if (ids.length) {
        await admin.request(`mutation SeedReceive($ids: [ID!]!) { receiveSamples(ids: $ids) { failed } }`, {
          ids,
        });
      }
      return;
    }
    if (Date.now() - started > 60_000) {
      log.warn(
        `submission ${submissionId}: ${submission.samples.length} of ${expected} samples arrived in 60 s; not received`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
