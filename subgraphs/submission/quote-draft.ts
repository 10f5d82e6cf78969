// A parsed iLab quote (./quote-pdf) as a SubmissionDraft: the values, each value's provenance, the reader's
// issues (row paths turned from grid indexes into row numbers) and one LOW_CONFIDENCE issue for every value read
// with confidence under the threshold that the reader did not list already.
import { forEachExtracted, toPlainSubmission } from './quote-pdf/plain-submission.ts';
import type { Extracted, GridRow, ParsedSubmission, QuoteIssue } from './quote-pdf/types.ts';
import { issue, LOW_CONFIDENCE_THRESHOLD, toSeverity, type StoredIssue } from './issues.ts';
import type { ProvenanceEntry, RowData, SubmissionDraft } from './submission-data.ts';

const ROW_FIELDS = [
  'sampleName',
  'volumeUl',
  'qubitNgPerUl',
  'nanodropNgPerUl',
  'a260_280',
  'a260_230',
  'kind',
] as const satisfies readonly (keyof GridRow)[];

const round = (n: number) => Math.round(n * 100) / 100;

function provenanceOf(value: Extracted<unknown>): ProvenanceEntry {
  const source = value.source;
  return {
    page: source?.page ?? null,
    x: source ? round(source.x) : null,
    y: source ? round(source.y) : null,
    w: source ? round(source.w) : null,
    h: source ? round(source.h) : null,
    line: null,
    column: null,
    confidence: value.confidence,
    method: value.method,
    raw: value.raw,
  };
}

/** `rows[i]...` (an index into the reader's rows) -> `rows[N]...` (the row number), and the row number. */
function toRowPath(path: string, rows: readonly GridRow[]): { path: string; rowNumber: number | null } {
  const match = /^rows\[(\d+)\](.*)$/.exec(path);
  if (!match) return { path, rowNumber: null };
  const rowNumber = rows[Number(match[1])]?.rowNumber.value ?? Number(match[1]) + 1;
  return { path: `rows[${rowNumber}]${match[2]}`, rowNumber };
}

/** The reader's issue with its row path (in the path and in the message) as ours. */
function toIssue(i: QuoteIssue, rows: readonly GridRow[]): StoredIssue {
  const { path, rowNumber } = toRowPath(i.path, rows);
  const readerRow = /^rows\[\d+\]/.exec(i.path)?.[0];
  const message =
    readerRow && rowNumber !== null ? i.message.split(readerRow).join(`rows[${rowNumber}]`) : i.message;
  return issue(path, toSeverity(i.severity), i.code, message, rowNumber);
}

function toRow(row: GridRow): RowData {
  const cells: Record<string, ProvenanceEntry> = {};
  for (const field of ROW_FIELDS) cells[field] = provenanceOf(row[field]);
  return {
    rowNumber: row.rowNumber.value,
    sampleName: row.sampleName.value,
    volumeUl: row.volumeUl.value,
    qubitNgPerUl: row.qubitNgPerUl.value,
    nanodropNgPerUl: row.nanodropNgPerUl.value,
    a260_280: row.a260_280.value,
    a260_230: row.a260_230.value,
    concentrationNgPerUl: null,
    kind: row.kind.value,
    details: {},
    cells,
  };
}

/** Cells of EMPTY rows are deliberately blank: their doubts are noise unless the row's kind itself is doubtful. */
function isQuietRowValue(path: string, submission: ParsedSubmission): boolean {
  const match = /^rows\[(\d+)\]\.(\w+)/.exec(path);
  if (!match) return false;
  const row = submission.rows[Number(match[1])];
  return row?.kind.value === 'EMPTY' && match[2] !== 'kind';
}

export function quoteDraft(submission: ParsedSubmission): SubmissionDraft {
  const plain = toPlainSubmission(submission);
  const provenance: Record<string, ProvenanceEntry> = {};
  const issues: StoredIssue[] = submission.issues.map((i) => toIssue(i, submission.rows));
  const listed = new Set(issues.filter((i) => i.code === 'LOW_CONFIDENCE').map((i) => i.path));

  forEachExtracted(submission, (readerPath, value) => {
    if (!readerPath.startsWith('rows[')) provenance[readerPath] = provenanceOf(value);
    if (value.confidence >= LOW_CONFIDENCE_THRESHOLD || isQuietRowValue(readerPath, submission)) return;
    const { path, rowNumber } = toRowPath(readerPath, submission.rows);
    if (listed.has(path)) return;
    listed.add(path);
    const flags = value.flags.length ? ` (${value.flags.join(', ')})` : '';
    issues.push(
      issue(
        path,
        'WARNING',
        'LOW_CONFIDENCE',
        `${path} read with confidence ${value.confidence}${flags}: check it against the PDF`,
        rowNumber,
      ),
    );
  });

  return {
    source: 'PDF',
    quoteIdentifier: plain.quoteIdentifier,
    requesterName: plain.requester.name,
    requesterEmail: plain.requester.email,
    requesterPhone: plain.requester.phone,
    lab: plain.lab,
    pis: plain.pis,
    financialContacts: plain.financialContacts,
    billingAddress: plain.billingAddress,
    serviceRequested: plain.serviceRequested,
    quoteDate: plain.quoteDate,
    form: plain.form,
    costs: plain.costs,
    provenance,
    issues,
    rows: submission.rows.map(toRow),
  };
}
