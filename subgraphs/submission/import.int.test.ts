// importSubmission over real HTTP with real JWTs: the real iLab quote and the CSV template become submissions IN
// REVIEW with rows, provenance and issues; their original is stored in a real files subgraph; the same bytes or
// the same quote again return the existing submission; unreadable files are refused with a clear code and leave
// nothing behind; a SUBMITTER sees only their own submissions.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_TEMPLATE, largeSheet, readFixture, REAL_QUOTE } from '../../test/helpers/fixtures.ts';
import { createFileStore } from './file-store.ts';
import { writeTinyPdf } from './quote-pdf/testing.ts';
import { startSubmissionHarness, type SubmissionHarness } from './testing.ts';

const corpus = (name: string) => readFileSync(new URL(`../../test/fixtures/quotes/${name}`, import.meta.url));

const DETAIL = `id quoteIdentifier source status sha256 fileName version file { id }
  requester { name email phone } lab pis { name email } financialContacts { name email } billingAddress
  serviceRequested quoteDate
  form { libraryKit sampleTypes containsHumanDna sourceOrganism sampleBuffers flowCellFormats approxGenomeSize
    approxCoverage flowCellCount comments basecalling fileFormats notificationEmails dataRetrieval }
  costs { projected known lines { name billingStatus quantity unitPrice extendedPrice tax total } }
  rows { rowNumber sampleName volumeUl qubitNgPerUl nanodropNgPerUl a260_280 a260_230 concentrationNgPerUl kind
    requesterName lab nucleicAcid buffer chemistry priority
    cells { field page x y w h line column confidence method raw } }
  issues { path rowNumber severity code message }
  provenance { path page x y w h confidence method raw }
  submittedBy { id }`;

let h: SubmissionHarness;
let submitter: Record<string, string>;
let submitterId: string;
let staff: Record<string, string>;
const quote = readFixture(REAL_QUOTE);
const sheet = readFixture(CSV_TEMPLATE);

beforeAll(async () => {
  h = await startSubmissionHarness();
  submitterId = randomUUID();
  submitter = await h.as(['SUBMITTER'], submitterId);
  staff = await h.as(['STAFF']);
});
afterAll(() => h?.close());

const counts = async () => ({
  submissions: Number((await h.sql<{ n: string }>('SELECT count(*) AS n FROM submission'))[0]!.n),
  files: Number((await h.files.sql<{ n: string }>('SELECT count(*) AS n FROM file'))[0]!.n),
});

describe('importing the real quote', () => {
  let id: string;

  it('returns the submission IN_REVIEW with its values, rows, provenance and issues', async () => {
    const { status, body } = await h.importFile(
      quote,
      'HTSF--JL-147_quote_160217072025.pdf',
      submitter,
      DETAIL,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const s = body.data.importSubmission;
    id = s.id;
    expect(s).toMatchObject({
      quoteIdentifier: 'HTSF--JL-147',
      source: 'PDF',
      status: 'IN_REVIEW',
      fileName: 'HTSF--JL-147_quote_160217072025.pdf',
      requester: { name: 'Joshua Leon', email: 'joshleon@unc.edu' },
      lab: 'Mitchell, Charles (UNC-CH) Lab',
      pis: [{ name: 'Charles Mitchell', email: 'mitchell@bio.unc.edu' }],
      quoteDate: '2025-07-17',
      form: {
        libraryKit: 'SQK-RBK114.24',
        sampleTypes: ['PCR_AMPLICONS'],
        containsHumanDna: false,
        sampleBuffers: ['EB'],
        flowCellFormats: ['MINION'],
        basecalling: ['SUP'],
        fileFormats: ['FASTQ_BAM'],
        dataRetrieval: ['ITS_PROJ', 'WEB_URL'],
      },
      costs: { projected: 897, known: 897, lines: [{ name: 'MinION DNA Flow Cell', total: 897 }] },
      submittedBy: { id: submitterId },
    });
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.rows).toHaveLength(99);
    const used = s.rows.filter((r: { kind: string }) => r.kind !== 'EMPTY');
    expect(used).toHaveLength(96);
    expect(used[0]).toMatchObject({
      rowNumber: 1,
      sampleName: '1',
      volumeUl: 2,
      nanodropNgPerUl: 298.9,
      kind: 'SAMPLE',
    });
    expect(used[1]).toMatchObject({ rowNumber: 2, sampleName: '3' });
    expect(used.slice(-2).map((r: { sampleName: string; kind: string }) => [r.sampleName, r.kind])).toEqual([
      ['Positive control', 'CONTROL'],
      ['BLANK', 'CONTROL'],
    ]);
    const nameCell = used[0].cells.find((c: { field: string }) => c.field === 'sampleName');
    expect(nameCell).toMatchObject({ page: 2, method: 'column+geometry', raw: '1' });
    expect(nameCell.confidence).toBeGreaterThan(0.8);
    expect(s.provenance).toContainEqual(
      expect.objectContaining({ path: 'form.libraryKit', page: 1, method: 'mark+geometry' }),
    );
    expect(s.issues).toContainEqual(
      expect.objectContaining({ path: 'billingAddress', code: 'BLANK_VALUE', severity: 'WARNING' }),
    );
    expect(s.issues.filter((i: { severity: string }) => i.severity === 'ERROR')).toEqual([]);
  });

  it('stored the original in the files subgraph, attached to the submission', async () => {
    const { body } = await h.gql(
      `query ($id: ID!) { submission(id: $id) { file { id } } }`,
      { id },
      submitter,
    );
    const fileId = body.data.submission.file.id;
    const files = await h.files.gql(
      `query ($id: ID!) { file(id: $id) { id kind contentType sha256 submission { id } } }`,
      { id: fileId },
      submitter,
    );
    expect(files.body.data.file).toMatchObject({
      kind: 'QUOTE_PDF',
      contentType: 'application/pdf',
      submission: { id },
    });
  });

  it('records submission.imported in the outbox', async () => {
    const events = await h.sql<{ type: string; payload: Record<string, unknown>; owner_id: string }>(
      `SELECT type, payload, owner_id FROM outbox_event WHERE entity_id = $1 ORDER BY "sequence"`,
      [id],
    );
    expect(events.map((e) => e.type)).toEqual(['submission.imported', 'submission.file_stored']);
    expect(events[0]).toMatchObject({
      owner_id: submitterId,
      payload: { source: 'PDF', samples: 94, controls: 2 },
    });
  });

  it('returns the existing submission for the same bytes, and for the same quote in other bytes', async () => {
    const before = await counts();
    const again = await h.importFile(quote, 'again.pdf', submitter);
    expect(again.body.data.importSubmission).toMatchObject({
      id,
      fileName: 'HTSF--JL-147_quote_160217072025.pdf',
    });
    // Bytes after %%EOF change the hash, not the quote.
    const other = Buffer.concat([quote, Buffer.from('\n% re-exported\n')]);
    const sameQuote = await h.importFile(other, 're-export.pdf', staff);
    expect(sameQuote.body.data.importSubmission.id).toBe(id);
    expect(await counts()).toEqual(before);
  });

  it('answers ALREADY_IMPORTED, and nothing about it, to another submitter importing it', async () => {
    const { body } = await h.importFile(quote, 'mine.pdf', await h.as(['SUBMITTER']));
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', rule: 'ALREADY_IMPORTED' });
  });

  it("reveals nothing of someone else's submission for the same quote in other bytes: no id, owner, status", async () => {
    const before = await counts();
    const other = Buffer.concat([quote, Buffer.from('\n% saved again by another lab member\n')]);
    const { body } = await h.importFile(other, 'ours.pdf', await h.as(['SUBMITTER']));
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'a submission for this quote or file already exists; ask the core staff',
        path: ['importSubmission'],
        extensions: { code: 'CONFLICT', field: 'file', rule: 'ALREADY_IMPORTED' },
      }),
    ]);
    const raw = JSON.stringify(body);
    for (const secret of [id, submitterId, 'HTSF--JL-147', 'IN_REVIEW', 'SUBMITTED'])
      expect(raw).not.toContain(secret);
    expect(await counts()).toEqual(before);
    // Staff still get the existing one.
    const asStaff = await h.importFile(other, 'ours.pdf', staff);
    expect(asStaff.body.data.importSubmission.id).toBe(id);
  });
});

describe('importing the CSV template', () => {
  it('takes a 10,000-row sheet in full', async () => {
    // Another submitter, so the visibility counts below stay about the template and the quote.
    const { body } = await h.importFile(
      largeSheet(10_000),
      'large.csv',
      await h.as(['SUBMITTER']),
      'id status rows { rowNumber }',
    );
    expect(body.errors).toBeUndefined();
    const { id, status, rows } = body.data.importSubmission;
    expect(status).toBe('IN_REVIEW');
    expect(rows).toHaveLength(10_000);
    expect(rows.at(-1).rowNumber).toBe(10_001);
    const stored = await h.sql<{ n: string }>(
      'SELECT count(*) AS n FROM submission_row WHERE submission_id = $1',
      [id],
    );
    expect(Number(stored[0]!.n)).toBe(10_000);
  });

  it('returns the submission IN_REVIEW with one row per sample and per-row values', async () => {
    const { body } = await h.importFile(sheet, 'nanopore-sample-submission-template.csv', submitter, DETAIL);
    expect(body.errors).toBeUndefined();
    const s = body.data.importSubmission;
    expect(s).toMatchObject({
      source: 'CSV',
      status: 'IN_REVIEW',
      quoteIdentifier: null,
      requester: { name: 'John Doe', email: 'john.doe@university.edu' },
      lab: 'Genomics Lab',
    });
    expect(s.file).not.toBeNull();
    expect(s.rows.map((r: { rowNumber: number; sampleName: string }) => [r.rowNumber, r.sampleName])).toEqual(
      [
        [2, 'SAMPLE001'],
        [3, 'RNA_SAMPLE_002'],
        [4, 'PLASMID_003'],
      ],
    );
    expect(s.rows[1]).toMatchObject({
      kind: 'SAMPLE',
      volumeUl: 50,
      concentrationNgPerUl: 25,
      requesterName: 'Jane Wilson',
      lab: 'RNA Sequencing Lab',
      nucleicAcid: 'RNA',
      buffer: 'RNase-free water',
      chemistry: 'R10.4.1',
      priority: 'HIGH',
    });
    expect(s.rows[0].cells).toContainEqual(
      expect.objectContaining({
        field: 'volumeUl',
        page: null,
        line: 2,
        column: 'I',
        confidence: 1,
        method: 'csv-cell',
        raw: '20.0',
      }),
    );
    expect(s.issues).toContainEqual(
      expect.objectContaining({ path: 'requester.name', code: 'ROWS_DIFFER', severity: 'INFO' }),
    );
    const again = await h.importFile(sheet, 'copy.csv', submitter);
    expect(again.body.data.importSubmission.id).toBe(s.id);
  });
});

describe('files that cannot be imported', () => {
  const cases: [string, Uint8Array, string, string][] = [
    ['a PNG image', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'UNSUPPORTED_FILE_TYPE', ''],
    ['an invoice PDF', corpus('not-a-quote.pdf'), 'BAD_USER_INPUT', 'NOT_AN_ILAB_QUOTE'],
    ['a scanned quote', corpus('image-only.pdf'), 'BAD_USER_INPUT', 'NO_TEXT_LAYER'],
    ['an encrypted quote', corpus('encrypted.pdf'), 'BAD_USER_INPUT', 'ENCRYPTED'],
    ['a truncated PDF', quote.subarray(0, 4000), 'BAD_USER_INPUT', 'CORRUPT_PDF'],
    ['a 60-page PDF', writeTinyPdf(60), 'BAD_USER_INPUT', 'TOO_MANY_PAGES'],
    [
      'a sheet without a sample name column',
      Buffer.from('volume,concentration\n1,2\n'),
      'BAD_USER_INPUT',
      'MISSING_REQUIRED_COLUMN',
    ],
    ['an empty file', new Uint8Array(0), 'BAD_USER_INPUT', 'EMPTY_FILE'],
  ];

  it.each(cases)('refuses %s with a clear code and stores nothing', async (_name, bytes, code, rule) => {
    const before = await counts();
    const { body } = await h.importFile(bytes, 'upload.bin', submitter);
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({ code, ...(rule ? { rule } : {}) });
    expect(await counts()).toEqual(before);
  });

  it('has no extraction routes without AI_INTERNAL_URL (nothing is ever EXTRACTING)', async () => {
    expect((await fetch(`${h.url}/internal/submission/documents/${randomUUID()}`)).status).toBe(404);
    const notice = await fetch(`${h.url}/internal/submission/extractions`, { method: 'POST', body: '{}' });
    expect(notice.status).toBe(404);
    expect(await h.sql('SELECT 1 FROM extraction_command')).toEqual([]);
  });

  it('refuses a file over SUBMISSION_MAX_IMPORT_BYTES', async () => {
    const small = await startSubmissionHarness({ SUBMISSION_MAX_IMPORT_BYTES: '1000' });
    try {
      const { body } = await small.importFile(quote, 'big.pdf', await small.as(['SUBMITTER']));
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'MAX_FILE_SIZE' });
      expect(await small.sql('SELECT id FROM submission')).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

describe('who sees what', () => {
  it('shows a SUBMITTER only their own submissions, and staff every one', async () => {
    const other = await h.as(['SUBMITTER']);
    const own = await h.gql(
      `{ submissions { totalCount edges { node { id submittedBy { id } } } } }`,
      {},
      submitter,
    );
    expect(own.body.data.submissions.totalCount).toBe(2);
    const theirs = await h.gql(`{ submissions { totalCount } }`, {}, other);
    expect(theirs.body.data.submissions.totalCount).toBe(0);
    const id = own.body.data.submissions.edges[0].node.id;
    expect(
      (await h.gql(`query ($id: ID!) { submission(id: $id) { id } }`, { id }, other)).body.data.submission,
    ).toBeNull();
    const all = await h.gql(
      `{ submissions(filter: { source: [PDF] }) { totalCount } }`,
      {},
      await h.as(['VIEWER']),
    );
    expect(all.body.data.submissions.totalCount).toBe(1);
    const byQuote = await h.gql(
      `{ submissionByQuoteId(quoteIdentifier: "htsf--jl-147") { quoteIdentifier } }`,
      {},
      staff,
    );
    expect(byQuote.body.data.submissionByQuoteId).toEqual({ quoteIdentifier: 'HTSF--JL-147' });
    const search = await h.gql(`{ submissions(filter: { search: "mitchell" }) { totalCount } }`, {}, staff);
    expect(search.body.data.submissions.totalCount).toBe(1);
  });

  it('refuses a VIEWER an import', async () => {
    const { body } = await h.importFile(sheet, 'x.csv', await h.as(['VIEWER']));
    expect(body.errors![0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('when the files subgraph is down', () => {
  it('keeps the submission with FILE_NOT_STORED, and stores the file when the same bytes come again', async () => {
    const bytes = Buffer.from('sample_name,volume,concentration\nA1,10,20\nA2,12,25\n');
    const down = await startSubmissionHarness({ FILES_GRAPHQL_URL: 'http://127.0.0.1:9/graphql' });
    try {
      const headers = await down.as(['SUBMITTER']);
      const first = await down.importFile(
        bytes,
        'sheet.csv',
        headers,
        'id file { id } issues { path code severity }',
      );
      expect(first.body.data.importSubmission).toMatchObject({
        file: null,
        issues: [expect.objectContaining({ path: 'file', code: 'FILE_NOT_STORED', severity: 'WARNING' })],
      });
      // The files subgraph is back (here: the harness's own, which the config did not point at).
      down.subgraph.deps.files = createFileStore({
        url: `${down.files.url}/graphql`,
        timeoutMs: 5000,
        log: down.subgraph.deps.log,
      });
      const second = await down.importFile(bytes, 'sheet.csv', headers, 'id file { id } issues { code }');
      expect(second.body.data.importSubmission).toMatchObject({
        id: first.body.data.importSubmission.id,
        issues: [],
      });
      expect(second.body.data.importSubmission.file).not.toBeNull();
    } finally {
      await down.close();
    }
  });
});
