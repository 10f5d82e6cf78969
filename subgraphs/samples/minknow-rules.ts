// MinKNOW's rules for a run and the samples loaded on it, and the normalising of what staff type (the kit as
// MinKNOW writes it, upper-case codes, lower-case barcodes). Pure: no database.
//
// Each rule returns a problem (or null) rather than throwing, so that createRun/updateRun (naming the input
// field), addSamplesToRun (naming the entry) and the sample sheet (minknow.ts, naming the row) refuse exactly the
// same things, each in its own words.

export type FlowCellFormat = 'MINION' | 'PROMETHION' | 'FLONGLE';

export const SAMPLE_TYPES = [
  'test_sample',
  'positive_control',
  'negative_control',
  'no_template_control',
] as const;

export type SheetRule =
  | 'EMPTY_RUN'
  | 'ONE_EXPERIMENT_ID'
  | 'POSITION_REQUIRED'
  | 'POSITION_PROMETHION_ONLY'
  | 'POSITION_FORMAT'
  | 'PRODUCT_CODE_FORMAT'
  | 'KIT_FORMAT'
  | 'BARCODE_FORMAT'
  | 'BARCODE_REQUIRED'
  | 'DUPLICATE_BARCODE'
  | 'DUPLICATE_ALIAS'
  | 'ALIAS_FORMAT'
  | 'SAMPLE_TYPE'
  | 'CELL_FORMAT';

/** A broken rule. `field` names the run field (run rules); `index` the entry (entry rules), 0-based. */
export interface Problem {
  rule: SheetRule;
  message: string;
  field?: string;
  index?: number;
}

/** What the run rules read (a Prisma Run row fits). */
export interface RunRulesInput {
  productCode: string;
  format: FlowCellFormat;
  position: string | null;
  kit: string;
}

/** What the entry rules read (a RunSample row fits). */
export interface EntryRulesInput {
  barcode: string | null;
  alias: string;
  type: string;
}

const PRODUCT_CODE_PREFIX: Record<FlowCellFormat, string> = {
  MINION: 'FLO-MIN',
  PROMETHION: 'FLO-PRO',
  FLONGLE: 'FLO-FLG',
};
// PromethION positions: 1A..3H on a P24/P48 (as MinKNOW names them), or the plain numbers 1..48.
const POSITION = /^([1-3][A-H]|[1-9]|[1-4][0-9])$/;
const KIT = /^[A-Z]{3}-[A-Z0-9]+(-\d+)?$/;
const BARCODE = /^barcode\d{2,3}$/;
const ALIAS = /^[A-Za-z0-9_-]{1,40}$/;
/** dorado refuses an alias that reads as a barcode name or as "unclassified": reads would be misfiled. */
const RESERVED_ALIAS = /^(barcode\d+|unclassified)$/i;

// --- normalising what staff type -------------------------------------------------------------------------

/** Kits as MinKNOW writes them: upper case, the form's dot a hyphen (SQK-NBD114.24 -> SQK-NBD114-24). */
export function normalizeKit(kit: string): string {
  return kit.trim().toUpperCase().replaceAll('.', '-');
}

export function normalizeProductCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Upper case; empty means none. */
export function normalizePosition(position: string | null | undefined): string | null {
  const trimmed = position?.trim().toUpperCase() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** Lower case (Barcode01 -> barcode01); empty means none. */
export function normalizeBarcode(barcode: string | null | undefined): string | null {
  const trimmed = barcode?.trim().toLowerCase() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** A name made safe as an alias or sample id: other characters become '_', at most 40 of them. */
export function sanitizeAlias(text: string): string {
  return text
    .trim()
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 40);
}

/** The alias a sample gets unless one is given: its lab id, else its name, made safe. */
export function defaultAlias(sample: { name: string; labSampleId: string | null }): string {
  return sanitizeAlias(sample.labSampleId ?? sample.name);
}

/** test_sample, or positive_control / negative_control for a control sample whose name says which. */
export function defaultSampleType(sample: { name: string; isControl: boolean }): string {
  if (!sample.isControl) return 'test_sample';
  if (/positive/i.test(sample.name)) return 'positive_control';
  if (/negative/i.test(sample.name)) return 'negative_control';
  return 'test_sample';
}

// --- the rules --------------------------------------------------------------------------------------------

/** The run's own rules: a position only (and always) on PromethION, the kit, the product code for the format. */
export function checkRunFields(run: RunRulesInput): Problem | null {
  if (run.format === 'PROMETHION' && !run.position) {
    return {
      rule: 'POSITION_REQUIRED',
      field: 'position',
      message: 'a PromethION flow cell needs its position (e.g. 1A)',
    };
  }
  if (run.format !== 'PROMETHION' && run.position) {
    return {
      rule: 'POSITION_PROMETHION_ONLY',
      field: 'position',
      message: `only a PromethION flow cell has a position; this is a ${run.format} flow cell`,
    };
  }
  if (run.position && !POSITION.test(run.position)) {
    return {
      rule: 'POSITION_FORMAT',
      field: 'position',
      message: `${run.position} is not a PromethION position (1A..3H or 1..48)`,
    };
  }
  if (!KIT.test(run.kit)) {
    const hint = run.kit.includes('.') ? ' (MinKNOW writes a hyphen where the form has a dot)' : '';
    return {
      rule: 'KIT_FORMAT',
      field: 'kit',
      message: `${run.kit} is not a kit as MinKNOW writes it, e.g. SQK-NBD114-24${hint}`,
    };
  }
  const prefix = PRODUCT_CODE_PREFIX[run.format];
  if (!run.productCode.startsWith(prefix) || !/^[A-Z0-9-]+$/.test(run.productCode)) {
    return {
      rule: 'PRODUCT_CODE_FORMAT',
      field: 'productCode',
      message: `a ${run.format} flow cell's product code starts with ${prefix}, not ${run.productCode}`,
    };
  }
  return null;
}

/** One entry's own rules: barcode, alias and type. */
export function checkEntry(entry: EntryRulesInput): Problem | null {
  if (entry.barcode !== null && !BARCODE.test(entry.barcode)) {
    return { rule: 'BARCODE_FORMAT', message: `${entry.barcode} is not a barcode like barcode01` };
  }
  if (!ALIAS.test(entry.alias) || RESERVED_ALIAS.test(entry.alias)) {
    return {
      rule: 'ALIAS_FORMAT',
      message: `the alias ${entry.alias} must be 1 to 40 letters, digits, _ or -, and not a barcode name`,
    };
  }
  if (!(SAMPLE_TYPES as readonly string[]).includes(entry.type)) {
    return {
      rule: 'SAMPLE_TYPE',
      message: `type must be one of ${SAMPLE_TYPES.join(', ')}, not ${entry.type}`,
    };
  }
  return null;
}

/**
 * The rules of the entries of one flow cell, in load order: each entry's own, then barcodes and aliases unique
 * (the later of two is the one named), then barcodes on all of them when there are several.
 */
export function checkEntries(entries: EntryRulesInput[]): Problem | null {
  const barcodes = new Map<string, number>();
  const aliases = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const own = checkEntry(entry);
    if (own) return { ...own, index };
    const barcodeAt = entry.barcode === null ? undefined : barcodes.get(entry.barcode);
    if (barcodeAt !== undefined) {
      return {
        rule: 'DUPLICATE_BARCODE',
        index,
        message: `${entry.barcode} is already used on this flow cell (entry ${barcodeAt + 1})`,
      };
    }
    const aliasAt = aliases.get(entry.alias);
    if (aliasAt !== undefined) {
      return {
        rule: 'DUPLICATE_ALIAS',
        index,
        message: `the alias ${entry.alias} is already used on this flow cell (entry ${aliasAt + 1})`,
      };
    }
    if (entry.barcode !== null) barcodes.set(entry.barcode, index);
    aliases.set(entry.alias, index);
  }
  if (entries.length > 1) {
    const index = entries.findIndex((entry) => entry.barcode === null);
    if (index >= 0) {
      return {
        rule: 'BARCODE_REQUIRED',
        index,
        message: `${entries.length} samples share the flow cell, so each needs a barcode`,
      };
    }
  }
  return null;
}
