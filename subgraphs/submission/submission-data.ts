// The shapes a submission is stored in, whichever reader produced it: the quote PDF (quote-draft.ts) and the
// sample sheet (sheet-draft.ts) both become a SubmissionDraft; the JSON columns (form, costs, provenance, issues,
// a row's details and cells) hold exactly these types.
import type { RowKind, SubmissionSource } from '../../generated/prisma/submission/client.ts';
import type { StoredIssue } from './issues.ts';

/** Where a value was read and how sure the reader is. PDF: page + box; CSV: line + column letter. */
export interface ProvenanceEntry {
  page: number | null;
  x: number | null;
  y: number | null;
  w: number | null;
  h: number | null;
  line: number | null;
  column: string | null;
  confidence: number;
  /** The reader's method, `csv-cell` for a sheet cell, `corrected` once staff set or confirmed it. */
  method: string;
  raw: string | null;
  /** method LLM: character offsets of the value in the document's text (kit/extraction-wire.ts draftValueSchema). */
  textStart?: number | null;
  textEnd?: number | null;
}

export interface Contact {
  name: string;
  email: string | null;
}

export type MaterialType = 'HMW_DNA' | 'FRAGMENTED_DNA' | 'PCR_AMPLICONS' | 'CDNA';
export type FlowCellFormat = 'MINION' | 'PROMETHION' | 'FLONGLE';
export type NucleicAcid = 'DNA' | 'RNA';
export type Priority = 'URGENT' | 'HIGH' | 'NORMAL' | 'LOW';

/** The facility's submission form; selected options as the facility's values. */
export interface SubmissionFormData {
  libraryKit: string | null;
  sampleTypes: MaterialType[];
  containsHumanDna: boolean | null;
  sourceOrganism: string | null;
  sampleBuffers: string[];
  flowCellFormats: FlowCellFormat[];
  approxGenomeSize: string | null;
  approxCoverage: string | null;
  flowCellCount: number | null;
  comments: string | null;
  basecalling: string[];
  fileFormats: string[];
  notificationEmails: string[];
  dataRetrieval: string[];
}

export interface CostLineData {
  name: string | null;
  billingStatus: string | null;
  quantity: number | null;
  unitPrice: number | null;
  extendedPrice: number | null;
  tax: number | null;
  total: number | null;
}

export interface CostsData {
  projected: number | null;
  known: number | null;
  lines: CostLineData[];
}

/** Values a sheet gives per row; the quote's form applies to every row instead. */
export interface RowDetails {
  requesterName?: string | null;
  requesterEmail?: string | null;
  lab?: string | null;
  nucleicAcid?: NucleicAcid | null;
  materialType?: MaterialType | null;
  buffer?: string | null;
  flowCellFormat?: FlowCellFormat | null;
  productCode?: string | null;
  chemistry?: string | null;
  priority?: Priority | null;
}

export const ROW_DETAIL_FIELDS = [
  'requesterName',
  'requesterEmail',
  'lab',
  'nucleicAcid',
  'materialType',
  'buffer',
  'flowCellFormat',
  'productCode',
  'chemistry',
  'priority',
] as const satisfies readonly (keyof RowDetails)[];

/** The measurement columns of a row, in µL and ng/µL. */
export const MEASUREMENT_FIELDS = [
  'volumeUl',
  'qubitNgPerUl',
  'nanodropNgPerUl',
  'a260_280',
  'a260_230',
  'concentrationNgPerUl',
] as const;

export interface RowData {
  rowNumber: number;
  sampleName: string | null;
  volumeUl: number | null;
  qubitNgPerUl: number | null;
  nanodropNgPerUl: number | null;
  a260_280: number | null;
  a260_230: number | null;
  concentrationNgPerUl: number | null;
  kind: RowKind;
  details: RowDetails;
  cells: Record<string, ProvenanceEntry>;
}

/** A parsed file, ready to be stored as a Submission and its rows. */
export interface SubmissionDraft {
  source: SubmissionSource;
  quoteIdentifier: string | null;
  requesterName: string | null;
  requesterEmail: string | null;
  requesterPhone: string | null;
  lab: string | null;
  pis: Contact[];
  financialContacts: Contact[];
  billingAddress: string | null;
  serviceRequested: string | null;
  /** YYYY-MM-DD */
  quoteDate: string | null;
  form: SubmissionFormData;
  costs: CostsData;
  provenance: Record<string, ProvenanceEntry>;
  issues: StoredIssue[];
  rows: RowData[];
}

export function emptyForm(): SubmissionFormData {
  return {
    libraryKit: null,
    sampleTypes: [],
    containsHumanDna: null,
    sourceOrganism: null,
    sampleBuffers: [],
    flowCellFormats: [],
    approxGenomeSize: null,
    approxCoverage: null,
    flowCellCount: null,
    comments: null,
    basecalling: [],
    fileFormats: [],
    notificationEmails: [],
    dataRetrieval: [],
  };
}

/** A JSON column as its type; the column defaults ('{}', '[]') and older rows fill in from `fallback`. */
export function readJson<T extends object>(value: unknown, fallback: T): T {
  if (Array.isArray(fallback)) return (Array.isArray(value) ? value : fallback) as T;
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...fallback, ...value } : fallback;
}

export const readForm = (value: unknown): SubmissionFormData => readJson(value, emptyForm());
export const readCosts = (value: unknown): CostsData =>
  readJson<CostsData>(value, { projected: null, known: null, lines: [] });
export const readContacts = (value: unknown): Contact[] => readJson<Contact[]>(value, []);
export const readProvenance = (value: unknown): Record<string, ProvenanceEntry> =>
  readJson<Record<string, ProvenanceEntry>>(value, {});
export const readDetails = (value: unknown): RowDetails => readJson<RowDetails>(value, {});

/** The provenance of a value staff set or confirmed: certain, wherever it was read before. */
export function correctedProvenance(previous: ProvenanceEntry | undefined): ProvenanceEntry {
  return {
    page: previous?.page ?? null,
    x: previous?.x ?? null,
    y: previous?.y ?? null,
    w: previous?.w ?? null,
    h: previous?.h ?? null,
    line: previous?.line ?? null,
    column: previous?.column ?? null,
    raw: previous?.raw ?? null,
    confidence: 1,
    method: 'corrected',
  };
}

/** YYYY-MM-DD of a DATE column (read back as UTC midnight). */
export function toIsoDate(date: Date | null): string | null {
  return date ? date.toISOString().slice(0, 10) : null;
}
