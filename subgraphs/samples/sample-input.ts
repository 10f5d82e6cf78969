// Validation and normalisation of what staff type into createSample and updateSample: each given field is checked
// and trimmed (a field left out stays out), and a bad one is BAD_USER_INPUT naming the field and the rule it broke.
import type { Prisma } from '../../generated/prisma/samples/client.ts';
import { badUserInput } from '../kit/errors.ts';
import { isUuid } from '../kit/uuid.ts';
import { assertValidMeasurements } from './measurements.ts';

/** The data fields updateSample may change: everything but identity-by-submission, owner and workflow state. */
export const EDITABLE_FIELDS = [
  'name',
  'labSampleId',
  'isControl',
  'projectId',
  'requesterName',
  'requesterEmail',
  'lab',
  'nucleicAcid',
  'materialType',
  'sourceOrganism',
  'buffer',
  'containsHumanDna',
  'volumeUl',
  'qubitNgPerUl',
  'nanodropNgPerUl',
  'a260_280',
  'a260_230',
  'libraryKit',
  'flowCellFormat',
  'chemistry',
  'productCode',
  'basecallingModel',
  'fileFormats',
  'barcode',
] as const satisfies readonly (keyof Prisma.SampleUncheckedUpdateInput)[];
export type EditableField = (typeof EDITABLE_FIELDS)[number];

/** Fields set only when a sample is created. */
type CreateOnlyField = 'ownerId' | 'submissionId' | 'rowNumber' | 'priority';

export type SampleFieldsInput = { [F in EditableField | CreateOnlyField]?: unknown };
export type SampleFields = Partial<Pick<Prisma.SampleUncheckedCreateInput, EditableField | CreateOnlyField>>;

export const FILE_FORMATS = ['FASTQ', 'BAM', 'POD5'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const BARCODE = /^barcode\d{2,3}$/;
const LIBRARY_KIT = /^SQK-[A-Z0-9]+(\.\d+)?$/;
const MAX_TEXT = 200;

const NOT_NULLABLE = new Set<string>(['name', 'isControl', 'nucleicAcid', 'priority']);
const FREE_TEXT = new Set<string>([
  'requesterName',
  'lab',
  'sourceOrganism',
  'buffer',
  'chemistry',
  'productCode',
  'basecallingModel',
]);
const IDS = new Set<string>(['projectId', 'ownerId', 'submissionId']);
const MEASUREMENTS = new Set<string>(['volumeUl', 'qubitNgPerUl', 'nanodropNgPerUl', 'a260_280', 'a260_230']);

/** Trimmed text of at most `max` characters; empty: null (an optional field is cleared by ""). */
function text(field: string, value: string, max: number, rule: string): string | null {
  const trimmed = value.trim();
  if (trimmed.length > max) throw badUserInput(`${field} must be at most ${max} characters`, { field, rule });
  return trimmed === '' ? null : trimmed;
}

function matching(field: string, value: string | null, pattern: RegExp, rule: string, example: string) {
  if (value !== null && !pattern.test(value)) {
    throw badUserInput(`${field} must look like ${example}, not ${value}`, { field, rule });
  }
  return value;
}

function normalizeFileFormats(value: string[]): string[] {
  const formats = value.map((format) => format.trim().toUpperCase());
  for (const format of formats) {
    if (!(FILE_FORMATS as readonly string[]).includes(format)) {
      throw badUserInput(`fileFormats must be among ${FILE_FORMATS.join(', ')}, not ${format}`, {
        field: 'fileFormats',
        rule: 'FILE_FORMAT',
      });
    }
  }
  return [...new Set(formats)];
}

/** One given, non-null field, normalised. */
function normalizeField(field: string, value: unknown): unknown {
  if (field === 'name') {
    const name = typeof value === 'string' ? value.trim() : '';
    if (name.length < 1 || name.length > MAX_TEXT) {
      throw badUserInput(`name must be 1 to ${MAX_TEXT} characters`, { field, rule: 'NAME_LENGTH' });
    }
    return name;
  }
  if (field === 'labSampleId') {
    const id = text(field, value as string, 100, 'LAB_SAMPLE_ID_LENGTH');
    if (id === null)
      throw badUserInput('labSampleId must not be empty', { field, rule: 'LAB_SAMPLE_ID_LENGTH' });
    return id;
  }
  if (FREE_TEXT.has(field)) return text(field, value as string, MAX_TEXT, 'TEXT_LENGTH');
  if (IDS.has(field)) {
    if (!isUuid(value as string))
      throw badUserInput(`${field} is not a valid id`, { field, rule: 'ID_FORMAT' });
    return (value as string).toLowerCase();
  }
  switch (field) {
    case 'requesterEmail':
      return matching(field, text(field, value as string, 320, 'TEXT_LENGTH'), EMAIL, 'EMAIL_FORMAT', 'a@b');
    case 'libraryKit': {
      const kit = text(field, value as string, 50, 'TEXT_LENGTH')?.toUpperCase() ?? null;
      return matching(field, kit, LIBRARY_KIT, 'LIBRARY_KIT_FORMAT', 'SQK-RBK114.24');
    }
    case 'barcode': {
      const barcode = text(field, value as string, 20, 'TEXT_LENGTH')?.toLowerCase() ?? null;
      return matching(field, barcode, BARCODE, 'BARCODE_FORMAT', 'barcode01');
    }
    case 'fileFormats':
      return normalizeFileFormats(value as string[]);
    case 'rowNumber':
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw badUserInput('rowNumber must be a positive integer', { field, rule: 'ROW_NUMBER' });
      }
      return value;
    default:
      // Booleans, enums (GraphQL has checked them) and measurements (checked together below).
      return value;
  }
}

/**
 * The given fields, validated and normalised. null clears an optional field (fileFormats: to none); null for a
 * required one (name, isControl, nucleicAcid, priority) is BAD_USER_INPUT.
 */
export function normalizeSampleFields(input: SampleFieldsInput): SampleFields {
  const data: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) {
      if (NOT_NULLABLE.has(field))
        throw badUserInput(`${field} cannot be null`, { field, rule: 'NOT_NULLABLE' });
      data[field] = field === 'fileFormats' ? [] : null;
      continue;
    }
    data[field] = normalizeField(field, value);
  }
  assertValidMeasurements(
    Object.fromEntries(Object.entries(data).filter(([field]) => MEASUREMENTS.has(field))),
  );
  return data as SampleFields;
}
