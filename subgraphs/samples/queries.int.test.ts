// The read side of the samples subgraph over real HTTP: filters, search, keyset pages, visibility per role,
// the intake queue, myWork, the dashboard, isOverdue and the Sample field resolvers. Rows are seeded directly.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../generated/prisma/samples/client.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

const NOW = new Date('2026-03-04T12:00:00.000Z');
const at = (iso: string) => new Date(iso);

function seeder(h: SamplesHarness) {
  return (data: Prisma.SampleUncheckedCreateInput) => h.subgraph.prisma.sample.create({ data });
}

const SAMPLES = `query ($filter: SampleFilter, $orderBy: SampleOrder, $first: Int, $after: String) {
  samples(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { cursor node { name } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;

describe('samples: filters, search, pages and visibility', () => {
  let h: SamplesHarness;
  let staff: Record<string, string>;
  const ownerA = randomUUID();
  const ownerB = randomUUID();
  const staff1 = randomUUID();
  const staff2 = randomUUID();
  const submission = randomUUID();
  const ids: Record<string, string> = {};
  let projectId: string;
  let runId: string;

  beforeAll(async () => {
    h = await startSamplesHarness();
    h.setNow(NOW);
    staff = await h.as(['STAFF']);
    const prisma = h.subgraph.prisma;
    projectId = (await prisma.project.create({ data: { name: 'P1', ownerId: ownerA } })).id;
    runId = (
      await prisma.run.create({
        data: {
          flowCellId: 'FAB12345',
          productCode: 'FLO-MIN114',
          format: 'MINION',
          kit: 'SQK-RBK114-24',
          experimentId: 'exp-1',
        },
      })
    ).id;
    const seed = seeder(h);
    const rows: Prisma.SampleUncheckedCreateInput[] = [
      {
        name: 'alpha',
        ownerId: ownerA,
        status: 'SUBMITTED',
        priority: 'NORMAL',
        createdAt: at('2026-03-01T00:00:00Z'),
        labSampleId: 'JL-1-001',
        requesterName: 'Ada Lovelace',
        requesterEmail: 'ada@lab.example',
        lab: 'Genomics',
        libraryKit: 'SQK-RBK114.24',
        flowCellFormat: 'MINION',
        submissionId: submission,
        rowNumber: 1,
      },
      {
        name: 'beta',
        ownerId: ownerA,
        status: 'RECEIVED',
        priority: 'URGENT',
        receivedAt: at('2026-03-02T00:00:00Z'),
        dueAt: at('2026-03-03T00:00:00Z'),
        createdAt: at('2026-03-02T00:00:00Z'),
        assigneeId: staff1,
        projectId,
        submissionId: submission,
        rowNumber: 2,
        labSampleId: 'JL-1-002',
        flowCellFormat: 'PROMETHION',
        libraryKit: 'SQK-LSK114',
        volumeUl: 20,
        nanodropNgPerUl: 50,
        a260_280: 1.8,
        nucleicAcid: 'RNA',
        materialType: 'CDNA',
        sourceOrganism: 'Homo sapiens',
        buffer: 'TE',
        containsHumanDna: true,
        chemistry: 'R10.4.1',
        productCode: 'FLO-PRO114M',
        basecallingModel: 'sup',
        fileFormats: ['FASTQ', 'BAM'],
        barcode: 'barcode01',
      },
      {
        name: 'gamma',
        ownerId: ownerB,
        status: 'IN_PREP',
        stage: 'SAMPLE_QC',
        priority: 'HIGH',
        dueAt: at('2026-03-10T00:00:00Z'),
        createdAt: at('2026-03-03T00:00:00Z'),
        assigneeId: staff1,
        projectId,
        isControl: true,
        lab: 'Proteomics 100%',
      },
      {
        name: 'delta_x',
        ownerId: ownerB,
        status: 'COMPLETED',
        priority: 'LOW',
        qcStatus: 'PASSED',
        dueAt: at('2026-03-01T00:00:00Z'),
        completedAt: at('2026-03-04T08:00:00Z'),
        createdAt: at('2026-02-20T00:00:00Z'),
      },
      {
        name: 'deltaYx',
        ownerId: ownerA,
        status: 'ON_HOLD',
        stage: 'LIBRARY_PREP',
        heldFromStatus: 'IN_PREP',
        heldFromStage: 'LIBRARY_PREP',
        priority: 'NORMAL',
        qcStatus: 'CONDITIONAL',
        dueAt: at('2026-03-04T11:00:00Z'),
        createdAt: at('2026-03-04T09:00:00Z'),
        requesterEmail: 'x@other.example',
      },
      {
        name: 'epsilon',
        ownerId: ownerB,
        status: 'FAILED',
        stage: 'LIBRARY_QC',
        priority: 'HIGH',
        qcStatus: 'FAILED',
        dueAt: at('2026-03-05T00:00:00Z'),
        createdAt: at('2026-02-25T00:00:00Z'),
        assigneeId: staff2,
        lab: 'Lab 1000',
        // Keys in reverse stage order: the API lists them in stage order.
        qc: {
          LIBRARY_QC: {
            result: 'FAILED',
            note: 'low yield',
            recordedBy: staff2,
            recordedAt: '2026-02-27T10:00:00.000Z',
          },
          SAMPLE_QC: {
            result: 'PASSED',
            note: null,
            recordedBy: staff1,
            recordedAt: '2026-02-26T10:00:00.000Z',
          },
        },
      },
      {
        name: 'zeta',
        ownerId: ownerB,
        status: 'DISTRIBUTED',
        priority: 'LOW',
        qcStatus: 'PASSED',
        dueAt: at('2026-02-20T00:00:00Z'),
        completedAt: at('2026-03-03T23:59:59Z'),
        distributedAt: at('2026-03-04T01:00:00Z'),
        createdAt: at('2026-02-10T00:00:00Z'),
      },
    ];
    for (const row of rows) ids[row.name] = (await seed(row)).id;
    await prisma.runSample.createMany({
      data: [
        { runId, sampleId: ids.gamma!, alias: 'gamma', barcode: 'barcode01' },
        { runId, sampleId: ids.deltaYx!, alias: 'deltaYx', barcode: 'barcode02' },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function names(filter: Record<string, unknown>, headers = staff): Promise<string[]> {
    const { body } = await h.gql(SAMPLES, { filter, first: 500 }, headers);
    expect(body.errors).toBeUndefined();
    const result: string[] = body.data.samples.edges.map((e: { node: { name: string } }) => e.node.name);
    expect(body.data.samples.totalCount).toBe(result.length);
    return result.sort();
  }

  it.each([
    [{ status: ['SUBMITTED', 'RECEIVED'] }, ['alpha', 'beta']],
    [{ stage: ['SAMPLE_QC', 'LIBRARY_PREP'] }, ['deltaYx', 'gamma']],
    [{ priority: ['HIGH'] }, ['epsilon', 'gamma']],
    [{ qcStatus: ['PASSED', 'FAILED'] }, ['delta_x', 'epsilon', 'zeta']],
    [{ status: [] }, []],
    [{ unassigned: true }, ['alpha', 'deltaYx', 'delta_x', 'zeta']],
    [{ unassigned: false }, ['beta', 'epsilon', 'gamma']],
    [{ flowCellFormat: ['PROMETHION'] }, ['beta']],
    [{ libraryKit: 'sqk-rbk114.24' }, ['alpha']],
    [{ isControl: true }, ['gamma']],
    [{ overdue: true }, ['beta', 'deltaYx']],
    [{ overdue: false }, ['alpha', 'delta_x', 'epsilon', 'gamma', 'zeta']],
    // [from, to): deltaYx was created exactly at `to`.
    [{ created: { from: '2026-03-02T00:00:00Z', to: '2026-03-04T09:00:00Z' } }, ['beta', 'gamma']],
    // epsilon is due exactly at `to`; samples with no due date never match a due range.
    [{ due: { from: '2026-03-03T00:00:00Z', to: '2026-03-05T00:00:00Z' } }, ['beta', 'deltaYx']],
    [{ due: { from: '2026-03-05T00:00:00Z' } }, ['epsilon', 'gamma']],
    [{ status: ['IN_PREP', 'FAILED', 'ON_HOLD'], priority: ['HIGH'] }, ['epsilon', 'gamma']],
  ])('filter %j', async (filter, expected) => {
    expect(await names(filter)).toEqual(expected);
  });

  it('filters by assignee, project, submission and run ids', async () => {
    expect(await names({ assigneeId: staff1 })).toEqual(['beta', 'gamma']);
    expect(await names({ projectId })).toEqual(['beta', 'gamma']);
    expect(await names({ submissionId: submission })).toEqual(['alpha', 'beta']);
    expect(await names({ runId })).toEqual(['deltaYx', 'gamma']);
    expect(await names({ runId: randomUUID() })).toEqual([]);
  });

  it.each([
    ['ada', ['alpha']],
    ['GENOMICS', ['alpha']],
    ['jl-1-00', ['alpha', 'beta']],
    ['other.example', ['deltaYx']],
    ['  beta  ', ['beta']],
    // % and _ are literal: unescaped, '100%' would also match 'Lab 1000' and 'delta_x' also 'deltaYx'.
    ['100%', ['gamma']],
    ['%', ['gamma']],
    ['delta_x', ['delta_x']],
    ['_', ['delta_x']],
  ])('search %j', async (search, expected) => {
    expect(await names({ search })).toEqual(expected);
  });

  it('pages through three pages in a stable order (default: newest first)', async () => {
    const seen: string[] = [];
    const pages: { hasNextPage: boolean; totalCount: number }[] = [];
    let after: string | null = null;
    do {
      const { body } = await h.gql(SAMPLES, { first: 3, after }, staff);
      expect(body.errors).toBeUndefined();
      const { edges, pageInfo, totalCount } = body.data.samples;
      seen.push(...edges.map((e: { node: { name: string } }) => e.node.name));
      pages.push({ hasNextPage: pageInfo.hasNextPage, totalCount });
      expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['deltaYx', 'gamma', 'beta', 'alpha', 'epsilon', 'delta_x', 'zeta']);
    expect(pages).toEqual([
      { hasNextPage: true, totalCount: 7 },
      { hasNextPage: true, totalCount: 7 },
      { hasNextPage: false, totalCount: 7 },
    ]);
  });

  it('pages over a nullable column with the nulls last', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const { body } = await h.gql(SAMPLES, { first: 3, after, orderBy: { field: 'DUE_AT' } }, staff);
      const { edges, pageInfo } = body.data.samples;
      seen.push(...edges.map((e: { node: { name: string } }) => e.node.name));
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['zeta', 'delta_x', 'beta', 'deltaYx', 'epsilon', 'gamma', 'alpha']);
  });

  it('orders by row number descending with the nulls last, then by id', async () => {
    const { body } = await h.gql(
      SAMPLES,
      { first: 3, orderBy: { field: 'ROW_NUMBER', direction: 'DESC' }, filter: { submissionId: submission } },
      staff,
    );
    expect(body.data.samples.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
      'beta',
      'alpha',
    ]);
  });

  it.each([
    [{ first: 0 }, 'first'],
    [{ first: 501 }, 'first'],
    [{ after: 'not-a-cursor' }, 'after'],
    [{ after: Buffer.from('123').toString('base64url') }, 'after'],
    [{ filter: { projectId: 'nope' } }, 'projectId'],
    [{ filter: { search: 'x'.repeat(201) } }, 'search'],
  ])('%j is BAD_USER_INPUT naming %s', async (variables, field) => {
    const { body } = await h.gql(SAMPLES, variables, staff);
    expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(body.data).toBeNull();
  });

  it('a SUBMITTER sees only their own samples, in every query', async () => {
    const a = await h.as(['SUBMITTER'], ownerA);
    const b = await h.as(['SUBMITTER'], ownerB);
    expect(await names({}, a)).toEqual(['alpha', 'beta', 'deltaYx']);
    expect(await names({ projectId }, a)).toEqual(['beta']);

    const one = `query ($id: ID!) { sample(id: $id) { name } }`;
    expect((await h.gql(one, { id: ids.alpha }, a)).body.data.sample).toEqual({ name: 'alpha' });
    expect((await h.gql(one, { id: ids.gamma }, a)).body).toEqual({ data: { sample: null } });
    expect((await h.gql(one, { id: 'not-a-uuid' }, a)).body).toEqual({ data: { sample: null } });

    const byLab = `query ($labSampleId: String!) { sampleByLabId(labSampleId: $labSampleId) { name } }`;
    expect((await h.gql(byLab, { labSampleId: 'JL-1-002' }, a)).body.data.sampleByLabId).toEqual({
      name: 'beta',
    });
    expect((await h.gql(byLab, { labSampleId: 'JL-1-002' }, b)).body).toEqual({
      data: { sampleByLabId: null },
    });

    const queue = `{ intakeQueue { edges { node { name } } totalCount } }`;
    expect((await h.gql(queue, {}, a)).body.data.intakeQueue).toEqual({
      edges: [{ node: { name: 'beta' } }, { node: { name: 'alpha' } }],
      totalCount: 2,
    });
    expect((await h.gql(queue, {}, b)).body.data.intakeQueue).toEqual({ edges: [], totalCount: 0 });

    const dashboard = `{ dashboard { total overdue completedToday } }`;
    expect((await h.gql(dashboard, {}, a)).body.data.dashboard).toEqual({
      total: 3,
      overdue: 2,
      completedToday: 0,
    });
    expect((await h.gql(dashboard, {}, b)).body.data.dashboard).toEqual({
      total: 4,
      overdue: 0,
      completedToday: 1,
    });

    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Sample { name } } }`;
    const representations = [
      { __typename: 'Sample', id: ids.alpha },
      { __typename: 'Sample', id: ids.gamma },
    ];
    expect((await h.gql(entities, { r: representations }, a)).body.data._entities).toEqual([
      { name: 'alpha' },
      null,
    ]);
  });

  it('VIEWER and STAFF see every sample; anonymous callers are UNAUTHENTICATED', async () => {
    expect(await names({}, await h.as(['VIEWER']))).toHaveLength(7);
    expect(await names({}, staff)).toHaveLength(7);
    for (const query of [
      SAMPLES,
      `{ sample(id: "${ids.alpha}") { name } }`,
      `{ intakeQueue { totalCount } }`,
      `{ myWork { count } }`,
      `{ dashboard { total } }`,
      `{ exportSamples(format: CSV) { count } }`,
    ]) {
      const { body } = await h.gql(query, {});
      expect(body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Sample { name } } }`;
    const { body } = await h.gql(entities, { r: [{ __typename: 'Sample', id: ids.alpha }] });
    expect(body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('dashboard: counts computed by hand for the seven samples', async () => {
    const { body } = await h.gql(
      `{ dashboard { total overdue completedToday byStatus { status count } byStage { stage count }
         byPriority { priority count } } }`,
      {},
      staff,
    );
    const d = body.data.dashboard;
    expect(d.total).toBe(7);
    // beta (due 03-03) and deltaYx (due 11:00 today); delta_x and zeta are past due but closed.
    expect(d.overdue).toBe(2);
    // delta_x at 08:00 today; zeta a second before midnight.
    expect(d.completedToday).toBe(1);
    expect(
      Object.fromEntries(d.byStatus.map((s: { status: string; count: number }) => [s.status, s.count])),
    ).toEqual({
      SUBMITTED: 1,
      RECEIVED: 1,
      IN_PREP: 1,
      SEQUENCING: 0,
      ANALYSIS: 0,
      COMPLETED: 1,
      DISTRIBUTED: 1,
      ARCHIVED: 0,
      ON_HOLD: 1,
      FAILED: 1,
      CANCELLED: 0,
    });
    // gamma in SAMPLE_QC, deltaYx held at LIBRARY_PREP; epsilon failed at LIBRARY_QC and is in no stage.
    expect(d.byStage).toEqual([
      { stage: 'SAMPLE_QC', count: 1 },
      { stage: 'LIBRARY_PREP', count: 1 },
      { stage: 'LIBRARY_QC', count: 0 },
      { stage: 'SEQUENCING_SETUP', count: 0 },
      { stage: 'SEQUENCING_RUN', count: 0 },
      { stage: 'BASECALLING', count: 0 },
      { stage: 'QUALITY_ASSESSMENT', count: 0 },
      { stage: 'DATA_DELIVERY', count: 0 },
    ]);
    // Open: alpha N, beta U, gamma H, deltaYx N, epsilon H (FAILED is open); delta_x and zeta are closed.
    expect(d.byPriority).toEqual([
      { priority: 'URGENT', count: 1 },
      { priority: 'HIGH', count: 2 },
      { priority: 'NORMAL', count: 2 },
      { priority: 'LOW', count: 0 },
    ]);
  });

  it('isOverdue and the overdue filter follow the clock', async () => {
    const overdue = async () => {
      const { body } = await h.gql(`{ samples(first: 50) { edges { node { name isOverdue } } } }`, {}, staff);
      return body.data.samples.edges
        .filter((e: { node: { isOverdue: boolean } }) => e.node.isOverdue)
        .map((e: { node: { name: string } }) => e.node.name)
        .sort();
    };
    try {
      h.setNow(at('2026-03-02T12:00:00Z'));
      expect(await overdue()).toEqual([]);
      expect(await names({ overdue: true })).toEqual([]);
      h.setNow(NOW);
      expect(await overdue()).toEqual(['beta', 'deltaYx']);
      // A minute past gamma's due time; epsilon (FAILED) still counts, delta_x and zeta (closed) never do.
      h.setNow(at('2026-03-10T00:01:00Z'));
      expect(await overdue()).toEqual(['beta', 'deltaYx', 'epsilon', 'gamma']);
      expect(await names({ overdue: true })).toEqual(['beta', 'deltaYx', 'epsilon', 'gamma']);
      expect(await names({ overdue: false })).toEqual(['alpha', 'delta_x', 'zeta']);
    } finally {
      h.setNow(NOW);
    }
  });

  it('Sample fields: references, project, material, measurements, request, qc, history, notes, runs', async () => {
    const prisma = h.subgraph.prisma;
    const actor = randomUUID();
    await prisma.sampleHistory.createMany({
      data: [
        {
          sampleId: ids.epsilon!,
          move: 'advance',
          fromStatus: 'IN_PREP',
          toStatus: 'IN_PREP',
          fromStage: 'SAMPLE_QC',
          toStage: 'LIBRARY_PREP',
          actorId: actor,
          at: at('2026-02-26T11:00:00Z'),
          timeInStageMs: 5_400_000,
        },
        {
          sampleId: ids.epsilon!,
          move: 'receive',
          fromStatus: 'SUBMITTED',
          toStatus: 'RECEIVED',
          actorId: actor,
          at: at('2026-02-25T09:00:00Z'),
        },
      ],
    });
    await prisma.sampleNote.create({
      data: { sampleId: ids.epsilon!, authorId: actor, body: 'rerun', createdAt: at('2026-02-27T11:00:00Z') },
    });
    const { body } = await h.gql(
      `query ($id: ID!, $beta: ID!) {
        epsilon: sample(id: $id) {
          owner { id } assignee { id } project { id }
          qc { stage result note recordedBy { id } recordedAt }
          history { move fromStatus toStatus fromStage toStage actor { id } reason qcResult at hoursInPreviousStage }
          notes { author { id } body createdAt }
          runs { alias barcode type }
        }
        beta: sample(id: $beta) {
          owner { id } project { id } runs { alias }
          material { nucleicAcid materialType sourceOrganism buffer containsHumanDna }
          measurements { volumeUl qubitNgPerUl nanodropNgPerUl a260_280 a260_230 concentrationNgPerUl totalNg }
          request { libraryKit flowCellFormat chemistry productCode basecallingModel fileFormats barcode }
          qc { stage } history { move } notes { body }
        }
        gamma: sample(id: ${JSON.stringify(ids.gamma)}) { assignee { id } runs { alias barcode type } }
      }`,
      { id: ids.epsilon, beta: ids.beta },
      staff,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.epsilon).toEqual({
      owner: { id: ownerB },
      assignee: { id: staff2 },
      project: null,
      qc: [
        {
          stage: 'SAMPLE_QC',
          result: 'PASSED',
          note: null,
          recordedBy: { id: staff1 },
          recordedAt: '2026-02-26T10:00:00.000Z',
        },
        {
          stage: 'LIBRARY_QC',
          result: 'FAILED',
          note: 'low yield',
          recordedBy: { id: staff2 },
          recordedAt: '2026-02-27T10:00:00.000Z',
        },
      ],
      history: [
        {
          move: 'receive',
          fromStatus: 'SUBMITTED',
          toStatus: 'RECEIVED',
          fromStage: null,
          toStage: null,
          actor: { id: actor },
          reason: null,
          qcResult: null,
          at: '2026-02-25T09:00:00.000Z',
          hoursInPreviousStage: null,
        },
        {
          move: 'advance',
          fromStatus: 'IN_PREP',
          toStatus: 'IN_PREP',
          fromStage: 'SAMPLE_QC',
          toStage: 'LIBRARY_PREP',
          actor: { id: actor },
          reason: null,
          qcResult: null,
          at: '2026-02-26T11:00:00.000Z',
          hoursInPreviousStage: 1.5,
        },
      ],
      notes: [{ author: { id: actor }, body: 'rerun', createdAt: '2026-02-27T11:00:00.000Z' }],
      runs: [],
    });
    expect(body.data.beta).toEqual({
      owner: { id: ownerA },
      project: { id: projectId },
      runs: [],
      material: {
        nucleicAcid: 'RNA',
        materialType: 'CDNA',
        sourceOrganism: 'Homo sapiens',
        buffer: 'TE',
        containsHumanDna: true,
      },
      measurements: {
        volumeUl: 20,
        qubitNgPerUl: null,
        nanodropNgPerUl: 50,
        a260_280: 1.8,
        a260_230: null,
        concentrationNgPerUl: 50,
        totalNg: 1000,
      },
      request: {
        libraryKit: 'SQK-LSK114',
        flowCellFormat: 'PROMETHION',
        chemistry: 'R10.4.1',
        productCode: 'FLO-PRO114M',
        basecallingModel: 'sup',
        fileFormats: ['FASTQ', 'BAM'],
        barcode: 'barcode01',
      },
      qc: [],
      history: [],
      notes: [],
    });
    expect(body.data.gamma).toEqual({
      assignee: { id: staff1 },
      runs: [{ alias: 'gamma', barcode: 'barcode01', type: 'test_sample' }],
    });
  });
});

describe('intakeQueue and myWork', () => {
  let h: SamplesHarness;
  const worker = randomUUID();

  beforeAll(async () => {
    h = await startSamplesHarness();
    h.setNow(NOW);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('intakeQueue: SUBMITTED and RECEIVED, urgent, high, normal, low, then oldest, across pages', async () => {
    const seed = seeder(h);
    const ownerId = randomUUID();
    const rows: [
      string,
      Prisma.SampleUncheckedCreateInput['priority'],
      string,
      Prisma.SampleUncheckedCreateInput['status'],
    ][] = [
      ['low', 'LOW', '2026-03-01T00:00:00Z', 'SUBMITTED'],
      ['normal-new', 'NORMAL', '2026-03-03T00:00:00Z', 'RECEIVED'],
      ['urgent', 'URGENT', '2026-03-04T00:00:00Z', 'SUBMITTED'],
      ['normal-old', 'NORMAL', '2026-03-02T00:00:00Z', 'SUBMITTED'],
      ['high', 'HIGH', '2026-03-04T06:00:00Z', 'RECEIVED'],
      ['in-prep', 'URGENT', '2026-02-01T00:00:00Z', 'IN_PREP'],
      ['cancelled', 'URGENT', '2026-02-01T00:00:00Z', 'CANCELLED'],
    ];
    for (const [name, priority, createdAt, status] of rows) {
      await seed({ name, ownerId, priority, status, createdAt: at(createdAt) });
    }
    const staff = await h.as(['STAFF']);
    const seen: string[] = [];
    const flags: boolean[] = [];
    let after: string | null = null;
    do {
      const { body } = await h.gql(
        `query ($after: String) { intakeQueue(first: 2, after: $after) {
           edges { node { name } } pageInfo { hasNextPage endCursor } totalCount } }`,
        { after },
        staff,
      );
      expect(body.errors).toBeUndefined();
      const page = body.data.intakeQueue;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e: { node: { name: string } }) => e.node.name));
      flags.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['urgent', 'high', 'normal-old', 'normal-new', 'low']);
    expect(flags).toEqual([true, true, false]);

    // The same order through samples(orderBy: QUEUE), and reversed.
    const { body } = await h.gql(
      `{ samples(filter: { status: [SUBMITTED, RECEIVED] }, orderBy: { field: QUEUE, direction: DESC }) {
         edges { node { name } } } }`,
      {},
      staff,
    );
    expect(body.data.samples.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(
      [...seen].reverse(),
    );
  });

  it("myWork: the caller's open samples by stage in workflow order (no stage first), each in queue order", async () => {
    const seed = seeder(h);
    const ownerId = randomUUID();
    const mine = (name: string, data: Partial<Prisma.SampleUncheckedCreateInput>) =>
      seed({
        name: `w-${name}`,
        ownerId,
        assigneeId: worker,
        createdAt: at('2026-03-01T00:00:00Z'),
        ...data,
      });
    await mine('run-normal', { status: 'SEQUENCING', stage: 'SEQUENCING_RUN', priority: 'NORMAL' });
    await mine('run-urgent', { status: 'SEQUENCING', stage: 'SEQUENCING_RUN', priority: 'URGENT' });
    await mine('received-new', { status: 'RECEIVED', createdAt: at('2026-03-03T00:00:00Z') });
    await mine('received-old', { status: 'RECEIVED', createdAt: at('2026-03-02T00:00:00Z') });
    await mine('qc', { status: 'IN_PREP', stage: 'SAMPLE_QC' });
    await mine('held', {
      status: 'ON_HOLD',
      stage: 'LIBRARY_PREP',
      heldFromStatus: 'IN_PREP',
      heldFromStage: 'LIBRARY_PREP',
    });
    await mine('completed', { status: 'COMPLETED' });
    await mine('cancelled', { status: 'CANCELLED', stage: 'LIBRARY_QC' });
    await mine('archived', { status: 'ARCHIVED' });
    await seed({
      name: 'w-someone-else',
      ownerId,
      assigneeId: randomUUID(),
      status: 'IN_PREP',
      stage: 'SAMPLE_QC',
    });

    const { body } = await h.gql(
      `{ myWork { stage count samples { name assignee { id } } } }`,
      {},
      await h.as(['STAFF'], worker),
    );
    expect(body.errors).toBeUndefined();
    expect(
      body.data.myWork.map((g: { stage: string | null; count: number; samples: { name: string }[] }) => ({
        stage: g.stage,
        count: g.count,
        names: g.samples.map((s) => s.name),
      })),
    ).toEqual([
      { stage: null, count: 2, names: ['w-received-old', 'w-received-new'] },
      { stage: 'SAMPLE_QC', count: 1, names: ['w-qc'] },
      { stage: 'LIBRARY_PREP', count: 1, names: ['w-held'] },
      { stage: 'SEQUENCING_RUN', count: 2, names: ['w-run-urgent', 'w-run-normal'] },
    ]);
    expect(body.data.myWork[0].samples[0].assignee).toEqual({ id: worker });

    const other = await h.gql(`{ myWork { stage } }`, {}, await h.as(['STAFF']));
    expect(other.body).toEqual({ data: { myWork: [] } });
  });
});
