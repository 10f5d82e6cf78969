// An extraction's result (kit/extraction-wire.ts ExtractionResult) as a SubmissionDraft.
// - PAGES (a scanned quote's page model, read by the quote reader in the document worker): the digital quote's
//   draft with every value marked as read from the scan: PIXELS for a checkbox mark, OCR for everything else.
// - DRAFT (values the ai subgraph's language model proposed): each value put at its path (form.<field>,
//   rows[N].<field>, requester.<field>, a list field whole or as list[i]), checked as staff corrections are
//   checked; a value that does not fit is left out with an INVALID_EXTRACTED_VALUE issue, one under the review
//   threshold gets a LOW_CONFIDENCE issue, and the result's own issues become review issues.
import type { ExtractionResult } from '../kit/extraction-wire.ts';
import {
  issue,
  LOW_CONFIDENCE_THRESHOLD,
  MAX_SAMPLE_NAME,
  MEASUREMENT_LIMITS,
  type StoredIssue,
} from './issues.ts';
import {
  emptyForm,
  MEASUREMENT_FIELDS,
  ROW_DETAIL_FIELDS,
  type ProvenanceEntry,
  type RowData,
  type SubmissionDraft,
  type SubmissionFormData,
} from './submission-data.ts';

type DraftResult = Extract<ExtractionResult, { kind: 'DRAFT' }>;
type DraftValue = DraftResult['values'][number];
type Scalar = DraftValue['value'];

/** The most rows a submission holds (as a sheet). */
export const MAX_ROWS = 10_000;

/** The reader's method for a value read from a scan (`pixels` for a mark, `ocr` for words) in the graph's terms. */
const scanMethod = (method: string) => (method === 'pixels' || method === 'mark+geometry' ? 'PIXELS' : 'OCR');

/** A digital quote's draft (quoteDraft) as read from a scan: the source, and every value's method. */
export function asScannedDraft(draft: SubmissionDraft, source: 'PDF' | 'IMAGE'): SubmissionDraft {
  const mark = (entries: Record<string, ProvenanceEntry>) =>
    Object.fromEntries(Object.entries(entries).map(([k, p]) => [k, { ...p, method: scanMethod(p.method) }]));
  return {
    ...draft,
    source,
    provenance: mark(draft.provenance),
    rows: draft.rows.map((row) => ({ ...row, cells: mark(row.cells) })),
  };
}

/** A draft with nothing read: the start of a DRAFT result, and what staff fill in when extraction failed. */
export function emptyDraft(source: SubmissionDraft['source']): SubmissionDraft {
  return {
    source,
    quoteIdentifier: null,
    requesterName: null,
    requesterEmail: null,
    requesterPhone: null,
    lab: null,
    pis: [],
    financialContacts: [],
    billingAddress: null,
    serviceRequested: null,
    quoteDate: null,
    form: emptyForm(),
    costs: { projected: null, known: null, lines: [] },
    provenance: {},
    issues: [],
    rows: [],
  };
}

class Unfit extends Error {}

const unfit = (why: string): never => {
  throw new Unfit(why);
};

function asText(value: Scalar, max: number): string | null {
  if (value === null) return null;
  const text = String(value).trim();
  if (text.length > max) unfit(`longer than ${max} characters`);
  return text || null;
}

function asNumber(value: Scalar): number | null {
  if (value === null || value === '') return null;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.replace(/,/g, '')) : NaN;
  if (!Number.isFinite(n)) unfit('not a number');
  return n;
}

function asBoolean(value: Scalar): boolean | null {
  if (value === null || typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['yes', 'true', 'y'].includes(text)) return true;
  if (['no', 'false', 'n'].includes(text)) return false;
  return unfit('not yes or no');
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
function asEmail(value: Scalar): string | null {
  const text = asText(value, 320);
  if (text !== null && !EMAIL.test(text)) unfit('not an e-mail address');
  return text;
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: Scalar): T | null => {
    const text =
      asText(value, 100)
        ?.toUpperCase()
        .replace(/[\s-]+/g, '_') ?? null;
    if (text !== null && !(allowed as readonly string[]).includes(text))
      unfit(`not one of ${allowed.join(', ')}`);
    return text as T | null;
  };
}

const LIST_FIELDS: Partial<Record<keyof SubmissionFormData, (v: Scalar) => string | null>> = {
  sampleTypes: oneOf(['HMW_DNA', 'FRAGMENTED_DNA', 'PCR_AMPLICONS', 'CDNA']),
  sampleBuffers: oneOf(['EB', 'NUCLEASE_FREE_WATER']),
  flowCellFormats: oneOf(['MINION', 'PROMETHION', 'FLONGLE']),
  basecalling: oneOf(['HAC', 'SUP', 'METHYLATION']),
  fileFormats: oneOf(['FASTQ_BAM', 'POD5']),
  dataRetrieval: oneOf(['ITS_PROJ', 'WEB_URL', 'PREARRANGED', 'OTHER']),
  notificationEmails: asEmail,
};

const LIBRARY_KIT = /^SQK-[A-Z0-9]+(\.[0-9]+)?$/;

function formScalar(field: keyof SubmissionFormData, value: Scalar): unknown {
  switch (field) {
    case 'libraryKit': {
      const kit = asText(value, 50)?.toUpperCase() ?? null;
      if (kit !== null && !LIBRARY_KIT.test(kit)) unfit('not a library kit like SQK-RBK114.24');
      return kit;
    }
    case 'containsHumanDna':
      return asBoolean(value);
    case 'flowCellCount': {
      const n = asNumber(value);
      if (n !== null && (!Number.isInteger(n) || n < 1 || n > 100)) unfit('not a whole number from 1 to 100');
      return n;
    }
    case 'comments':
      return asText(value, 5000);
    default:
      return asText(value, 200);
  }
}

function rowValue(field: string, value: Scalar): unknown {
  if (field === 'sampleName') return asText(value, MAX_SAMPLE_NAME);
  if ((MEASUREMENT_FIELDS as readonly string[]).includes(field)) {
    const n = asNumber(value);
    const max = MEASUREMENT_LIMITS[field]!;
    if (n !== null && (n < 0 || n > max)) unfit(`outside 0 to ${max}`);
    return n;
  }
  if (field === 'kind')
    return oneOf(['SAMPLE', 'CONTROL', 'EMPTY'])(value) ?? unfit('a row kind is required');
  if (field === 'requesterEmail') return asEmail(value);
  if (field === 'nucleicAcid') return oneOf(['DNA', 'RNA'])(value);
  if (field === 'materialType') return LIST_FIELDS.sampleTypes!(value);
  if (field === 'flowCellFormat') return LIST_FIELDS.flowCellFormats!(value);
  if (field === 'priority') return oneOf(['URGENT', 'HIGH', 'NORMAL', 'LOW'])(value);
  if (field === 'productCode' || field === 'chemistry') return asText(value, 50)?.toUpperCase() ?? null;
  if ((ROW_DETAIL_FIELDS as readonly string[]).includes(field)) return asText(value, 200);
  return unfit(`${field} is not a row field`);
}

const TOP_FIELDS: Record<string, (d: SubmissionDraft, v: Scalar) => void> = {
  quoteIdentifier: (d, v) => (d.quoteIdentifier = asText(v, 100)?.toUpperCase() ?? null),
  lab: (d, v) => (d.lab = asText(v, 200)),
  billingAddress: (d, v) => (d.billingAddress = asText(v, 1000)),
  serviceRequested: (d, v) => (d.serviceRequested = asText(v, 200)),
  quoteDate: (d, v) => {
    const date = asText(v, 10);
    if (date !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))))
      unfit('not a date YYYY-MM-DD');
    d.quoteDate = date;
  },
  'requester.name': (d, v) => (d.requesterName = asText(v, 200)),
  'requester.email': (d, v) => (d.requesterEmail = asEmail(v)),
  'requester.phone': (d, v) => (d.requesterPhone = asText(v, 50)),
};

function provenance(value: DraftValue): ProvenanceEntry {
  return {
    page: null,
    x: null,
    y: null,
    w: null,
    h: null,
    line: null,
    column: null,
    confidence: value.confidence,
    method: value.method,
    raw: value.value === null ? null : String(value.value).slice(0, 2000),
    textStart: value.source?.start ?? null,
    textEnd: value.source?.end ?? null,
  };
}

function emptyRow(rowNumber: number): RowData {
  return {
    rowNumber,
    sampleName: null,
    volumeUl: null,
    qubitNgPerUl: null,
    nanodropNgPerUl: null,
    a260_280: null,
    a260_230: null,
    concentrationNgPerUl: null,
    kind: 'SAMPLE',
    details: {},
    cells: {},
  };
}

const ROW_PATH = /^rows\[(\d+)\]\.(\w+)$/;
const FORM_PATH = /^form\.(\w+)(?:\[(\d+)\])?$/;

/** The row number a `rows[i]` path means: a row number (rows[1] is the first), or an index if any path says rows[0]. */
function rowNumberBase(values: readonly DraftValue[]): number {
  return values.some((v) => /^rows\[0\]/.test(v.path)) ? 1 : 0;
}

/** Puts one value at its path in the draft; returns the issue path it concerns. Throws Unfit. */
function apply(draft: SubmissionDraft, rows: Map<number, RowData>, value: DraftValue, base: number): string {
  const top = TOP_FIELDS[value.path];
  if (top) {
    top(draft, value.value);
    draft.provenance[value.path] = provenance(value);
    return value.path;
  }
  const form = FORM_PATH.exec(value.path);
  if (form && form[1]! in draft.form) {
    const field = form[1] as keyof SubmissionFormData;
    const list = LIST_FIELDS[field];
    const values = draft.form as unknown as Record<string, unknown>;
    if (list) {
      // A list field takes one value per entry (form.sampleTypes[1]) or several at once ("HMW_DNA, CDNA").
      const items =
        value.value === null
          ? []
          : String(value.value)
              .split(/[,;]/)
              .map((s) => list(s.trim()));
      const next = new Set([...(values[field] as string[]), ...items.filter((i): i is string => i !== null)]);
      if (next.size > 20) unfit('more than 20 values');
      values[field] = [...next];
    } else if (form[2] === undefined) values[field] = formScalar(field, value.value);
    else unfit(`form.${field} is not a list`);
    draft.provenance[`form.${field}`] = provenance(value);
    return `form.${field}`;
  }
  const row = ROW_PATH.exec(value.path);
  if (row) {
    const rowNumber = Number(row[1]) + base;
    const field = row[2]!;
    if (rowNumber < 1 || rowNumber > MAX_ROWS) unfit(`row ${rowNumber} is outside 1 to ${MAX_ROWS}`);
    const parsed = rowValue(field, value.value);
    const target = rows.get(rowNumber) ?? emptyRow(rowNumber);
    if (!rows.has(rowNumber) && rows.size >= MAX_ROWS) unfit(`more than ${MAX_ROWS} rows`);
    rows.set(rowNumber, target);
    if ((ROW_DETAIL_FIELDS as readonly string[]).includes(field))
      (target.details as Record<string, unknown>)[field] = parsed;
    else (target as unknown as Record<string, unknown>)[field] = parsed;
    target.cells[field] = provenance(value);
    return `rows[${rowNumber}].${field}`;
  }
  return unfit('not a field of a submission');
}

const rowNumberOf = (path: string) => {
  const match = /^rows\[(\d+)\]/.exec(path);
  return match ? Number(match[1]) : null;
};

/** A DRAFT result as a submission draft (see the top of this file). */
export function draftFromValues(result: DraftResult, source: SubmissionDraft['source']): SubmissionDraft {
  const draft = emptyDraft(source);
  const rows = new Map<number, RowData>();
  const base = rowNumberBase(result.values);
  const issues: StoredIssue[] = [];
  for (const value of result.values) {
    let path: string;
    try {
      path = apply(draft, rows, value, base);
    } catch (error) {
      if (!(error instanceof Unfit)) throw error;
      const where = value.path.replace(/^rows\[(\d+)\]/, (_m, i: string) => `rows[${Number(i) + base}]`);
      issues.push(
        issue(
          where,
          'WARNING',
          'INVALID_EXTRACTED_VALUE',
          `${where}: the extracted value was left out (${error.message}); fill it in from the document`,
          rowNumberOf(where),
        ),
      );
      continue;
    }
    if (value.confidence < LOW_CONFIDENCE_THRESHOLD) {
      const origin = value.source
        ? ` (text ${value.source.start}-${value.source.end})`
        : ' (not found in the text)';
      issues.push(
        issue(
          path,
          'WARNING',
          'LOW_CONFIDENCE',
          `${path} extracted with confidence ${value.confidence}${origin}: check it against the document`,
          rowNumberOf(path),
        ),
      );
    }
  }
  for (const i of result.issues) {
    const path = i.path.replace(/^rows\[(\d+)\]/, (_m, n: string) => `rows[${Number(n) + base}]`);
    issues.push(issue(path, 'WARNING', i.code, i.message, rowNumberOf(path)));
  }
  draft.rows = [...rows.values()].sort((a, b) => a.rowNumber - b.rowNumber);
  draft.issues = issues;
  return draft;
}
