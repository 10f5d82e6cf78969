// Staff corrections, as pure functions: each given field is validated and normalised (a bad one is
// BAD_USER_INPUT naming the field and the rule), compared with the current value, and reported by its path, so the
// review service can write the columns, record `{ path: { from, to } }` and mark every given path corrected (a
// value given equal to the current one is a confirmation: no change, but corrected all the same).
import type { Submission, SubmissionRow } from '../../generated/prisma/submission/client.ts';
import { badUserInput } from '../kit/errors.ts';
import type { Changes, JsonValue } from '../kit/outbox.ts';
import { MAX_SAMPLE_NAME, MEASUREMENT_LIMITS } from './issues.ts';
import {
  MEASUREMENT_FIELDS,
  readContacts,
  readDetails,
  readForm,
  ROW_DETAIL_FIELDS,
  toIsoDate,
  type Contact,
  type RowDetails,
  type SubmissionFormData,
} from './submission-data.ts';

type Input = Record<string, unknown>;

export interface Correction<TData> {
  /** Column values to write (only what changed). */
  data: TData;
  changes: Changes;
  /** Every path given: changed or confirmed. */
  paths: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LIBRARY_KIT = /^SQK-[A-Z0-9]+(\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Trimmed text of at most `max` characters; empty is null. */
function text(field: string, value: unknown, max: number): string | null {
  if (value === null) return null;
  const trimmed = String(value).trim();
  if (trimmed.length > max)
    throw badUserInput(`${field} has at most ${max} characters`, { field, rule: 'TEXT_LENGTH' });
  return trimmed === '' ? null : trimmed;
}

function email(field: string, value: unknown): string | null {
  const address = text(field, value, 320);
  if (address !== null && !EMAIL.test(address))
    throw badUserInput(`${field} is not an e-mail address`, { field, rule: 'EMAIL_FORMAT' });
  return address?.toLowerCase() ?? null;
}

function contacts(field: string, value: unknown): Contact[] {
  if (value === null) return [];
  const list = value as { name?: unknown; email?: unknown }[];
  if (list.length > 20) throw badUserInput(`${field} has at most 20 entries`, { field, rule: 'LIST_LENGTH' });
  return list.map((c, i) => {
    const name = text(`${field}[${i}].name`, c.name ?? null, 200);
    if (!name)
      throw badUserInput(`${field}[${i}].name is required`, {
        field: `${field}[${i}].name`,
        rule: 'REQUIRED',
      });
    return { name, email: email(`${field}[${i}].email`, c.email ?? null) };
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Records the path as given and, when the value differs, as a change. */
function track(out: Correction<unknown>, path: string, from: unknown, to: unknown): boolean {
  out.paths.push(path);
  if (same(from, to)) return false;
  out.changes[path] = { from: (from ?? null) as JsonValue, to: (to ?? null) as JsonValue };
  return true;
}

function formValue(key: keyof SubmissionFormData, value: unknown): unknown {
  const field = `form.${key}`;
  switch (key) {
    case 'libraryKit': {
      const kit = text(field, value, 50)?.toUpperCase() ?? null;
      if (kit !== null && !LIBRARY_KIT.test(kit))
        throw badUserInput(`${field} must look like SQK-RBK114.24`, { field, rule: 'LIBRARY_KIT_FORMAT' });
      return kit;
    }
    case 'containsHumanDna':
      return value;
    case 'flowCellCount':
      if (value !== null && (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 100))
        throw badUserInput(`${field} must be a whole number from 1 to 100`, {
          field,
          rule: 'FLOW_CELL_COUNT',
        });
      return value;
    case 'sourceOrganism':
    case 'approxGenomeSize':
    case 'approxCoverage':
      return text(field, value, 200);
    case 'comments':
      return text(field, value, 5000);
    case 'notificationEmails':
      return value === null
        ? []
        : [...new Set((value as unknown[]).map((v, i) => email(`${field}[${i}]`, v)!))];
    default:
      // The option lists: GraphQL has checked each value.
      return value === null ? [] : [...new Set(value as string[])];
  }
}

const TOP_TEXT: Record<string, { column: keyof Submission; max: number }> = {
  lab: { column: 'lab', max: 200 },
  billingAddress: { column: 'billingAddress', max: 1000 },
  serviceRequested: { column: 'serviceRequested', max: 200 },
};

/** A correction of submission-level values (UpdateSubmissionInput). */
export function correctSubmission(row: Submission, input: Input): Correction<Record<string, unknown>> {
  const out: Correction<Record<string, unknown>> = { data: {}, changes: {}, paths: [] };
  if (input.quoteIdentifier !== undefined) {
    const id = text('quoteIdentifier', input.quoteIdentifier, 100)?.toUpperCase() ?? null;
    if (track(out, 'quoteIdentifier', row.quoteIdentifier, id)) out.data.quoteIdentifier = id;
  }
  const requester = input.requester as Input | null | undefined;
  if (requester !== undefined) {
    const given = requester ?? { name: null, email: null, phone: null };
    const columns = { name: 'requesterName', email: 'requesterEmail', phone: 'requesterPhone' } as const;
    for (const [key, column] of Object.entries(columns)) {
      if (given[key] === undefined) continue;
      const path = `requester.${key}`;
      const value =
        key === 'email' ? email(path, given[key]) : text(path, given[key], key === 'phone' ? 50 : 200);
      if (track(out, path, row[column], value)) out.data[column] = value;
    }
  }
  for (const [path, { column, max }] of Object.entries(TOP_TEXT)) {
    if (input[path] === undefined) continue;
    const value = text(path, input[path], max);
    if (track(out, path, row[column], value)) out.data[column] = value;
  }
  if (input.quoteDate !== undefined) {
    const value = text('quoteDate', input.quoteDate, 10);
    if (value !== null && (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))))
      throw badUserInput('quoteDate must be a date, YYYY-MM-DD', { field: 'quoteDate', rule: 'DATE_FORMAT' });
    if (track(out, 'quoteDate', toIsoDate(row.quoteDate), value))
      out.data.quoteDate = value === null ? null : new Date(`${value}T00:00:00Z`);
  }
  for (const key of ['pis', 'financialContacts'] as const) {
    if (input[key] === undefined) continue;
    const value = contacts(key, input[key]);
    if (track(out, key, readContacts(row[key]), value)) out.data[key] = value;
  }
  const formInput = input.form as Input | null | undefined;
  if (formInput) {
    const form = readForm(row.form);
    let changed = false;
    for (const [key, value] of Object.entries(formInput)) {
      if (value === undefined || !(key in form)) continue;
      const k = key as keyof SubmissionFormData;
      const next = formValue(k, value);
      if (track(out, `form.${k}`, form[k], next)) {
        (form as unknown as Record<string, unknown>)[k] = next;
        changed = true;
      }
    }
    if (changed) out.data.form = form;
  }
  return out;
}

function rowValue(field: string, value: unknown): unknown {
  if (field === 'sampleName') {
    const name = text(field, value, MAX_SAMPLE_NAME);
    return name;
  }
  if ((MEASUREMENT_FIELDS as readonly string[]).includes(field)) {
    const max = MEASUREMENT_LIMITS[field]!;
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max))
      throw badUserInput(`${field} must be between 0 and ${max}`, { field, rule: 'MEASUREMENT_RANGE' });
    return value;
  }
  if (field === 'requesterEmail') return email(field, value);
  if (field === 'requesterName' || field === 'lab' || field === 'buffer') return text(field, value, 200);
  if (field === 'productCode' || field === 'chemistry') return text(field, value, 50)?.toUpperCase() ?? null;
  // kind and the enums: GraphQL has checked them.
  return value;
}

/** A correction of one row (UpdateSubmissionRowInput); paths are `rows[N].field`. */
export function correctRow(
  row: SubmissionRow,
  input: Input,
): Correction<Record<string, unknown>> & { fields: string[] } {
  const out: Correction<Record<string, unknown>> = { data: {}, changes: {}, paths: [] };
  const fields: string[] = [];
  const details: RowDetails = readDetails(row.details);
  let detailsChanged = false;
  for (const [field, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if (field === 'kind' && raw === null)
      throw badUserInput('kind cannot be null', { field: 'kind', rule: 'NOT_NULLABLE' });
    const value = rowValue(field, raw);
    const isDetail = (ROW_DETAIL_FIELDS as readonly string[]).includes(field);
    const current = isDetail ? details[field as keyof RowDetails] : row[field as keyof SubmissionRow];
    fields.push(field);
    if (!track(out, `rows[${row.rowNumber}].${field}`, current, value)) continue;
    if (isDetail) {
      (details as Record<string, unknown>)[field] = value;
      detailsChanged = true;
    } else out.data[field] = value;
  }
  if (detailsChanged) out.data.details = details;
  return { ...out, fields };
}
