// No N+1: a page of samples with everything a list shows (users, project, measurements, qc, history, notes,
// runs) costs the same few SQL statements for 10 samples as for 100. Counted by the subgraph itself
// (db_queries_total on /metrics), so every statement Prisma sends is in the count.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

// The page (1), its totalCount (1), and one per kind: project, history, notes, runs (4).
const STATEMENTS_PER_PAGE = 6;

const PAGE = `query ($submissionId: ID!) {
  samples(filter: { submissionId: $submissionId }, first: 100) {
    totalCount
    edges { node {
      id name status stage isOverdue
      owner { id } assignee { id } project { id name }
      measurements { volumeUl concentrationNgPerUl totalNg }
      material { nucleicAcid } request { libraryKit fileFormats }
      qc { stage result recordedBy { id } recordedAt }
      history { move actor { id } at hoursInPreviousStage }
      notes { author { id } body }
      runs { alias barcode type }
    } }
  }
}`;

let h: SamplesHarness;
let runId: string;
const submissionId = randomUUID();

beforeAll(async () => {
  // A 100-sample page with every relation costs more than the default limit allows: this test is about SQL.
  h = await startSamplesHarness({ SUBGRAPH_MAX_COST: '100000' });
  runId = (
    await h.subgraph.prisma.run.create({
      data: {
        flowCellId: 'PAQ00001',
        productCode: 'FLO-PRO114M',
        format: 'PROMETHION',
        kit: 'SQK-NBD114-24',
        experimentId: 'n1',
      },
    })
  ).id;
});
afterAll(async () => {
  await h?.close();
});

/** `count` more samples on the submission, each with its own project, two history entries, a note and a run. */
async function seed(from: number, count: number): Promise<void> {
  const prisma = h.subgraph.prisma;
  const actor = randomUUID();
  const seeded = Array.from({ length: count }, (_, k) => ({
    i: from + k,
    id: randomUUID(),
    projectId: randomUUID(),
  }));
  await prisma.project.createMany({
    data: seeded.map(({ i, projectId }) => ({ id: projectId, name: `project-${i}`, ownerId: actor })),
  });
  await prisma.sample.createMany({
    data: seeded.map(({ i, id, projectId }) => ({
      id,
      name: `sample-${i}`,
      submissionId,
      ownerId: randomUUID(),
      assigneeId: actor,
      projectId,
      status: 'IN_PREP' as const,
      stage: 'LIBRARY_PREP' as const,
      volumeUl: 10,
      qubitNgPerUl: i,
      qc: {
        SAMPLE_QC: { result: 'PASSED', note: null, recordedBy: actor, recordedAt: new Date().toISOString() },
      },
    })),
  });
  await prisma.sampleHistory.createMany({
    data: seeded.flatMap(({ id }) => [
      {
        sampleId: id,
        move: 'receive',
        fromStatus: 'SUBMITTED' as const,
        toStatus: 'RECEIVED' as const,
        actorId: actor,
      },
      {
        sampleId: id,
        move: 'advance',
        fromStatus: 'IN_PREP' as const,
        toStatus: 'IN_PREP' as const,
        fromStage: 'SAMPLE_QC' as const,
        toStage: 'LIBRARY_PREP' as const,
        actorId: actor,
        timeInStageMs: 3_600_000,
      },
    ]),
  });
  await prisma.sampleNote.createMany({
    data: seeded.map(({ i, id }) => ({ sampleId: id, authorId: actor, body: `note ${i}` })),
  });
  await prisma.runSample.createMany({
    data: seeded.map(({ i, id }) => ({ runId, sampleId: id, alias: `alias-${i}` })),
  });
}

/** SQL statements one request for the page costs, and the page. */
async function measure(headers: Record<string, string>) {
  const before = await h.queryCount();
  const { body } = await h.gql(PAGE, { submissionId }, headers);
  const statements = (await h.queryCount()) - before;
  expect(body.errors).toBeUndefined();
  return { statements, edges: body.data.samples.edges };
}

describe('a page of samples with all its relations', () => {
  it(`costs ${STATEMENTS_PER_PAGE} SQL statements for 10 samples and for 100`, async () => {
    const staff = await h.as(['STAFF']);
    await seed(0, 10);
    const small = await measure(staff);
    expect(small.edges).toHaveLength(10);

    await seed(10, 90);
    const large = await measure(staff);
    expect(large.edges).toHaveLength(100);
    // Every sample got its own relations (not a shared or empty list).
    for (const { node } of large.edges) {
      const i = Number(node.name.slice('sample-'.length));
      expect(node.project.name).toBe(`project-${i}`);
      expect(node.history.map((e: { move: string }) => e.move).sort()).toEqual(['advance', 'receive']);
      expect(node.notes).toEqual([{ author: { id: expect.any(String) }, body: `note ${i}` }]);
      expect(node.runs).toEqual([{ alias: `alias-${i}`, barcode: null, type: 'test_sample' }]);
      expect(node.measurements.totalNg).toBe(10 * i);
    }

    expect(small.statements).toBeLessThanOrEqual(STATEMENTS_PER_PAGE);
    expect(large.statements).toBe(small.statements);
  });
});
