import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma, Sample } from '../../generated/prisma/samples/client.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

type Headers = Record<string, string>;
// Tests read arbitrary response and JSON-column shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let h: SamplesHarness;
let staff: Headers;
let viewer: Headers;
let submitter: Headers;
const staffId = randomUUID();
const submitterId = randomUUID();
const otherOwnerId = randomUUID();

const RUN = `id flowCellId productCode format position kit experimentId startedAt endedAt version
  samples { barcode alias type sample { id name } run { id } }`;
const CREATE = `mutation ($input: CreateRunInput!) { createRun(input: $input) { ${RUN} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateRunInput!, $version: Int) {
  updateRun(id: $id, input: $input, version: $version) { ${RUN} } }`;
const ADD = `mutation ($runId: ID!, $samples: [RunSampleInput!]!) {
  addSamplesToRun(runId: $runId, samples: $samples) { ${RUN} } }`;
const REMOVE = `mutation ($runId: ID!, $sampleId: ID!) {
  removeSampleFromRun(runId: $runId, sampleId: $sampleId) { ${RUN} } }`;
const GET = `query ($id: ID!) { run(id: $id) { ${RUN} } }`;
const SHEET = `query ($id: ID!) { run(id: $id) { id minknowSampleSheet } }`;

const HEADER =
  'flow_cell_id,position_id,sample_id,experiment_id,flow_cell_product_code,kit,barcode,alias,type';
const minionInput = {
  flowCellId: 'FAK12345',
  productCode: 'FLO-MIN114',
  format: 'MINION',
  kit: 'SQK-LSK114',
  experimentId: 'EXP-1',
};
const promethionInput = {
  flowCellId: 'PAW54321',
  productCode: 'flo-pro114m',
  format: 'PROMETHION',
  position: '1a',
  kit: 'SQK-NBD114.24',
  experimentId: 'JL-147',
  startedAt: '2026-03-01T09:00:00.000Z',
};

let seq = 0;
function seedSample(data: Partial<Prisma.SampleUncheckedCreateInput> = {}): Promise<Sample> {
  seq += 1;
  return h.subgraph.prisma.sample.create({
    data: {
      name: `Sample ${seq}`,
      labSampleId: `JL-147-${String(seq).padStart(3, '0')}`,
      ownerId: submitterId,
      ...data,
    },
  });
}

async function ok(query: string, variables: Record<string, unknown>, headers = staff) {
  const { body } = await h.gql(query, variables, headers);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return Object.values(body.data as Record<string, unknown>)[0] as Json;
}

async function refused(query: string, variables: Record<string, unknown>, headers = staff): Promise<Json> {
  const { body } = await h.gql(query, variables, headers);
  expect(body.errors, 'expected an error').toBeDefined();
  return { message: body.errors![0].message, ...body.errors![0].extensions };
}

async function createRun(input: Record<string, unknown> = minionInput) {
  return ok(CREATE, { input: { ...input, flowCellId: `${input.flowCellId}-${++seq}` } });
}

function events(entityId: string) {
  return h.sql<{
    type: string;
    entity_type: string;
    owner_id: string | null;
    actor_id: string;
    changes: Json;
    payload: Json;
  }>(
    'SELECT type, entity_type, owner_id, actor_id, changes, payload FROM outbox_event WHERE entity_id = $1 ORDER BY sequence',
    [entityId],
  );
}

async function runSampleCount(runId: string): Promise<number> {
  const [row] = await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM run_sample WHERE run_id = $1', [
    runId,
  ]);
  return row!.n;
}

beforeAll(async () => {
  h = await startSamplesHarness();
  staff = await h.as(['STAFF'], staffId);
  viewer = await h.as(['VIEWER']);
  submitter = await h.as(['SUBMITTER'], submitterId);
});
afterAll(async () => {
  await h?.close();
});

describe('createRun', () => {
  it('stores the kit as MinKNOW writes it and upper-cases codes; writes run.created', async () => {
    const run = await createRun(promethionInput);
    expect(run).toMatchObject({
      productCode: 'FLO-PRO114M',
      format: 'PROMETHION',
      position: '1A',
      kit: 'SQK-NBD114-24',
      experimentId: 'JL-147',
      startedAt: '2026-03-01T09:00:00.000Z',
      endedAt: null,
      version: 0,
      samples: [],
    });
    const [created] = await events(run.id);
    expect(created).toMatchObject({
      type: 'run.created',
      entity_type: 'Run',
      owner_id: null,
      actor_id: staffId,
    });
    expect(created!.changes).toMatchObject({
      kit: { from: null, to: 'SQK-NBD114-24' },
      position: { from: null, to: '1A' },
      format: { from: null, to: 'PROMETHION' },
    });
  });

  it.each([
    [
      'a MinION product code on a PromethION',
      { productCode: 'FLO-MIN114' },
      'productCode',
      'PRODUCT_CODE_FORMAT',
    ],
    ['no position on a PromethION', { position: null }, 'position', 'POSITION_REQUIRED'],
    ['a position that is not one', { position: 'Z9' }, 'position', 'POSITION_FORMAT'],
    ['a kit MinKNOW does not write', { kit: 'LSK 114' }, 'kit', 'KIT_FORMAT'],
    ['a comma in the experiment id', { experimentId: 'JL,147' }, 'experimentId', 'ID_FORMAT'],
    ['an empty flow cell id', { flowCellId: '  ' }, 'flowCellId', 'ID_LENGTH'],
  ])('refuses %s', async (_name, change, field, rule) => {
    const before = await h.subgraph.prisma.run.count();
    const { body } = await h.gql(CREATE, { input: { ...promethionInput, ...change } }, staff);
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
    expect(await h.subgraph.prisma.run.count()).toBe(before);
  });

  it('refuses a position on a MinION', async () => {
    const error = await refused(CREATE, { input: { ...minionInput, position: '1A' } });
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'position',
      rule: 'POSITION_PROMETHION_ONLY',
    });
  });

  it('is FORBIDDEN to a VIEWER, who may still read runs', async () => {
    const error = await refused(CREATE, { input: minionInput }, viewer);
    expect(error.code).toBe('FORBIDDEN');
    const run = await createRun();
    expect((await ok(GET, { id: run.id }, viewer)).id).toBe(run.id);
  });
});

describe('addSamplesToRun and the sample sheet', () => {
  it('loads barcoded samples with default aliases and types, in order, and writes the sheet', async () => {
    const run = await createRun(promethionInput);
    const a = await seedSample();
    const b = await seedSample({ labSampleId: null, name: 'Mouse liver #4' });
    const control = await seedSample({ labSampleId: null, name: 'Positive control', isControl: true });
    const loaded = await ok(ADD, {
      runId: run.id,
      samples: [
        { sampleId: a.id, barcode: 'Barcode01' },
        { sampleId: b.id, barcode: 'barcode02' },
        { sampleId: control.id, barcode: 'barcode03', alias: 'pos_ctrl' },
      ],
    });
    expect(loaded.version).toBe(1);
    expect(loaded.samples).toEqual([
      {
        barcode: 'barcode01',
        alias: a.labSampleId,
        type: 'test_sample',
        sample: { id: a.id, name: a.name },
        run: { id: run.id },
      },
      {
        barcode: 'barcode02',
        alias: 'Mouse_liver__4',
        type: 'test_sample',
        sample: { id: b.id, name: b.name },
        run: { id: run.id },
      },
      {
        barcode: 'barcode03',
        alias: 'pos_ctrl',
        type: 'positive_control',
        sample: { id: control.id, name: control.name },
        run: { id: run.id },
      },
    ]);

    const { minknowSampleSheet } = await ok(SHEET, { id: run.id });
    const prefix = `${run.flowCellId},1A`;
    const suffix = 'JL-147,FLO-PRO114M,SQK-NBD114-24';
    expect(minknowSampleSheet).toBe(
      [
        HEADER,
        `${prefix},${a.labSampleId},${suffix},barcode01,${a.labSampleId},test_sample`,
        `${prefix},Mouse_liver__4,${suffix},barcode02,Mouse_liver__4,test_sample`,
        `${prefix},Positive_control,${suffix},barcode03,pos_ctrl,positive_control`,
        '',
      ].join('\n'),
    );

    const [added] = await events(run.id).then((rows) => rows.filter((e) => e.type === 'run.samples_added'));
    expect(added!.changes).toEqual({ version: { from: 0, to: 1 } });
    expect(added!.payload.samples).toEqual([
      { sampleId: a.id, barcode: 'barcode01', alias: a.labSampleId, type: 'test_sample' },
      { sampleId: b.id, barcode: 'barcode02', alias: 'Mouse_liver__4', type: 'test_sample' },
      { sampleId: control.id, barcode: 'barcode03', alias: 'pos_ctrl', type: 'positive_control' },
    ]);
    const [onSample] = await events(b.id);
    expect(onSample).toMatchObject({
      type: 'sample.loaded_on_run',
      entity_type: 'Sample',
      owner_id: submitterId,
      actor_id: staffId,
      payload: { runId: run.id, flowCellId: run.flowCellId, barcode: 'barcode02', alias: 'Mouse_liver__4' },
    });
  });

  it('refuses a batch with one bad entry as a whole, naming the entry and the sample', async () => {
    const run = await createRun(promethionInput);
    const [a, b, c, d] = [await seedSample(), await seedSample(), await seedSample(), await seedSample()];
    await ok(ADD, { runId: run.id, samples: [{ sampleId: a.id, barcode: 'barcode01' }] });

    const cases: [Record<string, unknown>[], Record<string, unknown>][] = [
      [
        [
          { sampleId: b.id, barcode: 'barcode02' },
          { sampleId: c.id, barcode: 'bc3' },
        ],
        { rule: 'BARCODE_FORMAT', index: 1, sampleId: c.id },
      ],
      [
        [
          { sampleId: b.id, barcode: 'barcode02' },
          { sampleId: c.id, barcode: 'barcode01' },
        ],
        { rule: 'DUPLICATE_BARCODE', index: 1, sampleId: c.id },
      ],
      [
        [
          { sampleId: b.id, barcode: 'barcode02', alias: 'x' },
          { sampleId: c.id, barcode: 'barcode03', alias: 'x' },
        ],
        { rule: 'DUPLICATE_ALIAS', index: 1, sampleId: c.id },
      ],
      [
        [{ sampleId: b.id, barcode: 'barcode02', alias: a.labSampleId }],
        { rule: 'DUPLICATE_ALIAS', index: 0, sampleId: b.id },
      ],
      [
        [{ sampleId: b.id, barcode: 'barcode02' }, { sampleId: c.id }],
        { rule: 'BARCODE_REQUIRED', index: 1, sampleId: c.id },
      ],
      [
        [{ sampleId: d.id, barcode: 'barcode04', alias: 'has space' }],
        { rule: 'ALIAS_FORMAT', index: 0, sampleId: d.id },
      ],
      [
        [{ sampleId: d.id, barcode: 'barcode04', type: 'blank' }],
        { rule: 'SAMPLE_TYPE', index: 0, sampleId: d.id },
      ],
      [
        [
          { sampleId: b.id, barcode: 'barcode02' },
          { sampleId: a.id, barcode: 'barcode05' },
        ],
        { rule: 'ALREADY_ON_RUN', index: 1, sampleId: a.id },
      ],
      [
        [
          { sampleId: b.id, barcode: 'barcode02' },
          { sampleId: b.id, barcode: 'barcode05' },
        ],
        { rule: 'DUPLICATE_SAMPLE', index: 1, sampleId: b.id },
      ],
    ];
    for (const [samples, expected] of cases) {
      const error = await refused(ADD, { runId: run.id, samples });
      expect(error, JSON.stringify(samples)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'samples',
        ...expected,
      });
      expect(error.message).toContain(`samples[${expected.index}]`);
    }
    expect(await runSampleCount(run.id)).toBe(1);

    const missing = randomUUID();
    const notFound = await refused(ADD, {
      runId: run.id,
      samples: [
        { sampleId: b.id, barcode: 'barcode02' },
        { sampleId: missing, barcode: 'barcode03' },
      ],
    });
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', index: 1, sampleId: missing });
    expect(notFound.message).toContain(missing);
    expect(await runSampleCount(run.id)).toBe(1);
    const onRun = await events(run.id);
    expect(onRun.filter((e) => e.type === 'run.samples_added')).toHaveLength(1);
  });

  it('needs a barcode on the sample already on the flow cell once a second one comes', async () => {
    const run = await createRun();
    const [a, b] = [await seedSample(), await seedSample()];
    await ok(ADD, { runId: run.id, samples: [{ sampleId: a.id }] });
    const error = await refused(ADD, { runId: run.id, samples: [{ sampleId: b.id, barcode: 'barcode02' }] });
    expect(error).toMatchObject({ rule: 'BARCODE_REQUIRED', index: null, sampleId: a.id });
  });

  it('serialises concurrent loads on one run: the same barcode twice loads once', async () => {
    const run = await createRun(promethionInput);
    const [a, b] = [await seedSample(), await seedSample()];
    const results = await Promise.all(
      [a, b].map((sample) =>
        h.gql(ADD, { runId: run.id, samples: [{ sampleId: sample.id, barcode: 'barcode09' }] }, staff),
      ),
    );
    const failed = results.filter((r) => r.body.errors);
    expect(failed).toHaveLength(1);
    expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(failed[0]!.body.errors![0].extensions.code);
    expect(await runSampleCount(run.id)).toBe(1);
  });

  it('refuses the sheet of an empty run (EMPTY_RUN)', async () => {
    const run = await createRun();
    const { body } = await h.gql(SHEET, { id: run.id }, staff);
    expect(body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'EMPTY_RUN',
      row: null,
    });
  });
});

describe('updateRun', () => {
  it('changes fields with the current version, writes run.updated, and gives CONFLICT to a stale one', async () => {
    const run = await createRun();
    const updated = await ok(UPDATE, {
      id: run.id,
      input: { experimentId: 'EXP-2', startedAt: '2026-03-02T08:00:00.000Z' },
      version: 0,
    });
    expect(updated).toMatchObject({ experimentId: 'EXP-2', version: 1 });
    const stale = await refused(UPDATE, { id: run.id, input: { experimentId: 'EXP-3' }, version: 0 });
    expect(stale).toMatchObject({ code: 'CONFLICT', expectedVersion: 0, actualVersion: 1 });
    const [, change] = await events(run.id);
    expect(change).toMatchObject({ type: 'run.updated', actor_id: staffId });
    expect(change!.changes).toEqual({
      experimentId: { from: 'EXP-1', to: 'EXP-2' },
      startedAt: { from: null, to: '2026-03-02T08:00:00.000Z' },
      version: { from: 0, to: 1 },
    });
  });

  it('refuses a null required field, an end before the start, and a position on a MinION', async () => {
    const run = await createRun({ ...minionInput, startedAt: '2026-03-02T08:00:00.000Z' });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ kit: null }, 'kit', 'REQUIRED'],
      [{ endedAt: '2026-03-01T08:00:00.000Z' }, 'endedAt', 'ENDED_BEFORE_STARTED'],
      [{ position: '1A' }, 'position', 'POSITION_PROMETHION_ONLY'],
      [{ kit: 'SQK-NBD114.24.1' }, 'kit', 'KIT_FORMAT'],
    ];
    for (const [input, field, rule] of cases) {
      const error = await refused(UPDATE, { id: run.id, input });
      expect(error, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
    }
    expect((await ok(GET, { id: run.id })).version).toBe(0);
  });

  it('names the broken rule in the sheet once a stored run goes bad, and takes the fix', async () => {
    const run = await createRun();
    const sample = await seedSample();
    await ok(ADD, { runId: run.id, samples: [{ sampleId: sample.id }] });
    // The format edited past the input rules (no mutation changes it): the sheet re-checks the stored run.
    await h.sql(`UPDATE run SET format = 'PROMETHION' WHERE id = $1`, [run.id]);
    const { body } = await h.gql(SHEET, { id: run.id }, staff);
    expect(body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'POSITION_REQUIRED',
      row: 1,
      sampleId: sample.id,
    });
    expect(body.errors![0].message).toContain(`row 1 (sample ${sample.labSampleId})`);

    // updateRun checks the whole run by the same rules: a position alone still leaves a MinION product code.
    const partial = await refused(UPDATE, { id: run.id, input: { position: '2B' } });
    expect(partial).toMatchObject({ rule: 'PRODUCT_CODE_FORMAT', field: 'productCode' });
    await ok(UPDATE, { id: run.id, input: { position: '2B', productCode: 'FLO-PRO114M' } });
    const fixed = await ok(SHEET, { id: run.id });
    expect(fixed.minknowSampleSheet.split('\n')[1]).toMatch(/^FAK12345-\d+,2B,/);
  });
});

describe('removeSampleFromRun', () => {
  it('unloads a sample, keeps the order of the rest, and writes both events', async () => {
    const run = await createRun(promethionInput);
    const [a, b, c] = [await seedSample(), await seedSample(), await seedSample()];
    await ok(ADD, {
      runId: run.id,
      samples: [
        { sampleId: a.id, barcode: 'barcode01' },
        { sampleId: b.id, barcode: 'barcode02' },
        { sampleId: c.id, barcode: 'barcode03' },
      ],
    });
    const after = await ok(REMOVE, { runId: run.id, sampleId: b.id });
    expect(after.samples.map((s: { sample: { id: string } }) => s.sample.id)).toEqual([a.id, c.id]);
    expect(after.version).toBe(2);
    const removed = (await events(run.id)).find((e) => e.type === 'run.sample_removed');
    expect(removed!.payload).toEqual({
      sampleId: b.id,
      barcode: 'barcode02',
      alias: b.labSampleId,
      type: 'test_sample',
    });
    const trail = (await events(b.id)).map((e) => e.type);
    expect(trail).toEqual(['sample.loaded_on_run', 'sample.removed_from_run']);
    // Its barcode is free again.
    const d = await seedSample();
    await ok(ADD, { runId: run.id, samples: [{ sampleId: d.id, barcode: 'barcode02' }] });

    const again = await refused(REMOVE, { runId: run.id, sampleId: b.id });
    expect(again.code).toBe('NOT_FOUND');
  });
});

describe('reading runs', () => {
  it('lists newest first, by format, and bounds first', async () => {
    const flongle = await createRun({ ...minionInput, format: 'FLONGLE', productCode: 'FLO-FLG114' });
    h.advance(3600);
    const later = await createRun({ ...minionInput, format: 'FLONGLE', productCode: 'FLO-FLG114' });
    const { body } = await h.gql(`{ runs(format: FLONGLE) { id format } }`, {}, viewer);
    expect(body.data.runs.map((r: { id: string }) => r.id)).toEqual([later.id, flongle.id]);
    const { body: all } = await h.gql(`{ runs(first: 1) { id } }`, {}, viewer);
    expect(all.data.runs).toEqual([{ id: later.id }]);
    for (const first of [0, 201]) {
      const { body: bad } = await h.gql(
        `query ($first: Int) { runs(first: $first) { id } }`,
        { first },
        viewer,
      );
      expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'PAGE_SIZE' });
    }
  });

  it("shows a SUBMITTER only their own samples on a run, and not the sheet naming others'", async () => {
    const run = await createRun(promethionInput);
    const mine = await seedSample();
    const theirs = await seedSample({ ownerId: otherOwnerId });
    await ok(ADD, {
      runId: run.id,
      samples: [
        { sampleId: theirs.id, barcode: 'barcode01' },
        { sampleId: mine.id, barcode: 'barcode02' },
      ],
    });
    const seen = await ok(GET, { id: run.id }, submitter);
    expect(seen.samples.map((s: { sample: { id: string } }) => s.sample.id)).toEqual([mine.id]);
    const sheet = await refused(SHEET, { id: run.id }, submitter);
    expect(sheet.code).toBe('FORBIDDEN');
    expect((await ok(GET, { id: run.id })).samples).toHaveLength(2);
  });

  it('shows a SUBMITTER only the runs their samples are on, by id, in the list and as a reference', async () => {
    const theirs = await createRun(minionInput);
    const mine = await createRun(minionInput);
    await ok(ADD, {
      runId: theirs.id,
      samples: [{ sampleId: (await seedSample({ ownerId: otherOwnerId })).id }],
    });
    await ok(ADD, { runId: mine.id, samples: [{ sampleId: (await seedSample()).id }] });

    const listed = await ok(`{ runs(first: 200) { id } }`, {}, submitter);
    const ids = listed.map((r: { id: string }) => r.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(await ok(GET, { id: theirs.id }, submitter)).toBeNull();
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Run { id flowCellId } } }`;
    const r = [theirs.id, mine.id].map((id) => ({ __typename: 'Run', id }));
    const refs = await ok(ENTITIES, { r }, submitter);
    expect(refs.map((run: { id: string } | null) => run?.id ?? null)).toEqual([null, mine.id]);
    expect((await ok(ENTITIES, { r }, viewer)).every(Boolean)).toBe(true);
  });

  it('gives null for an unknown or malformed id', async () => {
    expect(await ok(GET, { id: randomUUID() })).toBeNull();
    expect(await ok(GET, { id: 'not-a-uuid' })).toBeNull();
  });
});
