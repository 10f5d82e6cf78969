// For tests and the bench: a scanned quote's reading compared with the digital original's, field by field and
// cell by cell (values only; provenance differs by design). The digital reading is the reference.
import { isDeepStrictEqual } from 'node:util';
import type { Extracted, GridRow, ParsedSubmission, QuoteForm } from '../../submission/quote-pdf/types.ts';

export interface FieldDifference {
  path: string;
  expected: unknown;
  actual: unknown;
  confidence: number;
  method: string;
}

export interface ParseComparison {
  /** Header and summary fields (identifier, date, requester, lab, contacts). */
  header: { exact: number; total: number; wrong: FieldDifference[] };
  /** The embedded form's fields (choices, text answers). */
  form: { exact: number; total: number; wrong: FieldDifference[] };
  /** The Sample Information grid's cells, rows × columns. */
  cells: { exact: number; total: number; wrong: FieldDifference[] };
}

const GRID_CELLS = [
  'sampleName',
  'volumeUl',
  'qubitNgPerUl',
  'nanodropNgPerUl',
  'a260_280',
  'a260_230',
] as const satisfies ReadonlyArray<keyof GridRow>;

function compareAll(pairs: Array<[string, Extracted<unknown>, Extracted<unknown> | undefined]>) {
  const wrong: FieldDifference[] = [];
  for (const [path, expected, actual] of pairs) {
    if (actual && isDeepStrictEqual(expected.value, actual.value)) continue;
    wrong.push({
      path,
      expected: expected.value,
      actual: actual?.value ?? null,
      confidence: actual?.confidence ?? 0,
      method: actual?.method ?? 'missing',
    });
  }
  return { exact: pairs.length - wrong.length, total: pairs.length, wrong };
}

export function compareParses(digital: ParsedSubmission, scanned: ParsedSubmission): ParseComparison {
  const header: Array<[string, Extracted<unknown>, Extracted<unknown> | undefined]> = [
    ['quoteIdentifier', digital.quoteIdentifier, scanned.quoteIdentifier],
    ['quoteDate', digital.quoteDate, scanned.quoteDate],
    ['expiresOn', digital.expiresOn, scanned.expiresOn],
    ['serviceRequested', digital.serviceRequested, scanned.serviceRequested],
    ['requester.name', digital.requester.name, scanned.requester.name],
    ['requester.email', digital.requester.email, scanned.requester.email],
    ['requester.phone', digital.requester.phone, scanned.requester.phone],
    ['lab', digital.lab, scanned.lab],
    ['billingAddress', digital.billingAddress, scanned.billingAddress],
    ['pis', digital.pis, scanned.pis],
    ['financialContacts', digital.financialContacts, scanned.financialContacts],
  ];
  const form = (Object.keys(digital.form) as Array<keyof QuoteForm>).map(
    (key): [string, Extracted<unknown>, Extracted<unknown> | undefined] => [
      `form.${key}`,
      digital.form[key],
      scanned.form[key],
    ],
  );
  // Rows are paired by their printed number: a row the scan missed must not shift every row after it.
  const cells = digital.rows.flatMap((row, index) => {
    const twin = scanned.rows.find((candidate) => candidate.rowNumber.value === row.rowNumber.value);
    return GRID_CELLS.map((key): [string, Extracted<unknown>, Extracted<unknown> | undefined] => [
      `rows[${index}].${key}`,
      row[key],
      twin?.[key],
    ]);
  });
  return { header: compareAll(header), form: compareAll(form), cells: compareAll(cells) };
}
