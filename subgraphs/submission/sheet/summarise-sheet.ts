// The sheet-level view of the rows: counts, and the issues only the whole sheet shows (no sample at all, a QC
// column missing, values under an empty header).
import { sheetIssue } from './issues.ts';
import type { SheetColumn, SheetIssue, SheetRow, SheetStats } from './types.ts';

export function summariseSheet(
  columns: readonly SheetColumn[],
  rows: readonly SheetRow[],
  counts: { records: number; blankRows: number },
): { stats: SheetStats; issues: SheetIssue[] } {
  const issues: SheetIssue[] = [];
  const has = (...fields: SheetColumn['field'][]) =>
    columns.some((column) => column.status === 'MAPPED' && fields.includes(column.field));
  if (!has('volumeUl'))
    issues.push(sheetIssue('MISSING_COLUMN', 'columns', 'The sheet has no volume column.'));
  if (!has('concentrationNgPerUl', 'qubitNgPerUl', 'nanodropNgPerUl')) {
    issues.push(sheetIssue('MISSING_COLUMN', 'columns', 'The sheet has no concentration column.'));
  }
  for (const column of columns) {
    if (column.status !== 'UNNAMED') continue;
    const key = `column ${column.letter}`;
    const used = rows.filter((row) => key in row.extra).length;
    if (used > 0) {
      issues.push(
        sheetIssue(
          'UNNAMED_COLUMN',
          `columns[${column.index}]`,
          `Column ${column.letter} has no header but holds values in ${used} row(s); they are kept as extra data.`,
        ),
      );
    }
  }

  const stats: SheetStats = {
    records: counts.records,
    dataRows: rows.length,
    blankRows: counts.blankRows,
    samples: 0,
    controls: 0,
    emptyRows: 0,
    rowsWithErrors: 0,
    rowsWithWarnings: 0,
    errors: 0,
    warnings: 0,
  };
  for (const row of rows) {
    if (row.kind === 'SAMPLE') stats.samples += 1;
    else if (row.kind === 'CONTROL') stats.controls += 1;
    else stats.emptyRows += 1;
    if (row.errors.length > 0) stats.rowsWithErrors += 1;
    if (row.warnings.length > 0) stats.rowsWithWarnings += 1;
    stats.errors += row.errors.length;
    stats.warnings += row.warnings.length;
  }
  if (stats.samples + stats.controls === 0) {
    issues.push(
      sheetIssue(
        'NO_SAMPLES',
        'rows',
        rows.length === 0
          ? 'The sheet has a header but no rows.'
          : 'No row of the sheet holds a sample or a control.',
      ),
    );
  }
  return { stats, issues };
}
