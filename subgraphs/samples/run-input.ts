// What staff type into createRun and updateRun, normalised (kit as MinKNOW writes it, upper-case codes) and
// checked as a whole run: MinKNOW's rules (minknow-rules.ts), the ids' characters, the dates. A bad field is
// BAD_USER_INPUT naming the field and the rule it broke. Likewise addSamplesToRun's entries, naming the entry.
import type { FlowCellFormat, Run, RunSample, Sample } from '../../generated/prisma/samples/client.ts';
import { badUserInput } from '../kit/errors.ts';
import {
  checkRunFields,
  defaultAlias,
  defaultSampleType,
  normalizeBarcode,
  normalizeKit,
  normalizePosition,
  normalizeProductCode,
  type Problem,
} from './minknow-rules.ts';

export const RUN_FIELDS = [
  'flowCellId',
  'productCode',
  'format',
  'position',
  'kit',
  'experimentId',
  'startedAt',
  'endedAt',
] as const satisfies readonly (keyof Run)[];

export type RunFields = Pick<Run, (typeof RUN_FIELDS)[number]>;

/** DateTime arguments arrive as Date (the scalar parses them); codegen types scalar inputs as strings. */
type DateInput = Date | string | null | undefined;

export interface CreateRunInput {
  flowCellId: string;
  productCode: string;
  format: FlowCellFormat;
  position?: string | null;
  kit: string;
  experimentId: string;
  startedAt?: DateInput;
}

export interface RunSampleInput {
  sampleId: string;
  barcode?: string | null;
  alias?: string | null;
  type?: string | null;
}

export interface UpdateRunInput {
  flowCellId?: string | null;
  productCode?: string | null;
  position?: string | null;
  kit?: string | null;
  experimentId?: string | null;
  startedAt?: DateInput;
  endedAt?: DateInput;
}

/** What else goes into the sheet's cells; MinKNOW splits on commas without quoting. */
const MAX_ID_LENGTH = 100;
const UNSAFE_ID = /[,"\r\n]/;
const NOT_NULLABLE = ['flowCellId', 'productCode', 'kit', 'experimentId'] as const;

function idText(field: string, value: string): string {
  const text = value.trim();
  if (text === '' || text.length > MAX_ID_LENGTH) {
    throw badUserInput(`${field} must be 1 to ${MAX_ID_LENGTH} characters`, { field, rule: 'ID_LENGTH' });
  }
  if (UNSAFE_ID.test(text)) {
    throw badUserInput(`${field} must not contain commas, quotes or line breaks`, {
      field,
      rule: 'ID_FORMAT',
    });
  }
  return text;
}

function toDate(field: string, value: DateInput): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw badUserInput(`${field} is not a date-time`, { field, rule: 'DATE_FORMAT' });
  return date;
}

export type RunFieldsInput = Omit<RunFields, 'startedAt' | 'endedAt'> & {
  startedAt: DateInput;
  endedAt: DateInput;
};

/** The run's fields normalised and checked together; the first broken rule is BAD_USER_INPUT. */
export function parseRunFields(fields: RunFieldsInput): RunFields {
  const run: RunFields = {
    flowCellId: idText('flowCellId', fields.flowCellId),
    productCode: normalizeProductCode(fields.productCode),
    format: fields.format,
    position: normalizePosition(fields.position),
    kit: normalizeKit(fields.kit),
    experimentId: idText('experimentId', fields.experimentId),
    startedAt: toDate('startedAt', fields.startedAt),
    endedAt: toDate('endedAt', fields.endedAt),
  };
  const problem = checkRunFields(run);
  if (problem) throw badUserInput(problem.message, { field: problem.field, rule: problem.rule });
  if (run.startedAt && run.endedAt && run.endedAt < run.startedAt) {
    throw badUserInput('endedAt must not be before startedAt', {
      field: 'endedAt',
      rule: 'ENDED_BEFORE_STARTED',
    });
  }
  return run;
}

/** The stored run with the update applied: a field left out stays, null clears an optional one. */
export function mergeRunUpdate(before: Run, input: UpdateRunInput): RunFieldsInput {
  for (const field of NOT_NULLABLE) {
    if (input[field] === null) throw badUserInput(`${field} cannot be cleared`, { field, rule: 'REQUIRED' });
  }
  return {
    flowCellId: input.flowCellId ?? before.flowCellId,
    productCode: input.productCode ?? before.productCode,
    format: before.format,
    position: input.position === undefined ? before.position : input.position,
    kit: input.kit ?? before.kit,
    experimentId: input.experimentId ?? before.experimentId,
    startedAt: input.startedAt === undefined ? before.startedAt : input.startedAt,
    endedAt: input.endedAt === undefined ? before.endedAt : input.endedAt,
  };
}

// --- addSamplesToRun's entries ---------------------------------------------------------------------------

export type Entry = Pick<RunSample, 'sampleId' | 'barcode' | 'alias' | 'type'> & { sample: Sample };
export type LoadedEntry = RunSample & { sample: Pick<Sample, 'name' | 'labSampleId'> };

/** The entry as it will be stored: given values normalised, defaults from the sample. */
export function toEntry(input: RunSampleInput, sample: Sample): Entry {
  const alias = input.alias?.trim();
  const type = input.type?.trim().toLowerCase();
  return {
    sampleId: sample.id,
    sample,
    barcode: normalizeBarcode(input.barcode),
    alias: alias || defaultAlias(sample),
    type: type || defaultSampleType(sample),
  };
}

/**
 * checkEntries' problem (its index counts the run's entries, then the new ones) as BAD_USER_INPUT naming the new
 * entry by its index, or the sample already on the run (index null) when that is the one breaking the rule.
 */
export function entryError(problem: Problem, existing: LoadedEntry[], added: Entry[]) {
  const index = (problem.index ?? 0) - existing.length;
  const onRun = index < 0 ? existing[existing.length + index]! : null;
  const sample = onRun ? onRun.sample : added[index]!.sample;
  const label = sample.labSampleId ?? sample.name;
  const where = onRun ? `sample ${label} (already on the run)` : `samples[${index}] (sample ${label})`;
  return badUserInput(`${where}: ${problem.message}`, {
    field: 'samples',
    rule: problem.rule,
    index: onRun ? null : index,
    sampleId: onRun ? onRun.sampleId : added[index]!.sampleId,
  });
}

/** Refuses an entry naming the same sample twice, or one already on the run. */
export function assertNewSamples(samples: Sample[], existing: LoadedEntry[]): void {
  const seen = new Set(existing.map((entry) => entry.sampleId));
  for (const [index, sample] of samples.entries()) {
    if (seen.has(sample.id)) {
      const onRun = existing.some((entry) => entry.sampleId === sample.id);
      throw badUserInput(
        `samples[${index}] (sample ${sample.labSampleId ?? sample.name}): ${onRun ? 'already on the run' : 'given twice'}`,
        { field: 'samples', rule: onRun ? 'ALREADY_ON_RUN' : 'DUPLICATE_SAMPLE', index, sampleId: sample.id },
      );
    }
    seen.add(sample.id);
  }
}
