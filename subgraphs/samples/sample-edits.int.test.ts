// Data edits over real HTTP: createSample and updateSample (validation, uniqueness, stale versions), notes,
// assignment and priority, and the audit event each writes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleClient, readVersion } from './sample-testing.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

let h: SamplesHarness;
let c: ReturnType<typeof createSampleClient>;
const staffId = randomUUID();
let staff: Record<string, string>;

const ADD_NOTE =
  'mutation ($sampleId: ID!, $body: String!) { addNote(sampleId: $sampleId, body: $body) { id body createdAt } }';
const HOUR = 3_600_000;

beforeAll(async () => {
  h = await startSamplesHarness();
  c = createSampleClient(h);
  staff = await h.as(['STAFF'], staffId);
});
afterAll(async () => {
  await h?.close();
});

async function sampleCount(): Promise<number> {
  return (await h.sql<{ n: number }>('select count(*)::int as n from sample'))[0]!.n;
}

describe('createSample', () => {
  it('normalises the input, defaults owner and priority, and writes sample.created', async () => {
    const submissionId = randomUUID();
    const sample = await c.ok(
      'createSample',
      {
        input: {
          name: '  7  ',
          labSampleId: ' JL-147-007 ',
          submissionId,
          rowNumber: 7,
          libraryKit: 'sqk-rbk114.24',
          fileFormats: ['fastq', 'POD5', 'FASTQ'],
          barcode: 'barcode07',
          volumeUl: 30,
          qubitNgPerUl: 55.5,
          a260_280: 1.85,
          requesterEmail: 'jl@lab.example',
        },
      },
      staff,
    );
    expect(sample).toMatchObject({
      name: '7',
      labSampleId: 'JL-147-007',
      status: 'SUBMITTED',
      stage: null,
      priority: 'NORMAL',
      qcStatus: 'PENDING',
      version: 0,
      dueAt: null,
    });
    const [row] = await h.sql<Record<string, unknown>>(
      'select owner_id, library_kit, file_formats, barcode, is_control, nucleic_acid, qc from sample where id = $1',
      [sample.id],
    );
    expect(row).toEqual({
      owner_id: staffId,
      library_kit: 'SQK-RBK114.24',
      file_formats: ['FASTQ', 'POD5'],
      barcode: 'barcode07',
      is_control: false,
      nucleic_acid: 'DNA',
      qc: {},
    });
    const [event] = await h.events(sample.id);
    expect(event).toMatchObject({
      type: 'sample.created',
      entityType: 'Sample',
      entityId: sample.id,
      ownerId: staffId,
      actorId: staffId,
      payload: { name: '7', labSampleId: 'JL-147-007', submissionId },
    });
    expect(event!.changes).toMatchObject({
      name: { from: null, to: '7' },
      status: { from: null, to: 'SUBMITTED' },
      priority: { from: null, to: 'NORMAL' },
    });
  });

  it.each([
    [{ name: '   ' }, 'name', 'NAME_LENGTH'],
    [{ name: 'x'.repeat(201) }, 'name', 'TEXT_LENGTH'],
    [{ labSampleId: '  ' }, 'labSampleId', 'LAB_SAMPLE_ID_LENGTH'],
    [{ volumeUl: -1 }, 'volumeUl', 'MEASUREMENT_RANGE'],
    [{ a260_280: 7 }, 'a260_280', 'MEASUREMENT_RANGE'],
    [{ barcode: 'bc01' }, 'barcode', 'BARCODE_FORMAT'],
    [{ barcode: 'barcode1' }, 'barcode', 'BARCODE_FORMAT'],
    [{ fileFormats: ['FASTQ', 'FASTA'] }, 'fileFormats', 'FILE_FORMAT'],
    [{ libraryKit: 'LSK114' }, 'libraryKit', 'LIBRARY_KIT_FORMAT'],
    [{ requesterEmail: 'not an email' }, 'requesterEmail', 'EMAIL_FORMAT'],
    [{ ownerId: 'someone' }, 'ownerId', 'ID_FORMAT'],
    [{ rowNumber: 0 }, 'rowNumber', 'ROW_NUMBER'],
    [{ isControl: null }, 'isControl', 'NOT_NULLABLE'],
  ])('refuses %j: BAD_USER_INPUT on %s, rule %s', async (input, field, rule) => {
    const before = await sampleCount();
    const extensions = await c.refused('createSample', { input: { name: 'valid', ...input } }, staff);
    expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
    expect(await sampleCount()).toBe(before);
  });

  it('answers NOT_FOUND for a project that does not exist', async () => {
    const extensions = await c.refused(
      'createSample',
      { input: { name: 'p', projectId: randomUUID() } },
      staff,
    );
    expect(extensions).toMatchObject({ code: 'NOT_FOUND', field: 'projectId' });
  });

  it('answers CONFLICT for a taken lab sample id or a name taken in the submission', async () => {
    const labSampleId = `JL-9-${randomUUID()}`;
    const submissionId = randomUUID();
    await c.create(staff, { name: 'A', labSampleId, submissionId });
    const before = await sampleCount();
    expect(await c.refused('createSample', { input: { name: 'B', labSampleId } }, staff)).toMatchObject({
      code: 'CONFLICT',
      field: 'labSampleId',
    });
    expect(await c.refused('createSample', { input: { name: 'A', submissionId } }, staff)).toMatchObject({
      code: 'CONFLICT',
      field: 'name',
    });
    expect(await sampleCount()).toBe(before);
    // The same name in another submission, or in none, is another sample.
    await c.create(staff, { name: 'A', submissionId: randomUUID() });
    await c.create(staff, { name: 'A' });
  });

  it('is FORBIDDEN to VIEWER and SUBMITTER', async () => {
    for (const roles of [['VIEWER'], ['SUBMITTER']] as const) {
      const extensions = await c.refused('createSample', { input: { name: 'x' } }, await h.as([...roles]));
      expect(extensions.code).toBe('FORBIDDEN');
    }
  });
});

describe('updateSample', () => {
  it('changes only data, bumps the version and lists exactly the changed fields in sample.updated', async () => {
    const { id } = await c.create(staff, { lab: 'Lab A', volumeUl: 10, fileFormats: ['FASTQ'] });
    const updated = await c.ok(
      'updateSample',
      {
        id,
        version: 0,
        input: { name: 'renamed', lab: 'Lab A', volumeUl: 12.5, fileFormats: ['fastq', 'bam'] },
      },
      staff,
    );
    expect(updated).toMatchObject({ name: 'renamed', version: 1, status: 'SUBMITTED' });
    const event = (await h.events(id)).at(-1)!;
    expect(event).toMatchObject({ type: 'sample.updated', actorId: staffId, ownerId: staffId });
    expect(event.changes).toEqual({
      name: { from: expect.stringMatching(/^S-/), to: 'renamed' },
      volumeUl: { from: 10, to: 12.5 },
      fileFormats: { from: ['FASTQ'], to: ['FASTQ', 'BAM'] },
      version: { from: 0, to: 1 },
    });

    // Nothing changes: no write, no event, no new version.
    const events = (await h.events(id)).length;
    const same = await c.ok('updateSample', { id, input: { name: ' renamed ', volumeUl: 12.5 } }, staff);
    expect(same.version).toBe(1);
    expect((await h.events(id)).length).toBe(events);

    // null clears an optional field (fileFormats: to none).
    await c.ok('updateSample', { id, input: { lab: null, fileFormats: null } }, staff);
    const [row] = await h.sql<Record<string, unknown>>(
      'select lab, file_formats, version from sample where id = $1',
      [id],
    );
    expect(row).toEqual({ lab: null, file_formats: [], version: 2 });
    expect((await h.events(id)).at(-1)!.changes).toEqual({
      lab: { from: 'Lab A', to: null },
      fileFormats: { from: ['FASTQ', 'BAM'], to: [] },
      version: { from: 1, to: 2 },
    });
  });

  it('refuses nulls for required fields, invalid values, stale versions, taken ids and unknown samples', async () => {
    const { id } = await c.create(staff);
    for (const [input, field] of [
      [{ name: null }, 'name'],
      [{ isControl: null }, 'isControl'],
      [{ nucleicAcid: null }, 'nucleicAcid'],
    ] as const) {
      expect(await c.refused('updateSample', { id, input }, staff)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
        rule: 'NOT_NULLABLE',
      });
    }
    expect(await c.refused('updateSample', { id, input: { qubitNgPerUl: -2 } }, staff)).toMatchObject({
      field: 'qubitNgPerUl',
      rule: 'MEASUREMENT_RANGE',
    });
    expect(await c.refused('updateSample', { id, input: { barcode: 'barcode7' } }, staff)).toMatchObject({
      field: 'barcode',
      rule: 'BARCODE_FORMAT',
    });
    await c.ok('updateSample', { id, input: { lab: 'L' } }, staff);
    expect(await c.refused('updateSample', { id, version: 0, input: { lab: 'M' } }, staff)).toEqual({
      code: 'CONFLICT',
      rule: 'STALE_VERSION',
      expectedVersion: 0,
      actualVersion: 1,
    });
    const taken = `JL-2-${randomUUID()}`;
    await c.create(staff, { labSampleId: taken });
    expect(await c.refused('updateSample', { id, input: { labSampleId: taken } }, staff)).toMatchObject({
      code: 'CONFLICT',
      field: 'labSampleId',
    });
    expect(await readVersion(h, id)).toBe(1);
    expect(await c.refused('updateSample', { id: randomUUID(), input: { lab: 'x' } }, staff)).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses edits, assignment and priority on an archived sample, and leaves it as it was', async () => {
    const { id } = await c.create(staff);
    await h.sql("update sample set status = 'ARCHIVED' where id = $1", [id]);
    const closed = { code: 'INVALID_TRANSITION', rule: 'TERMINAL_STATUS' };
    expect(await c.refused('updateSample', { id, input: { lab: 'L' } }, staff)).toMatchObject(closed);
    const assign = await c.bulk('assignSamples', { ids: [id], userId: staffId }, staff);
    expect(assign.data.assignSamples.results[0].error).toMatchObject(closed);
    const priority = await c.bulk('setPriority', { ids: [id], priority: 'URGENT' }, staff);
    expect(priority.data.setPriority.results[0].error).toMatchObject(closed);
    expect(await readVersion(h, id)).toBe(0);
  });

  it('has no workflow fields', async () => {
    const { id } = await c.create(staff);
    const { body } = await c.send('updateSample', { id, input: { status: 'COMPLETED' } }, staff);
    expect(body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await readVersion(h, id)).toBe(0);
  });
});

describe('addNote', () => {
  it('adds a trimmed note and writes sample.note_added; refuses empty and over-long notes', async () => {
    const { id } = await c.create(staff);
    const { body } = await h.gql(ADD_NOTE, { sampleId: id, body: '  called the PI  ' }, staff);
    expect(body.errors).toBeUndefined();
    expect(body.data.addNote.body).toBe('called the PI');
    const notes = await h.sql('select author_id, body from sample_note where sample_id = $1', [id]);
    expect(notes).toEqual([{ author_id: staffId, body: 'called the PI' }]);
    expect((await h.events(id)).at(-1)).toMatchObject({
      type: 'sample.note_added',
      actorId: staffId,
      payload: { noteId: body.data.addNote.id, body: 'called the PI' },
    });
    for (const [text, rule] of [
      ['   ', 'NOTE_LENGTH'],
      ['x'.repeat(5001), 'TEXT_LENGTH'],
    ]) {
      const refused = await h.gql(ADD_NOTE, { sampleId: id, body: text }, staff);
      expect(refused.body.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'body',
        rule,
      });
    }
    const unknown = await h.gql(ADD_NOTE, { sampleId: randomUUID(), body: 'x' }, staff);
    expect(unknown.body.errors![0].extensions.code).toBe('NOT_FOUND');
    expect(await h.sql('select 1 from sample_note where sample_id = $1', [id])).toHaveLength(1);
  });
});

describe('assignSamples and setPriority', () => {
  it('assigns and unassigns per sample, with sample.assigned events; an unchanged one is left alone', async () => {
    const [a, b] = [await c.create(staff), await c.create(staff)];
    const userId = randomUUID();
    const unknown = randomUUID();
    const body = await c.bulk('assignSamples', { ids: [a.id, unknown, b.id], userId }, staff);
    expect(body.data.assignSamples).toMatchObject({ succeeded: 2, failed: 1 });
    expect(body.data.assignSamples.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, true]);
    expect(body.data.assignSamples.results[1].error).toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.events(a.id)).at(-1)).toMatchObject({
      type: 'sample.assigned',
      actorId: staffId,
      ownerId: staffId,
      changes: { assigneeId: { from: null, to: userId }, version: { from: 0, to: 1 } },
    });
    const again = await c.bulk('assignSamples', { ids: [a.id], userId }, staff);
    expect(again.data.assignSamples.results[0].sample.version).toBe(1);
    expect((await h.events(a.id)).filter((e) => e.type === 'sample.assigned')).toHaveLength(1);
    await c.bulk('assignSamples', { ids: [a.id] }, staff);
    expect((await h.events(a.id)).at(-1)!.changes).toEqual({
      assigneeId: { from: userId, to: null },
      version: { from: 1, to: 2 },
    });
    expect(await c.bulkRefused('assignSamples', { ids: [a.id], userId: 'nobody' }, staff)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'userId',
    });
    const viewer = await h.as(['VIEWER']);
    expect(await c.bulkRefused('assignSamples', { ids: [a.id], userId }, viewer)).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('sets priority; a received sample gets a new due date from its reception', async () => {
    const received = await c.create(staff);
    const submitted = await c.create(staff);
    await c.driveTo(received.id, 'RECEIVED', staff);
    h.advance(3 * 3600);
    const body = await c.bulk('setPriority', { ids: [received.id, submitted.id], priority: 'URGENT' }, staff);
    const [r, s] = body.data.setPriority.results;
    expect(r.sample).toMatchObject({ priority: 'URGENT', version: 2 });
    expect(new Date(r.sample.dueAt).getTime() - new Date(r.sample.receivedAt).getTime()).toBe(24 * HOUR);
    expect(s.sample).toMatchObject({ priority: 'URGENT', dueAt: null, version: 1 });
    const event = (await h.events(received.id)).at(-1)!;
    expect(event.type).toBe('sample.priority_changed');
    expect(event.changes).toMatchObject({
      priority: { from: 'NORMAL', to: 'URGENT' },
      dueAt: { to: r.sample.dueAt },
      version: { from: 1, to: 2 },
    });
    expect(Object.keys((await h.events(submitted.id)).at(-1)!.changes).sort()).toEqual([
      'priority',
      'version',
    ]);
  });
});
