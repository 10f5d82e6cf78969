// What the quote parser returns. Field names follow the Submission contract (docs/domain.md and issue 6); every value
// carries where it was found and how sure the parser is (confidence.ts says how that number is made).
import type { QuotePdfError } from './errors.ts';

/** A rectangle on a page, in PDF points (1/72 inch), origin at the page's top-left corner. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a value was read: 1-based page number and the box around the text or mark. */
export interface SourceBox extends Box {
  page: number;
}

/**
 * How a value was found.
 * - `label+geometry`: under its exact label, at the place the quote layout puts it.
 * - `column+geometry`: a grid or charge-table cell, placed by x under its column header and by y in its row.
 * - `mark+geometry`: a checkbox or radio state read from the drawn mark inside the control.
 * - `inferred`: derived rather than read as-is (a unit stripped, lines joined without borders, a label matched
 *   loosely, a number re-punctuated, a state read without the control's frame).
 * - `cross-check`: a value confirmed or chosen by comparing two places (e.g. the identifier in the text and in
 *   the PDF title).
 * - `absent`: the label is there and its place is empty; the value is null on purpose.
 * - `not-found`: the label itself is missing; the value is null.
 * - `ocr`: read as `label+geometry`, `column+geometry` or `cross-check`, from text recognised on a scanned page;
 *   its confidence includes the recognizer's (ocr-provenance.ts).
 * - `pixels`: a checkbox or radio state read from the ink inside a control found in a scanned page's pixels.
 */
export type ExtractionMethod =
  | 'label+geometry'
  | 'column+geometry'
  | 'mark+geometry'
  | 'inferred'
  | 'cross-check'
  | 'absent'
  | 'not-found'
  | 'ocr'
  | 'pixels';

/** A doubt the parser had about a value; each one lowers the confidence (see confidence.ts). */
export type ConfidenceFlag =
  | 'LABEL_FUZZY'
  | 'OFF_COLUMN_START'
  | 'CROSSES_COLUMN'
  | 'LINES_JOINED'
  | 'LINES_JOINED_WITHOUT_BORDERS'
  | 'UNIT_STRIPPED'
  | 'REPUNCTUATED'
  | 'NOT_A_NUMBER'
  | 'NOT_AN_EMAIL'
  | 'NOT_A_DATE'
  | 'NO_CONTROL_FRAME'
  | 'AMBIGUOUS_MARK'
  | 'GROUP_RULE_BROKEN'
  | 'OPTION_TEXT_FUZZY'
  | 'NO_VECTOR_LAYER'
  | 'DISAGREES_WITH_TITLE'
  | 'DISAGREES_WITH_TOTALS'
  | 'CONTROL_NAME_LOOSE'
  | 'NAME_MISSING'
  | 'DUPLICATE_ROW'
  | 'ROW_NUMBER_INFERRED'
  | 'SPLIT_FROM_ROW_NUMBER'
  | 'EMPTY_AMONG_FILLED'
  | 'STRAY_MARKS_DROPPED'
  | 'OUT_OF_COLUMN_RANGE';

/** One extracted value with its provenance. */
export interface Extracted<T> {
  value: T;
  /** 0..1, from the method and the flags (confidence.ts). */
  confidence: number;
  source: SourceBox | null;
  method: ExtractionMethod;
  /** The text as printed, before normalisation (null when nothing was printed). */
  raw: string | null;
  flags: ConfidenceFlag[];
}

/** One option of a checkbox or radio question, as read from the page. */
export interface ChoiceReading {
  /** The contract value this option stands for (e.g. `PCR_AMPLICONS`). */
  value: string;
  /** The option text as printed. */
  label: string;
  /** true: a mark is drawn in the control; false: the control is empty; null: the state could not be read. */
  selected: boolean | null;
  confidence: number;
  /** The control (box or circle) the state was read from; null when no control was found. */
  source: SourceBox | null;
  method: ExtractionMethod;
  flags: ConfidenceFlag[];
}

/** A checkbox or radio field: its value, plus how each option was read. */
export type ExtractedChoice<T> = Extracted<T> & { options: ChoiceReading[] };

export interface Contact {
  name: string;
  email: string | null;
}

export type SampleType = 'HMW_DNA' | 'FRAGMENTED_DNA' | 'PCR_AMPLICONS' | 'CDNA';
export type SampleBuffer = 'EB' | 'NUCLEASE_FREE_WATER';
export type FlowCellFormat = 'MINION' | 'PROMETHION';
export type Basecalling = 'HAC' | 'SUP' | 'METHYLATION';
/** FASTQ / BAM is one option on the form, so one value. */
export type FileFormat = 'FASTQ_BAM' | 'POD5';
export type DataRetrieval = 'ITS_PROJ' | 'WEB_URL' | 'PREARRANGED' | 'OTHER';
export type RowKind = 'SAMPLE' | 'CONTROL' | 'EMPTY';

export interface QuoteForm {
  /** The facility kit value, e.g. `SQK-RBK114.24`. */
  libraryKit: ExtractedChoice<string | null>;
  sampleTypes: ExtractedChoice<SampleType[]>;
  containsHumanDna: ExtractedChoice<boolean | null>;
  sourceOrganism: Extracted<string | null>;
  sampleBuffers: ExtractedChoice<SampleBuffer[]>;
  flowCellFormats: ExtractedChoice<FlowCellFormat[]>;
  approxGenomeSize: Extracted<string | null>;
  approxCoverage: Extracted<string | null>;
  flowCellCount: Extracted<number | null>;
  comments: Extracted<string | null>;
  basecalling: ExtractedChoice<Basecalling[]>;
  fileFormats: ExtractedChoice<FileFormat[]>;
  notificationEmails: Extracted<string[]>;
  dataRetrieval: ExtractedChoice<DataRetrieval[]>;
}

export interface ChargeLine {
  name: Extracted<string | null>;
  billingStatus: Extracted<string | null>;
  quantity: Extracted<number | null>;
  unitPrice: Extracted<number | null>;
  extendedPrice: Extracted<number | null>;
  tax: Extracted<number | null>;
  total: Extracted<number | null>;
}

export interface QuoteCosts {
  /** US dollars. */
  projected: Extracted<number | null>;
  known: Extracted<number | null>;
  lines: ChargeLine[];
}

/** One row of the Sample Information grid (all 99 printed rows are returned, empty ones as EMPTY). */
export interface GridRow {
  rowNumber: Extracted<number>;
  sampleName: Extracted<string | null>;
  volumeUl: Extracted<number | null>;
  qubitNgPerUl: Extracted<number | null>;
  nanodropNgPerUl: Extracted<number | null>;
  a260_280: Extracted<number | null>;
  a260_230: Extracted<number | null>;
  kind: Extracted<RowKind>;
}

export type IssueSeverity = 'error' | 'warning' | 'info';

export interface QuoteIssue {
  /** Path of the field in the submission, e.g. `form.containsHumanDna` or `rows[4].sampleName`. */
  path: string;
  severity: IssueSeverity;
  /** Stable code, e.g. `LOW_CONFIDENCE`, `REQUIRED_MISSING`. */
  code: string;
  message: string;
}

export interface ParsedSubmission {
  quoteIdentifier: Extracted<string | null>;
  /** ISO date (YYYY-MM-DD) of "As of". */
  quoteDate: Extracted<string | null>;
  /** ISO date of "Expires on" (usually empty). */
  expiresOn: Extracted<string | null>;
  serviceRequested: Extracted<string | null>;
  requester: {
    name: Extracted<string | null>;
    email: Extracted<string | null>;
    phone: Extracted<string | null>;
  };
  lab: Extracted<string | null>;
  billingAddress: Extracted<string | null>;
  pis: Extracted<Contact[]>;
  financialContacts: Extracted<Contact[]>;
  form: QuoteForm;
  costs: QuoteCosts;
  rows: GridRow[];
  issues: QuoteIssue[];
}

/** Facts about the file itself. */
export interface QuoteDocumentInfo {
  pageCount: number;
  title: string | null;
  creator: string | null;
  producer: string | null;
  /** Whether drawn shapes (checkbox marks, borders) could be read on every page. */
  vectorLayer: 'complete' | 'partial' | 'missing';
}

export type QuoteParseResult =
  | { ok: true; submission: ParsedSubmission; document: QuoteDocumentInfo }
  | { ok: false; error: QuotePdfError };
