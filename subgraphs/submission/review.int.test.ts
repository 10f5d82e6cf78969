// Review over real HTTP: staff correct submission values and rows (each an outbox event with old and new values,
// the value becoming certain and its issues resolved), at the version they read (a stale one: CONFLICT), only while
// IN_REVIEW; rejection needs a reason; a submitter may cancel their own.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubmissionHarness, type SubmissionHarness } from './testing.ts';

const THREE_ROWS = readFileSync(new URL('../../test/fixtures/quotes/quote-three-rows.pdf', import.meta.url));

const UPDATE = `mutation ($id: ID!, $input: UpdateSubmissionInput!, $version: Int!) {
  updateSubmission(id: $id, input: $input, version: $version) {
    version requester { phone } lab form { containsHumanDna libraryKit }
    provenance { path confidence method }
    issues(includeResolved: true) { path code severity resolvedAt resolvedBy { id } }
  }
}`;
const UPDATE_ROW = `mutation ($id: ID!, $row: Int!, $input: UpdateSubmissionRowInput!, $version: Int!) {
  updateSubmissionRow(submissionId: $id, rowNumber: $row, input: $input, version: $version) {
    version rows(kind: [SAMPLE, CONTROL]) { rowNumber sampleName volumeUl kind cells { field confidence method } }
  }
}`;

let h: SubmissionHarness;
let staffId: string;
let staff: Record<string, string>;
let submitterId: string;
let submitter: Record<string, string>;
let quoteId: string;

/** The outbox events of a submission, oldest first. */
const events = (id: string) =>
  h.sql<{
    type: string;
    changes: Record<string, unknown>;
    payload: Record<string, unknown>;
    actor_id: string;
  }>(`SELECT type, changes, payload, actor_id FROM outbox_event WHERE entity_id = $1 ORDER BY "sequence"`, [
    id,
  ]);

/** A fresh sheet submission of the submitter's. */
async function importSheet(headers = submitter): Promise<string> {
  const csv = `sample_name,volume,concentration\nS-${randomUUID()},10,20\nS2,12,25\n`;
  const { body } = await h.importFile(Buffer.from(csv), 'sheet.csv', headers);
  return body.data.importSubmission.id;
}

beforeAll(async () => {
  h = await startSubmissionHarness();
  staffId = randomUUID();
  staff = await h.as(['STAFF'], staffId);
  submitterId = randomUUID();
  submitter = await h.as(['SUBMITTER'], submitterId);
  const { body } = await h.importFile(THREE_ROWS, 'quote-three-rows.pdf', submitter);
  quoteId = body.data.importSubmission.id;
});
afterAll(() => h?.close());

describe('correcting a submission', () => {
  it('changes the values, audits old and new, makes them certain and resolves their issues', async () => {
    const { body } = await h.gql(
      UPDATE,
      {
        id: quoteId,
        input: { form: { containsHumanDna: false }, requester: { phone: '919-555-0100' } },
        version: 0,
      },
      staff,
    );
    expect(body.errors).toBeUndefined();
    const s = body.data.updateSubmission;
    expect(s).toMatchObject({
      version: 1,
      requester: { phone: '919-555-0100' },
      form: { containsHumanDna: false },
    });
    expect(s.provenance).toContainEqual({
      path: 'form.containsHumanDna',
      confidence: 1,
      method: 'corrected',
    });
    expect(s.issues).toContainEqual(
      expect.objectContaining({
        path: 'form.containsHumanDna',
        code: 'REQUIRED_MISSING',
        resolvedBy: { id: staffId },
        resolvedAt: expect.any(String),
      }),
    );
    const last = (await events(quoteId)).at(-1)!;
    expect(last).toMatchObject({
      type: 'submission.updated',
      actor_id: staffId,
      changes: {
        'form.containsHumanDna': { from: null, to: false },
        'requester.phone': { from: null, to: '919-555-0100' },
        version: { from: 0, to: 1 },
      },
    });
  });

  it('takes a value given unchanged as a confirmation', async () => {
    const current = await h.gql(
      `query ($id: ID!) { submission(id: $id) { lab version } }`,
      { id: quoteId },
      staff,
    );
    const { lab, version } = current.body.data.submission;
    const { body } = await h.gql(UPDATE, { id: quoteId, input: { lab }, version }, staff);
    expect(body.data.updateSubmission.provenance).toContainEqual({
      path: 'lab',
      confidence: 1,
      method: 'corrected',
    });
    expect((await events(quoteId)).at(-1)).toMatchObject({
      type: 'submission.updated',
      changes: { version: { from: version, to: version + 1 } },
      payload: { confirmed: ['lab'] },
    });
  });

  it('corrects a row, audited by field with the row number', async () => {
    const version = (
      await h.gql(`query ($id: ID!) { submission(id: $id) { version } }`, { id: quoteId }, staff)
    ).body.data.submission.version;
    const { body } = await h.gql(
      UPDATE_ROW,
      { id: quoteId, row: 2, input: { volumeUl: 21.5, sampleName: 'EC-B2' }, version },
      staff,
    );
    expect(body.errors).toBeUndefined();
    const row = body.data.updateSubmissionRow.rows.find((r: { rowNumber: number }) => r.rowNumber === 2);
    expect(row).toMatchObject({ sampleName: 'EC-B2', volumeUl: 21.5 });
    expect(row.cells).toContainEqual({ field: 'volumeUl', confidence: 1, method: 'corrected' });
    expect((await events(quoteId)).at(-1)).toMatchObject({
      type: 'submission.row_updated',
      changes: {
        volumeUl: { from: 20, to: 21.5 },
        sampleName: { from: 'EC-B', to: 'EC-B2' },
        version: { from: version, to: version + 1 },
      },
      payload: { rowNumber: 2 },
    });
  });

  it('answers CONFLICT to a stale version and changes nothing', async () => {
    const before = await events(quoteId);
    const { body } = await h.gql(UPDATE, { id: quoteId, input: { lab: 'Elsewhere' }, version: 0 }, staff);
    expect(body.errors![0].extensions).toMatchObject({
      code: 'CONFLICT',
      rule: 'STALE_VERSION',
      expectedVersion: 0,
    });
    const row = await h.gql(UPDATE_ROW, { id: quoteId, row: 1, input: { volumeUl: 1 }, version: 0 }, staff);
    expect(row.body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', rule: 'STALE_VERSION' });
    expect(await events(quoteId)).toEqual(before);
  });

  it('refuses bad values, unknown rows and submitters', async () => {
    const version = (
      await h.gql(`query ($id: ID!) { submission(id: $id) { version } }`, { id: quoteId }, staff)
    ).body.data.submission.version;
    const bad = async (query: string, variables: Record<string, unknown>, headers = staff) =>
      (await h.gql(query, { id: quoteId, version, ...variables }, headers)).body.errors![0].extensions;
    expect(await bad(UPDATE_ROW, { row: 1, input: { volumeUl: -1 } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'volumeUl',
      rule: 'MEASUREMENT_RANGE',
    });
    expect(await bad(UPDATE, { input: { requester: { email: 'not an address' } } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'EMAIL_FORMAT',
    });
    expect(await bad(UPDATE, { input: { form: { libraryKit: 'rapid please' } } })).toMatchObject({
      rule: 'LIBRARY_KIT_FORMAT',
    });
    expect(await bad(UPDATE_ROW, { row: 100, input: { volumeUl: 1 } })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await bad(UPDATE, { input: { lab: 'Mine' } }, submitter)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a quote identifier another submission has', async () => {
    const other = await importSheet();
    const { body } = await h.gql(
      UPDATE,
      { id: other, input: { quoteIdentifier: 'htsf--ef-7' }, version: 0 },
      staff,
    );
    expect(body.errors![0].extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'quoteIdentifier',
      rule: 'UNIQUE',
    });
  });
});

describe('rejecting and cancelling', () => {
  const REJECT = `mutation ($id: ID!, $reason: String!) { rejectSubmission(id: $id, reason: $reason) { status rejectionReason rejectedAt reviewedBy { id } } }`;
  const CANCEL = `mutation ($id: ID!) { cancelSubmission(id: $id, reason: "sent the wrong sheet") { status cancelledAt } }`;

  it('rejects with a reason, after which the submission is closed to review', async () => {
    const id = await importSheet();
    const blank = await h.gql(REJECT, { id, reason: '  ' }, staff);
    expect(blank.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'REASON_REQUIRED',
    });
    const { body } = await h.gql(REJECT, { id, reason: 'samples arrived degraded' }, staff);
    expect(body.data.rejectSubmission).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'samples arrived degraded',
      reviewedBy: { id: staffId },
    });
    expect((await events(id)).at(-1)).toMatchObject({
      type: 'submission.rejected',
      changes: { status: { from: 'IN_REVIEW', to: 'REJECTED' } },
    });
    const update = await h.gql(UPDATE, { id, input: { lab: 'x' }, version: 1 }, staff);
    expect(update.body.errors![0].extensions).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'NOT_IN_REVIEW',
    });
    const accept = await h.gql(`mutation ($id: ID!) { acceptSubmission(id: $id) { status } }`, { id }, staff);
    expect(accept.body.errors![0].extensions).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'NOT_IN_REVIEW',
    });
  });

  it("lets a submitter cancel their own, and nobody else's", async () => {
    const id = await importSheet();
    const stranger = await h.gql(CANCEL, { id }, await h.as(['SUBMITTER']));
    expect(stranger.body.errors![0].extensions.code).toBe('NOT_FOUND');
    const viewer = await h.gql(CANCEL, { id }, await h.as(['VIEWER']));
    expect(viewer.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'NOT_OWNER' });
    const { body } = await h.gql(CANCEL, { id }, submitter);
    expect(body.data.cancelSubmission).toMatchObject({
      status: 'CANCELLED',
      cancelledAt: expect.any(String),
    });
    expect((await events(id)).at(-1)).toMatchObject({
      type: 'submission.cancelled',
      payload: { reason: 'sent the wrong sheet' },
    });
  });
});
