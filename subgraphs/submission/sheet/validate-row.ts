// One data row -> typed values, errors and warnings. An error makes the cell's value null (it could not be read or
// is impossible); a warning keeps the value. A row is judged alone, except for duplicate names, which
// markDuplicateNames finds across the sheet. Nothing here throws on bad input.
import { isControlName } from './controls.ts';
import { columnLetter } from './headers.ts';
import type { SheetIssueCode } from './issues.ts';
import { readNumber } from './numbers.ts';
import { CONCENTRATION_FIELDS, checkSampleQc, roundMeasurement, type SheetQcOptions } from './sample-qc.ts';
import type {
  DecimalSeparator,
  RowProblem,
  SampleSheetValues,
  SheetColumn,
  SheetField,
  SheetRow,
} from './types.ts';
import { FIELD_UNIT, type Dimension } from './units.ts';
import { readFlowCellType, readPriority, readSampleType } from './vocabulary.ts';

/** Past these no real sample goes: the bounds the samples subgraph enforces on measurements, and a sane count. */
const MAX: Partial<Record<SheetField, number>> = {
  volumeUl: 10_000,
  concentrationNgPerUl: 10_000,
  qubitNgPerUl: 10_000,
  nanodropNgPerUl: 10_000,
  a260_280: 5,
  a260_230: 5,
  flowCellCount: 100,
};
const MAX_NAME_LENGTH = 200;
const MAX_TEXT_LENGTH = 500;
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[A-Za-z]{2,}$/;
const MEASUREMENTS: readonly SheetField[] = [
  ...CONCENTRATION_FIELDS,
  'volumeUl',
  'totalNg',
  'a260_280',
  'a260_230',
];

export interface RowInput {
  rowNumber: number;
  line: number;
  cells: readonly string[];
}

export interface RowContext {
  columns: readonly SheetColumn[];
  decimal: DecimalSeparator;
  qc: SheetQcOptions;
}

const clean = (text: string | undefined): string | null =>
  text?.normalize('NFC').replace(/\s+/g, ' ').trim() || null;

export function validateRow(
  { rowNumber, line, cells }: RowInput,
  { columns, decimal, qc }: RowContext,
): SheetRow {
  const raw: Partial<Record<SheetField, string>> = {};
  const byField: Partial<Record<SheetField, SheetColumn>> = {};
  const extra: Record<string, string> = {};
  const errors: RowProblem[] = [];
  const warnings: RowProblem[] = [];
  const past: string[] = [];
  for (const column of columns) if (column.status === 'MAPPED') byField[column.field!] = column;
  cells.forEach((cell, index) => {
    const column = columns[index];
    if (column?.status === 'MAPPED') raw[column.field!] = cell;
    else if (cell !== '') {
      const letter = columnLetter(index);
      const name = column?.header.trim() || `column ${letter}`;
      extra[name in extra ? `${name} (${letter})` : name] = cell;
      if (!column) past.push(letter);
    }
  });

  const add = (list: RowProblem[], field: SheetField | null, code: SheetIssueCode, message: string) => {
    list.push({ field, column: field ? (byField[field]?.header ?? null) : null, code, message });
  };
  const fail = (field: SheetField, code: SheetIssueCode, message: string): null => {
    add(errors, field, code, message);
    return null;
  };
  const label = (field: SheetField) => `"${byField[field]?.header ?? field}"`;

  const text = (field: SheetField, max = MAX_TEXT_LENGTH): string | null => {
    const value = clean(raw[field]);
    if (value === null || value.length <= max) return value;
    return fail(
      field,
      'TOO_LONG',
      `${label(field)} is ${value.length} characters long; at most ${max} are allowed.`,
    );
  };

  const number = (field: SheetField, dimension: Dimension): number | null => {
    const cell = raw[field];
    if (cell === undefined) return null;
    const reading = readNumber(cell, dimension, decimal);
    if (!reading.ok) return fail(field, reading.code, `${label(field)} "${cell}" ${reading.reason}.`);
    if (reading.value === null) return null;
    const factor = reading.unit?.factor ?? byField[field]!.factor;
    const value = factor === 1 ? reading.value : roundMeasurement(reading.value * factor);
    if (reading.unit && reading.unit.factor !== 1 && dimension in FIELD_UNIT) {
      const unit = FIELD_UNIT[dimension as keyof typeof FIELD_UNIT];
      add(warnings, field, 'UNIT_CONVERTED', `${label(field)} "${cell}" was converted to ${value} ${unit}.`);
    }
    if (value < 0) return fail(field, 'NEGATIVE', `${label(field)} "${cell}" is negative.`);
    const max = MAX[field];
    if (max !== undefined && value > max)
      return fail(field, 'OUT_OF_RANGE', `${label(field)} "${cell}" is more than ${max}.`);
    return value;
  };

  const sampleName = text('sampleName', MAX_NAME_LENGTH);
  let submitterEmail = text('submitterEmail');
  if (submitterEmail !== null && !EMAIL.test(submitterEmail)) {
    submitterEmail = fail(
      'submitterEmail',
      'INVALID_EMAIL',
      `${label('submitterEmail')} "${submitterEmail}" is not an e-mail address.`,
    );
  }
  const sampleType = readSampleType(raw.sampleType ?? '');
  if (sampleType && !sampleType.known) {
    add(
      warnings,
      'sampleType',
      'UNKNOWN_SAMPLE_TYPE',
      `${label('sampleType')} "${raw.sampleType}" is not a known sample type (DNA, RNA, gDNA, cDNA, amplicons ...); it is left empty.`,
    );
  }
  const flowCell = readFlowCellType(raw.flowCellType ?? '');
  if (flowCell && !flowCell.known) {
    add(
      warnings,
      'flowCellType',
      'UNKNOWN_FLOW_CELL_TYPE',
      `${label('flowCellType')} "${raw.flowCellType}" names no pore chemistry (e.g. R10.4.1), format or product code.`,
    );
  }
  const priority = readPriority(raw.priority ?? '');
  if (priority && !priority.known) {
    add(
      warnings,
      'priority',
      'UNKNOWN_PRIORITY',
      `${label('priority')} "${raw.priority}" is not urgent, high, normal or low; NORMAL is used.`,
    );
  }
  let flowCellCount = number('flowCellCount', 'count');
  if (flowCellCount !== null && (!Number.isInteger(flowCellCount) || flowCellCount < 1)) {
    flowCellCount = fail(
      'flowCellCount',
      'NOT_A_POSITIVE_INTEGER',
      `${label('flowCellCount')} "${raw.flowCellCount}" is not a whole number of at least 1.`,
    );
  }
  const [concentration, qubit, nanodrop] = CONCENTRATION_FIELDS.map((field) =>
    number(field, 'concentration'),
  );
  const values: SampleSheetValues = {
    sampleName,
    projectId: text('projectId'),
    submitterName: text('submitterName'),
    submitterEmail,
    lab: text('lab'),
    nucleicAcid: sampleType?.nucleicAcid ?? null,
    materialType: sampleType?.materialType ?? null,
    buffer: text('buffer'),
    concentrationNgPerUl: concentration ?? qubit ?? nanodrop ?? null,
    qubitNgPerUl: qubit ?? null,
    nanodropNgPerUl: nanodrop ?? null,
    a260_280: number('a260_280', 'ratio'),
    a260_230: number('a260_230', 'ratio'),
    volumeUl: number('volumeUl', 'volume'),
    totalNg: number('totalNg', 'mass'),
    chemistry: flowCell?.chemistry ?? null,
    flowCellFormat: flowCell?.flowCellFormat ?? null,
    productCode: flowCell?.productCode ?? null,
    flowCellCount,
    priority: priority?.value ?? 'NORMAL',
    assignedTo: text('assignedTo'),
    libraryPrepBy: text('libraryPrepBy'),
    chartField: text('chartField'),
  };
  if (past.length > 0) {
    add(
      warnings,
      null,
      'EXTRA_CELLS',
      `The row has values past the last header (column ${past.join(', ')}); they are kept as extra data.`,
    );
  }

  const nameUnreadable = errors.some((error) => error.field === 'sampleName');
  const hasMeasurement = MEASUREMENTS.some((field) => (raw[field] ?? '').trim() !== '');
  if (sampleName === null && !nameUnreadable && !hasMeasurement) {
    const ignored: RowProblem = {
      field: null,
      column: null,
      code: 'NO_SAMPLE_NAME',
      message: 'The row has values but no sample name and no measurement; it is not taken as a sample.',
    };
    return { rowNumber, line, kind: 'EMPTY', values, raw, extra, errors: [], warnings: [ignored] };
  }
  if (sampleName === null && !nameUnreadable) {
    fail(
      'sampleName',
      'REQUIRED_MISSING',
      `The row has measurements but no sample name in ${label('sampleName')}.`,
    );
  }
  const isControl = (sampleName !== null && isControlName(sampleName)) || sampleType?.control === true;
  if (!isControl) {
    checkSampleQc({
      values,
      raw,
      byField,
      qc,
      warn: (field, code, message) => add(warnings, field, code, message),
    });
  }
  // Left to right, as the person reads the row; row-wide problems last.
  const position = (problem: RowProblem) =>
    problem.field ? (byField[problem.field]?.index ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
  const byPosition = (a: RowProblem, b: RowProblem) => position(a) - position(b);
  errors.sort(byPosition);
  warnings.sort(byPosition);
  return { rowNumber, line, kind: isControl ? 'CONTROL' : 'SAMPLE', values, raw, extra, errors, warnings };
}

/**
 * Adds DUPLICATE_NAME errors to rows whose sample name an earlier row already uses (names are unique within a
 * submission), and NAME_DIFFERS_ONLY_BY_CASE warnings to those that differ from an earlier one only in case.
 */
export function markDuplicateNames(rows: readonly SheetRow[], column: string | null): void {
  const exact = new Map<string, number>();
  const folded = new Map<string, { name: string; rowNumber: number }>();
  for (const row of rows) {
    const name = row.kind === 'EMPTY' ? null : row.values.sampleName;
    if (name === null) continue;
    const first = exact.get(name);
    const similar = folded.get(name.toLowerCase());
    if (first !== undefined) {
      row.errors.push({
        field: 'sampleName',
        column,
        code: 'DUPLICATE_NAME',
        message: `Sample name "${name}" is already used in row ${first}.`,
      });
      continue;
    }
    exact.set(name, row.rowNumber);
    if (similar) {
      row.warnings.push({
        field: 'sampleName',
        column,
        code: 'NAME_DIFFERS_ONLY_BY_CASE',
        message: `Sample name "${name}" differs from "${similar.name}" in row ${similar.rowNumber} only in letter case.`,
      });
    } else folded.set(name.toLowerCase(), { name, rowNumber: row.rowNumber });
  }
}
