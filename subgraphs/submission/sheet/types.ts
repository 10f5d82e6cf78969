// What the sample sheet parser returns. Where the quote parser (../quote-pdf/types.ts) has the same concept the
// shape is the same: rows have a rowNumber and a kind SAMPLE | CONTROL | EMPTY, issues have a path, a severity and
// a stable code, so the submission subgraph can treat both sources alike. Names come from docs/domain.md's sample model.
import type { SampleSheetError } from './errors.ts';
import type { SheetIssueCode } from './issues.ts';

/** Same values as the quote's RowKind. EMPTY: no sample name and no measurement (e.g. pre-filled trailing rows). */
export type RowKind = 'SAMPLE' | 'CONTROL' | 'EMPTY';
/** Same values as the quote's IssueSeverity. */
export type IssueSeverity = 'error' | 'warning' | 'info';

export type Priority = 'URGENT' | 'HIGH' | 'NORMAL' | 'LOW';
export type NucleicAcid = 'DNA' | 'RNA';
export type MaterialType = 'HMW_DNA' | 'FRAGMENTED_DNA' | 'PCR_AMPLICONS' | 'CDNA';
export type FlowCellFormat = 'MINION' | 'PROMETHION' | 'FLONGLE';

/** A column the parser knows (headers.ts lists the template name and the aliases of each). */
export type SheetField =
  | 'sampleName'
  | 'projectId'
  | 'submitterName'
  | 'submitterEmail'
  | 'lab'
  | 'sampleType'
  | 'buffer'
  | 'concentrationNgPerUl'
  | 'qubitNgPerUl'
  | 'nanodropNgPerUl'
  | 'a260_280'
  | 'a260_230'
  | 'volumeUl'
  | 'totalNg'
  | 'flowCellType'
  | 'flowCellCount'
  | 'priority'
  | 'assignedTo'
  | 'libraryPrepBy'
  | 'chartField';

/**
 * How one header cell was understood.
 * - MAPPED: its values are read into `values`.
 * - UNKNOWN: no field has this name; its cells are kept in `extra` (warning UNKNOWN_COLUMN).
 * - DUPLICATE: a second column for a field already mapped; the first wins, this one goes to `extra`.
 * - UNSUPPORTED_UNIT: a known field in a unit that cannot be converted (e.g. nM); kept in `extra`, error.
 * - UNNAMED: the header cell is empty (spreadsheets export trailing empty columns); cells kept in `extra`.
 */
export type ColumnStatus = 'MAPPED' | 'UNKNOWN' | 'DUPLICATE' | 'UNSUPPORTED_UNIT' | 'UNNAMED';

export interface SheetColumn {
  /** 0-based position in the header row. */
  index: number;
  /** The spreadsheet column letter a person sees (A, B, ... Z, AA). */
  letter: string;
  /** The header as written. */
  header: string;
  /** The field the header names (also set for DUPLICATE and UNSUPPORTED_UNIT); null when unknown or unnamed. */
  field: SheetField | null;
  status: ColumnStatus;
  /** The unit the header gives, normalised (e.g. `mL`); null when it names none. */
  unit: string | null;
  /** Multiplier from the header's unit to the field's unit (mL -> µL is 1000); 1 when no unit is given. */
  factor: number;
}

/** One row's values, normalised and typed. A cell that could not be read is null here and has an error. */
export interface SampleSheetValues {
  sampleName: string | null;
  projectId: string | null;
  submitterName: string | null;
  submitterEmail: string | null;
  lab: string | null;
  /** From the sample type cell: DNA for DNA, gDNA, cDNA, amplicons, plasmid; RNA for RNA kinds. */
  nucleicAcid: NucleicAcid | null;
  /** From the sample type cell when it names one of the quote form's types (gDNA, amplicons ...). */
  materialType: MaterialType | null;
  buffer: string | null;
  /** The concentration column, else Qubit, else Nanodrop (docs/domain.md's rule), ng/µL. */
  concentrationNgPerUl: number | null;
  qubitNgPerUl: number | null;
  nanodropNgPerUl: number | null;
  a260_280: number | null;
  a260_230: number | null;
  volumeUl: number | null;
  /** As the sheet states it (ng); not derived when the cell is empty. */
  totalNg: number | null;
  /** From the flow cell type cell, e.g. `R10.4.1`; also derived from a product code. */
  chemistry: string | null;
  flowCellFormat: FlowCellFormat | null;
  /** e.g. `FLO-MIN114`. */
  productCode: string | null;
  flowCellCount: number | null;
  /** NORMAL when the cell is empty or not understood (the latter with a warning). */
  priority: Priority;
  assignedTo: string | null;
  libraryPrepBy: string | null;
  chartField: string | null;
}

/** A problem with one row. `field` is null when it concerns the row, not a cell (e.g. EXTRA_CELLS). */
export interface RowProblem {
  field: SheetField | null;
  /** The header of the cell's column as written (or `column F` for cells past the header); null for the row. */
  column: string | null;
  code: SheetIssueCode;
  message: string;
}

export interface SheetRow {
  /** The row a spreadsheet shows: the header row is 1 (when it is the first line), every record counts, blank too. */
  rowNumber: number;
  /** The text line the record starts on (differs from rowNumber after a cell with a line break). */
  line: number;
  kind: RowKind;
  values: SampleSheetValues;
  /** Cells of the mapped columns as read (CSV-unquoted, surrounding spaces trimmed), by field. */
  raw: Partial<Record<SheetField, string>>;
  /** Non-empty cells of unknown, duplicate, unnamed or unconvertible columns and past the header, by header. */
  extra: Record<string, string>;
  errors: RowProblem[];
  warnings: RowProblem[];
}

/** A problem with the sheet as a whole, or a row problem flattened (listSheetIssues). Shaped as QuoteIssue. */
export interface SheetIssue {
  /** e.g. `columns[3]`, `rows`, `document.encoding`, or `rows[4].volumeUl` (index into `rows`). */
  path: string;
  severity: IssueSeverity;
  code: SheetIssueCode;
  message: string;
  /** Set for row problems. */
  rowNumber?: number;
}

export interface SheetStats {
  /** Every record, header and blank ones included. */
  records: number;
  /** Non-blank records after the header: what maxRows counts. */
  dataRows: number;
  /** Records with no non-empty cell, skipped (before or after the header). */
  blankRows: number;
  samples: number;
  controls: number;
  emptyRows: number;
  rowsWithErrors: number;
  rowsWithWarnings: number;
  errors: number;
  warnings: number;
}

export interface ParsedSheet {
  columns: SheetColumn[];
  /** Every non-blank data row, in file order, with or without errors. */
  rows: SheetRow[];
  /** Sheet-level issues only (columns, encoding, no samples); rows carry their own. */
  issues: SheetIssue[];
  stats: SheetStats;
}

export type SheetEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type SheetDelimiter = ',' | ';' | '\t';
export type DecimalSeparator = '.' | ',';

/** Facts about the file itself. */
export interface SheetDocumentInfo {
  bytes: number;
  /** Hex sha256 of the bytes: with the quote identifier, the key that makes re-uploads idempotent. */
  sha256: string;
  encoding: SheetEncoding;
  bom: boolean;
  delimiter: SheetDelimiter;
  decimalSeparator: DecimalSeparator;
  lineEnding: 'LF' | 'CRLF' | 'CR' | 'mixed' | 'none';
}

export type SheetParseResult =
  { ok: true; sheet: ParsedSheet; document: SheetDocumentInfo } | { ok: false; error: SampleSheetError };
