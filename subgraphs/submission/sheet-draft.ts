// A parsed sample sheet (./sheet) as a SubmissionDraft. A sheet has no quote: the requester and lab are the rows'
// (the first row that names them; an INFO issue when rows differ), the form holds what the rows agree on, and each
// row keeps its own values (details). Cell provenance is the text line and the spreadsheet column letter, with
// confidence 1 for a cell read as written, 0.9 for a converted unit and 0 for a cell that could not be read.
import { issue, toSeverity, type StoredIssue } from './issues.ts';
import { listSheetIssues } from './sheet/issues.ts';
import type { ParsedSheet, SheetColumn, SheetField, SheetRow } from './sheet/types.ts';
import {
  emptyForm,
  type FlowCellFormat,
  type MaterialType,
  type ProvenanceEntry,
  type RowData,
  type SubmissionDraft,
} from './submission-data.ts';

/** Sheet columns -> the row field they fill here. Columns not listed are read by the parser but not kept. */
const KEPT_FIELDS: Partial<Record<SheetField, string>> = {
  sampleName: 'sampleName',
  submitterName: 'requesterName',
  submitterEmail: 'requesterEmail',
  lab: 'lab',
  sampleType: 'materialType',
  buffer: 'buffer',
  concentrationNgPerUl: 'concentrationNgPerUl',
  qubitNgPerUl: 'qubitNgPerUl',
  nanodropNgPerUl: 'nanodropNgPerUl',
  a260_280: 'a260_280',
  a260_230: 'a260_230',
  volumeUl: 'volumeUl',
  flowCellType: 'flowCellFormat',
  priority: 'priority',
};

function cellProvenance(row: SheetRow, column: SheetColumn): ProvenanceEntry {
  const field = column.field!;
  const failed = row.errors.some((e) => e.field === field);
  const converted =
    column.factor !== 1 || row.warnings.some((w) => w.field === field && w.code === 'UNIT_CONVERTED');
  return {
    page: null,
    x: null,
    y: null,
    w: null,
    h: null,
    line: row.line,
    column: column.letter,
    confidence: failed ? 0 : converted ? 0.9 : 1,
    method: 'csv-cell',
    raw: row.raw[field] ?? null,
  };
}

function toRow(row: SheetRow, columns: readonly SheetColumn[], hasConcentrationColumn: boolean): RowData {
  const v = row.values;
  const cells: Record<string, ProvenanceEntry> = {};
  for (const column of columns) {
    const kept = column.field && column.status === 'MAPPED' ? KEPT_FIELDS[column.field] : undefined;
    if (kept) cells[kept] = cellProvenance(row, column);
  }
  return {
    rowNumber: row.rowNumber,
    sampleName: v.sampleName,
    volumeUl: v.volumeUl,
    qubitNgPerUl: v.qubitNgPerUl,
    nanodropNgPerUl: v.nanodropNgPerUl,
    a260_280: v.a260_280,
    a260_230: v.a260_230,
    // The parser falls back to Qubit/Nanodrop here; keep only what a generic concentration column said.
    concentrationNgPerUl: hasConcentrationColumn ? v.concentrationNgPerUl : null,
    kind: row.kind,
    details: {
      requesterName: v.submitterName,
      requesterEmail: v.submitterEmail,
      lab: v.lab,
      nucleicAcid: v.nucleicAcid,
      materialType: v.materialType,
      buffer: v.buffer,
      flowCellFormat: v.flowCellFormat,
      productCode: v.productCode,
      chemistry: v.chemistry,
      // NORMAL is the parser's default for an empty cell: keep a priority only where the sheet gave one.
      priority: row.raw.priority ? v.priority : null,
    },
    cells,
  };
}

/** Sheet issue paths index `sheet.rows`; ours name the row number and our field. */
function toIssue(sheet: ParsedSheet, i: ReturnType<typeof listSheetIssues>[number]): StoredIssue {
  const match = /^rows\[(\d+)\](?:\.(\w+))?$/.exec(i.path);
  if (!match) return issue(i.path, toSeverity(i.severity), i.code, i.message);
  const rowNumber = sheet.rows[Number(match[1])]?.rowNumber ?? i.rowNumber ?? null;
  const field = match[2] as SheetField | undefined;
  const kept = field ? KEPT_FIELDS[field] : undefined;
  if (field && !kept) {
    // A column this subgraph does not keep cannot be corrected here, so it cannot block acceptance.
    const severity = i.severity === 'error' ? 'WARNING' : toSeverity(i.severity);
    return issue(`rows[${rowNumber}]`, severity, i.code, `${i.message} (column not kept)`, rowNumber);
  }
  return issue(
    `rows[${rowNumber}]${kept ? `.${kept}` : ''}`,
    toSeverity(i.severity),
    i.code,
    i.message,
    rowNumber,
  );
}

/** The first non-empty value of `field` among the rows, with its cell, and whether the rows disagree. */
function common(rows: readonly RowData[], field: 'requesterName' | 'requesterEmail' | 'lab') {
  const values = rows.map((r) => r.details[field]).filter((v): v is string => !!v);
  const first = rows.find((r) => r.details[field]);
  return { value: values[0] ?? null, cell: first?.cells[field], differ: new Set(values).size > 1 };
}

const unique = <T>(values: (T | null | undefined)[]): T[] => [...new Set(values.filter((v): v is T => !!v))];

export function sheetDraft(sheet: ParsedSheet): SubmissionDraft {
  const hasConcentrationColumn = sheet.columns.some(
    (c) => c.field === 'concentrationNgPerUl' && c.status === 'MAPPED',
  );
  const rows = sheet.rows.map((row) => toRow(row, sheet.columns, hasConcentrationColumn));
  const issues = listSheetIssues(sheet).map((i) => toIssue(sheet, i));
  const samples = rows.filter((r) => r.kind !== 'EMPTY');
  const provenance: Record<string, ProvenanceEntry> = {};
  const top: Record<string, string | null> = {};
  for (const [field, path] of [
    ['requesterName', 'requester.name'],
    ['requesterEmail', 'requester.email'],
    ['lab', 'lab'],
  ] as const) {
    const { value, cell, differ } = common(samples, field);
    top[field] = value;
    if (cell) provenance[path] = cell;
    if (differ) {
      issues.push(
        issue(
          path,
          'INFO',
          'ROWS_DIFFER',
          `rows give different values for ${path}; the first is shown, each sample keeps its own`,
        ),
      );
    }
  }
  return {
    source: 'CSV',
    quoteIdentifier: null,
    requesterName: top.requesterName ?? null,
    requesterEmail: top.requesterEmail ?? null,
    requesterPhone: null,
    lab: top.lab ?? null,
    pis: [],
    financialContacts: [],
    billingAddress: null,
    serviceRequested: null,
    quoteDate: null,
    form: {
      ...emptyForm(),
      sampleTypes: unique<MaterialType>(samples.map((r) => r.details.materialType)),
      flowCellFormats: unique<FlowCellFormat>(samples.map((r) => r.details.flowCellFormat)),
    },
    costs: { projected: null, known: null, lines: [] },
    provenance,
    issues,
    rows,
  };
}
