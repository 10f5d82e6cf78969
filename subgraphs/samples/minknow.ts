// The MinKNOW sample sheet: the CSV that names the samples on a flow cell for MinKNOW (and for dorado, which
// reads the same format). Pure: no database. The sheet re-checks every rule (minknow-rules.ts), because stored
// data can be edited past the input rules (e.g. a run's format changed in the database).
//
// Line ends: LF, with one after the last row. MinKNOW writes its sheets on Linux with LF, and dorado's reader
// (utils/SampleSheet.cpp) detects LF, CRLF or CR from the first line; older readers split on LF only and would
// read a CRLF header's last column as "type\r". The reader splits on commas without any quoting, so no cell may
// contain a comma or a quote (and none a line break); every cell is checked before it is written.
import { badUserInput } from '../kit/errors.ts';
import {
  checkEntries,
  checkEntry,
  checkRunFields,
  sanitizeAlias,
  type FlowCellFormat,
  type Problem,
} from './minknow-rules.ts';

export const SHEET_COLUMNS = [
  'flow_cell_id',
  'position_id',
  'sample_id',
  'experiment_id',
  'flow_cell_product_code',
  'kit',
  'barcode',
  'alias',
  'type',
] as const;

/** What the sheet needs of a run (a Prisma Run row fits). */
export interface SheetRun {
  flowCellId: string;
  productCode: string;
  format: FlowCellFormat;
  position: string | null;
  kit: string;
  experimentId: string;
}

/** A sample loaded on the run, in load order (a RunSample row with its sample fits). */
export interface SheetEntry {
  barcode: string | null;
  alias: string;
  type: string;
  sample: { id: string; name: string; labSampleId: string | null };
}

/** One row of the sheet: the columns, plus what the rules need to know about it. */
export interface SheetRow {
  flowCellId: string;
  positionId: string | null;
  sampleId: string;
  experimentId: string;
  productCode: string;
  kit: string;
  barcode: string | null;
  alias: string;
  type: string;
  /** Not a column: decides whether position_id belongs. */
  format: FlowCellFormat;
  /** Not a column: the sample, for error messages. */
  sample: { id: string; label: string };
}

const UNSAFE_CELL = /[,"\r\n]/;

// --- the sheet --------------------------------------------------------------------------------------------

/** The sheet's rows, one per loaded sample, in load order. */
export function toSheetRows(run: SheetRun, entries: SheetEntry[]): SheetRow[] {
  return entries.map((entry) => ({
    flowCellId: run.flowCellId,
    positionId: run.position,
    sampleId: sanitizeAlias(entry.sample.labSampleId ?? entry.sample.name),
    experimentId: run.experimentId,
    productCode: run.productCode,
    kit: run.kit,
    barcode: entry.barcode,
    alias: entry.alias,
    type: entry.type,
    format: run.format,
    sample: { id: entry.sample.id, label: entry.sample.labSampleId ?? entry.sample.name },
  }));
}

function cells(row: SheetRow): string[] {
  return [
    row.flowCellId,
    row.positionId ?? '',
    row.sampleId,
    row.experimentId,
    row.productCode,
    row.kit,
    row.barcode ?? '',
    row.alias,
    row.type,
  ];
}

/** Cells MinKNOW requires, and no cell its comma splitting would break. */
function checkCells(row: SheetRow): Problem | null {
  const values = cells(row);
  for (const [i, column] of SHEET_COLUMNS.entries()) {
    const value = values[i]!;
    const optional = column === 'position_id' || column === 'barcode';
    if (!optional && value === '') return { rule: 'CELL_FORMAT', message: `${column} is empty` };
    if (UNSAFE_CELL.test(value)) {
      return { rule: 'CELL_FORMAT', message: `${column} contains a comma, quote or line break` };
    }
  }
  return null;
}

/** A broken rule, with the sheet row (1-based, after the header; null for an empty sheet) and its sample. */
export interface SheetProblem extends Problem {
  row: number | null;
  sample: { id: string; label: string } | null;
}

/** The first rule the sheet breaks, or null: rows in order for the per-row rules, then each flow cell's entries. */
export function findSheetProblem(rows: SheetRow[]): SheetProblem | null {
  if (rows.length === 0) {
    return { rule: 'EMPTY_RUN', message: 'no samples are loaded on the run', row: null, sample: null };
  }
  const at = (index: number, problem: Problem): SheetProblem => ({
    ...problem,
    row: index + 1,
    sample: rows[index]!.sample,
  });
  for (const [index, row] of rows.entries()) {
    if (row.experimentId !== rows[0]!.experimentId) {
      return at(index, {
        rule: 'ONE_EXPERIMENT_ID',
        message: `every row needs the same experiment_id (${rows[0]!.experimentId}), not ${row.experimentId}`,
      });
    }
    const problem =
      checkRunFields({ ...row, position: row.positionId }) ?? checkCells(row) ?? checkEntry(row);
    if (problem) return at(index, problem);
  }
  const flowCells = new Map<string, number[]>();
  for (const [index, row] of rows.entries()) {
    const key = `${row.flowCellId}/${row.positionId ?? ''}`;
    flowCells.set(key, [...(flowCells.get(key) ?? []), index]);
  }
  for (const indexes of flowCells.values()) {
    const problem = checkEntries(indexes.map((index) => rows[index]!));
    if (problem) return at(indexes[problem.index ?? 0]!, problem);
  }
  return null;
}

/** The rows as CSV text: the header, one line per row, LF line ends (see the top of this file). */
export function renderSheet(rows: SheetRow[]): string {
  return [SHEET_COLUMNS.join(','), ...rows.map((row) => cells(row).join(','))].join('\n') + '\n';
}

/**
 * The MinKNOW sample sheet of a run, or BAD_USER_INPUT naming the first rule it breaks, the sheet row and the
 * sample: extensions { rule, row, sampleId }.
 */
export function buildMinknowSampleSheet(run: SheetRun, entries: SheetEntry[]): string {
  const rows = toSheetRows(run, entries);
  const problem = findSheetProblem(rows);
  if (problem) {
    const where = problem.sample ? `row ${problem.row} (sample ${problem.sample.label})` : 'the sheet';
    throw badUserInput(`MinKNOW sample sheet, ${where}: ${problem.message}`, {
      rule: problem.rule,
      row: problem.row,
      sampleId: problem.sample?.id ?? null,
    });
  }
  return renderSheet(rows);
}
