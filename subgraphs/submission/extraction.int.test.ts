// Extraction by the ai subgraph, from the submission subgraph's side, over real HTTP and a real database: a peer
// server (ai-peer.ts) plays the ai subgraph's endpoints with real signatures. A document the quote reader cannot
// read is kept EXTRACTING with its EXTRACTION_REQUESTED command delivered; the ai service (only it) fetches its
// bytes; its notice turns the result (a scan's page model, or an LLM's values) into a submission IN_REVIEW, or
// leaves one staff can fill in by hand; a redelivered notice changes nothing; an accept tells the ai subgraph.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/eventually.ts';
import { EXTRACTION_REQUESTED, SUBMISSION_ACCEPTED, type ExtractionResult } from '../kit/extraction-wire.ts';
import type { WireEvent } from '../kit/outbox-wire.ts';
import { finishedNotice, startAiPeer, type AiPeer } from './ai-peer.ts';
import { readQuote } from './quote-pdf/parse-quote.ts';
import { readPdf } from './quote-pdf/read-pdf.ts';
import { quoteDraft } from './quote-draft.ts';
import { RELAY_SECRET, startSubmissionHarness, type SubmissionHarness } from './testing.ts';

const corpus = (name: string) => readFileSync(new URL(`../../test/fixtures/quotes/${name}`, import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const SUBMISSION = `query ($id: ID!) { submission(id: $id) {
  id status source version quoteIdentifier
  form { libraryKit sampleTypes containsHumanDna sourceOrganism }
  rows { rowNumber sampleName volumeUl qubitNgPerUl nanodropNgPerUl a260_280 a260_230 kind
    cells { field method confidence textStart textEnd } }
  provenance { path method confidence textStart textEnd raw }
  issues { path code severity rowNumber }
} }`;

let ai: AiPeer;
let h: SubmissionHarness;
let staff: Record<string, string>;
let submitter: Record<string, string>;

beforeAll(async () => {
  ai = await startAiPeer(RELAY_SECRET);
  h = await startSubmissionHarness({ AI_INTERNAL_URL: ai.url });
  staff = await h.as(['STAFF']);
  submitter = await h.as(['SUBMITTER']);
});
afterAll(async () => {
  await h?.close();
  await ai?.close();
});

async function importAs(bytes: Uint8Array, name: string) {
  const { body } = await h.importFile(bytes, name, submitter);
  expect(body.errors).toBeUndefined();
  return body.data.importSubmission as {
    id: string;
    status: string;
    source: string;
    sha256: string;
    file: { id: string } | null;
  };
}

/** The EXTRACTION_REQUESTED command the ai peer received for the submission (delivered by the relay). */
const requested = (id: string) =>
  eventually(() => ai.commands.find((c) => c.type === EXTRACTION_REQUESTED && c.entityId === id), {
    what: `EXTRACTION_REQUESTED for ${id}`,
  });

const read = async (id: string) => (await h.gql(SUBMISSION, { id }, staff)).body.data.submission;

/** Sends a SUCCEEDED notice for a result the peer will serve; answers the notice and its result. */
async function succeed(submissionId: string, result: unknown) {
  const jobId = randomUUID();
  ai.results.set(jobId, result);
  const notice = finishedNotice({ jobId, submissionId, status: 'SUCCEEDED' });
  const answer = await ai.notify(h.url, [notice]);
  return { notice, answer };
}

describe('a scanned quote', () => {
  let id: string;
  const scan = corpus('image-only.pdf');

  it('is kept EXTRACTING, and the ai subgraph is asked to read it', async () => {
    const s = await importAs(scan, 'scan.pdf');
    id = s.id;
    expect(s).toMatchObject({ status: 'EXTRACTING', source: 'PDF', sha256: sha256(scan) });
    const command = await requested(id);
    expect(command.payload).toMatchObject({
      submissionId: id,
      kind: 'SCANNED_QUOTE',
      mediaType: 'application/pdf',
      byteSize: scan.length,
      sha256: sha256(scan),
      fileName: 'scan.pdf',
    });
    const [document] = await h.sql<{ byte_size: number; media_type: string }>(
      'SELECT byte_size, media_type FROM extraction_document WHERE submission_id = $1',
      [id],
    );
    expect(document).toEqual({ byte_size: scan.length, media_type: 'application/pdf' });
    const events = await h.sql<{ type: string; changes: unknown }>(
      'SELECT type, changes FROM outbox_event WHERE entity_id = $1 ORDER BY occurred_at',
      [id],
    );
    expect(events[0]).toEqual({
      type: 'submission.imported',
      changes: { status: { from: null, to: 'EXTRACTING' } },
    });
    // While it is read, nobody corrects it.
    const early = await h.gql(
      `mutation ($id: ID!) { updateSubmission(id: $id, input: { lab: "x" }, version: 0) { id } }`,
      { id },
      staff,
    );
    expect(early.body.errors![0].extensions.code).toBe('INVALID_TRANSITION');
  });

  it('serves its bytes to the ai service only, signed', async () => {
    const response = await ai.fetchDocument(h.url, id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('x-content-sha256')).toBe(sha256(scan));
    expect(Buffer.from(await response.arrayBuffer())).toEqual(scan);

    const unsigned = await fetch(`${h.url}/internal/submission/documents/${id}`);
    expect(unsigned.status).toBe(401);
    const bearer = await fetch(`${h.url}/internal/submission/documents/${id}`, { headers: submitter });
    expect(bearer.status).toBe(401);
    expect((await ai.fetchDocument(h.url, id, 'submission')).status).toBe(403);
    expect((await ai.fetchDocument(h.url, randomUUID())).status).toBe(404);
    expect((await ai.fetchDocument(h.url, 'not-a-uuid')).status).toBe(404);
  });

  it('PAGES: the quote reader reads the OCR page model as it reads the digital quote: the same rows', async () => {
    const digital = corpus('quote-three-rows.pdf');
    // The digital quote's own page model, through the contract as OCR would send it: words with a confidence.
    const model = await readPdf(digital);
    const pages = model.pages.map((page) => ({
      ...page,
      origin: 'OCR' as const,
      texts: page.texts.map((t) => ({ ...t, confidence: 0.96 })),
    }));
    const { answer } = await succeed(id, { kind: 'PAGES', ocrVersion: 'test-ocr 1.0', pages });
    expect(answer).toEqual({
      status: 200,
      body: { results: [expect.objectContaining({ status: 'stored' })] },
    });

    const parsed = await readQuote(digital);
    if (!parsed.ok) throw new Error(parsed.error.code);
    const expected = quoteDraft(parsed.submission);
    const s = await read(id);
    expect(s.status).toBe('IN_REVIEW');
    expect(s.source).toBe('PDF');
    expect(s.quoteIdentifier).toBe(expected.quoteIdentifier);
    const fields = [
      'rowNumber',
      'sampleName',
      'volumeUl',
      'qubitNgPerUl',
      'nanodropNgPerUl',
      'a260_280',
      'a260_230',
      'kind',
    ];
    const pick = (row: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, row[f]]));
    expect(s.rows.map(pick)).toEqual(expected.rows.map((r) => pick(r as unknown as Record<string, unknown>)));
    expect(s.rows.filter((r: { kind: string }) => r.kind !== 'EMPTY').length).toBeGreaterThan(0);
    // Every value is marked as read from the scan, never surer than its words.
    const methods = new Set<string>([
      ...s.provenance.map((p: { method: string }) => p.method),
      ...s.rows.flatMap((r: { cells: { method: string }[] }) => r.cells.map((c) => c.method)),
    ]);
    expect([...methods].every((m) => m === 'OCR' || m === 'PIXELS')).toBe(true);
    expect(methods.has('PIXELS')).toBe(true);
    expect(Math.max(...s.provenance.map((p: { confidence: number }) => p.confidence))).toBeLessThanOrEqual(
      0.96,
    );

    const [event] = await h.sql<{ changes: unknown; payload: Record<string, unknown> }>(
      `SELECT changes, payload FROM outbox_event WHERE entity_id = $1 AND type = 'submission.extracted'`,
      [id],
    );
    expect(event!.changes).toMatchObject({ status: { from: 'EXTRACTING', to: 'IN_REVIEW' } });
    expect(event!.payload).toMatchObject({
      outcome: 'PAGES',
      ocrVersion: 'test-ocr 1.0',
      pages: pages.length,
    });
    // Once read, the document is no longer served.
    expect((await ai.fetchDocument(h.url, id)).status).toBe(409);
  });
});

describe('a document that is no quote', () => {
  let id: string;

  it('DRAFT: each value lands at its path (LLM, with its place in the text); doubts become issues', async () => {
    const pdf = corpus('not-a-quote.pdf');
    const s = await importAs(pdf, 'letter.pdf');
    id = s.id;
    expect(s).toMatchObject({ status: 'EXTRACTING', source: 'DOCUMENT' });
    expect((await requested(id)).payload).toMatchObject({ kind: 'DOCUMENT', mediaType: 'application/pdf' });

    const value = (path: string, v: string | number | boolean | null, confidence = 0.95, at = 10) => ({
      path,
      value: v,
      confidence,
      source: { start: at, end: at + 5 },
      method: 'LLM' as const,
    });
    const result: ExtractionResult = {
      kind: 'DRAFT',
      model: 'test-llm',
      promptVersion: 'p1',
      values: [
        value('form.libraryKit', 'sqk-lsk114', 0.93, 100),
        value('form.sampleTypes', 'HMW_DNA'),
        value('form.containsHumanDna', 'no'),
        { ...value('form.sourceOrganism', 'E. coli', 0.55), source: null },
        value('requester.email', 'ann@example.edu'),
        value('rows[1].sampleName', 'EC-1', 0.97, 200),
        value('rows[1].volumeUl', '30'),
        value('rows[2].sampleName', 'EC-2'),
        value('rows[2].qubitNgPerUl', 'plenty'),
        value('form.nonsense', 'x'),
      ],
      issues: [{ path: 'rows[2].volumeUl', code: 'NOT_IN_TEXT', message: 'no volume for EC-2 in the text' }],
    };
    // The ai subgraph cannot give the result right now: the notice is answered 503, to be delivered again.
    const down = await succeed(id, 503);
    expect(down.answer.status).toBe(503);
    expect((await read(id)).status).toBe('EXTRACTING');

    const { answer } = await succeed(id, result);
    expect(answer.body.results![0]!.status).toBe('stored');

    const after = await read(id);
    expect(after).toMatchObject({
      status: 'IN_REVIEW',
      form: {
        libraryKit: 'SQK-LSK114',
        sampleTypes: ['HMW_DNA'],
        containsHumanDna: false,
        sourceOrganism: 'E. coli',
      },
    });
    expect(
      after.rows.map(
        (r: { rowNumber: number; sampleName: string; volumeUl: number | null; kind: string }) => [
          r.rowNumber,
          r.sampleName,
          r.volumeUl,
          r.kind,
        ],
      ),
    ).toEqual([
      [1, 'EC-1', 30, 'SAMPLE'],
      [2, 'EC-2', null, 'SAMPLE'],
    ]);
    expect(after.rows[0].cells).toContainEqual({
      field: 'sampleName',
      method: 'LLM',
      confidence: 0.97,
      textStart: 200,
      textEnd: 205,
    });
    expect(after.provenance).toContainEqual(
      expect.objectContaining({ path: 'form.libraryKit', method: 'LLM', textStart: 100, textEnd: 105 }),
    );
    const codes = after.issues.map((i: { path: string; code: string }) => `${i.path} ${i.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'form.sourceOrganism LOW_CONFIDENCE',
        'rows[2].qubitNgPerUl INVALID_EXTRACTED_VALUE',
        'form.nonsense INVALID_EXTRACTED_VALUE',
        'rows[2].volumeUl NOT_IN_TEXT',
      ]),
    );
  });

  it('a redelivered or late notice is a duplicate and changes nothing; an unknown submission is refused', async () => {
    const before = await read(id);
    const late = finishedNotice({ jobId: randomUUID(), submissionId: id, status: 'FAILED', errorCode: 'X' });
    const twice = await ai.notify(h.url, [late, late]);
    expect(twice.body.results!.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(await read(id)).toEqual(before);

    const unknown = finishedNotice({ jobId: randomUUID(), submissionId: randomUUID(), status: 'CANCELLED' });
    expect((await ai.notify(h.url, [unknown])).body.results![0]).toMatchObject({
      status: 'rejected',
      code: 'NOT_FOUND',
    });
    // Only the ai service sends notices.
    expect((await ai.notify(h.url, [late], 'samples')).status).toBe(401);
    const forged: WireEvent = { ...late, type: 'submission.accepted_for_retrieval' };
    expect((await ai.notify(h.url, [forged])).body.results![0]).toMatchObject({ code: 'UNKNOWN_COMMAND' });
  });
});

describe('a document that could not be read', () => {
  it('goes IN_REVIEW with EXTRACTION_FAILED; staff add its rows by hand and accept it; the ai subgraph hears of it', async () => {
    const letter = Buffer.from('Dear core,\nplease sequence my E. coli isolate EC-9 (30 ul).\nThanks, Ann\n');
    const s = await importAs(letter, 'letter.txt');
    expect(s).toMatchObject({ status: 'EXTRACTING', source: 'DOCUMENT' });
    expect((await requested(s.id)).payload).toMatchObject({ kind: 'DOCUMENT', mediaType: 'text/plain' });
    const document = await ai.fetchDocument(h.url, s.id);
    expect(document.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Buffer.from(await document.arrayBuffer())).toEqual(letter);

    const failed = finishedNotice({
      jobId: randomUUID(),
      submissionId: s.id,
      status: 'FAILED',
      errorCode: 'LLM_INVALID_OUTPUT',
      errorMessage: 'the model answered no JSON',
    });
    expect((await ai.notify(h.url, [failed])).body.results![0]!.status).toBe('stored');
    let after = await read(s.id);
    expect(after.status).toBe('IN_REVIEW');
    expect(after.rows).toEqual([]);
    expect(after.issues.map((i: { code: string }) => i.code)).toEqual(
      expect.arrayContaining(['EXTRACTION_FAILED', 'NO_SAMPLES']),
    );

    const add = await h.gql(
      `mutation ($id: ID!, $v: Int!) { addSubmissionRow(submissionId: $id, input: { sampleName: "EC-9", volumeUl: 30 }, version: $v) { version rows { rowNumber sampleName volumeUl kind cells { field method } } } }`,
      { id: s.id, v: after.version },
      staff,
    );
    expect(add.body.errors).toBeUndefined();
    expect(add.body.data.addSubmissionRow.rows).toEqual([
      expect.objectContaining({ rowNumber: 1, sampleName: 'EC-9', volumeUl: 30, kind: 'SAMPLE' }),
    ]);
    const bad = await h.gql(
      `mutation ($id: ID!, $v: Int!) { addSubmissionRow(submissionId: $id, input: { volumeUl: -1 }, version: $v) { version } }`,
      { id: s.id, v: add.body.data.addSubmissionRow.version },
      staff,
    );
    expect(bad.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'MEASUREMENT_RANGE',
    });
    const bySubmitter = await h.gql(
      `mutation ($id: ID!) { addSubmissionRow(submissionId: $id, input: {}, version: 0) { version } }`,
      { id: s.id },
      submitter,
    );
    expect(bySubmitter.body.errors![0].extensions.code).toBe('FORBIDDEN');

    const fill = await h.gql(
      `mutation ($id: ID!, $v: Int!) { updateSubmission(id: $id, version: $v, input: { lab: "Ann Lab", form: { libraryKit: "SQK-LSK114", sampleTypes: [HMW_DNA], containsHumanDna: false, sourceOrganism: "E. coli" } }) { version } }`,
      { id: s.id, v: add.body.data.addSubmissionRow.version },
      staff,
    );
    expect(fill.body.errors).toBeUndefined();
    after = await read(s.id);
    const accepted = await h.gql(
      `mutation ($id: ID!, $v: Int) { acceptSubmission(id: $id, version: $v) { status } }`,
      { id: s.id, v: fill.body.data.updateSubmission.version },
      staff,
    );
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data.acceptSubmission.status).toBe('ACCEPTED');

    const announced = await eventually(() =>
      ai.commands.find((c) => c.type === SUBMISSION_ACCEPTED && c.entityId === s.id),
    );
    expect(announced.service).toBe('submission');
    expect(announced.payload).toMatchObject({
      submissionId: s.id,
      lab: 'Ann Lab',
      libraryKit: 'SQK-LSK114',
      sampleTypes: ['HMW_DNA'],
      sourceOrganism: 'E. coli',
      sampleCount: 1,
    });
    const events = await h.sql<{ type: string }>(
      'SELECT type FROM outbox_event WHERE entity_id = $1 ORDER BY occurred_at, type',
      [s.id],
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['submission.extracted', 'submission.row_added', 'submission.accepted']),
    );
  });

  it('two notices at once for one submission: one applies, the other is a duplicate', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from(randomUUID())]);
    const s = await importAs(png, 'race.png');
    const notice = () => finishedNotice({ jobId: randomUUID(), submissionId: s.id, status: 'CANCELLED' });
    const answers = await Promise.all([ai.notify(h.url, [notice()]), ai.notify(h.url, [notice()])]);
    expect(answers.map((a) => a.body.results![0]!.status).sort()).toEqual(['duplicate', 'stored']);
    const extracted = await h.sql(
      `SELECT 1 FROM outbox_event WHERE entity_id = $1 AND type = 'submission.extracted'`,
      [s.id],
    );
    expect(extracted).toHaveLength(1);
    expect((await read(s.id)).status).toBe('IN_REVIEW');
  });

  it("a result that breaks the contract is the ai subgraph's failure: EXTRACTION_FAILED INVALID_RESULT", async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from(randomUUID())]);
    const s = await importAs(png, 'photo.png');
    expect(s).toMatchObject({ status: 'EXTRACTING', source: 'IMAGE' });
    // The original is kept in the files subgraph as for any import (as OTHER: it is no quote PDF).
    expect(s.file).not.toBeNull();
    const [stored] = await h.files.sql<{ kind: string }>('SELECT kind::text FROM file WHERE id = $1', [
      s.file!.id,
    ]);
    expect(stored).toEqual({ kind: 'OTHER' });
    expect((await requested(s.id)).payload).toMatchObject({ kind: 'SCANNED_QUOTE', mediaType: 'image/png' });
    const { answer } = await succeed(s.id, { kind: 'PAGES', ocrVersion: 'x', pages: [{ number: 0 }] });
    expect(answer.body.results![0]!.status).toBe('stored');
    const after = await read(s.id);
    expect(after.status).toBe('IN_REVIEW');
    expect(after.issues).toContainEqual(
      expect.objectContaining({ code: 'EXTRACTION_FAILED', path: 'document' }),
    );
    const [event] = await h.sql<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM outbox_event WHERE entity_id = $1 AND type = 'submission.extracted'`,
      [s.id],
    );
    expect(event!.payload).toMatchObject({ outcome: 'FAILED', errorCode: 'INVALID_RESULT' });
  });
});
