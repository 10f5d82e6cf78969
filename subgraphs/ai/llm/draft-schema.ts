// What the model is asked to return for a free-form document: the submission form's fields and one entry per
// sample, as JSON constrained by this schema (sent to Ollama as `format`). Every field may be null: the model is
// told to leave out what the document does not say rather than guess. Bounds match the submission's own.
import { z } from 'zod';

export const MATERIAL_TYPES = ['HMW_DNA', 'FRAGMENTED_DNA', 'PCR_AMPLICONS', 'CDNA'] as const;
export const FLOW_CELL_FORMATS = ['MINION', 'PROMETHION', 'FLONGLE'] as const;

/** Most samples a drafted document may list (the submission's rows). */
export const MAX_DRAFT_ROWS = 384;

const text = (max: number) => z.string().max(max).nullable();
const measurement = z.number().min(0).max(1_000_000).nullable();

export const llmFormSchema = z.object({
  libraryKit: text(100),
  sampleTypes: z.array(z.enum(MATERIAL_TYPES)).max(10),
  containsHumanDna: z.boolean().nullable(),
  sourceOrganism: text(500),
  sampleBuffers: z.array(z.string().max(50)).max(10),
  flowCellFormats: z.array(z.enum(FLOW_CELL_FORMATS)).max(10),
  approxGenomeSize: text(100),
  approxCoverage: text(100),
  flowCellCount: z.number().int().min(0).max(1000).nullable(),
  comments: text(2000),
});

export const llmRowSchema = z.object({
  sampleName: text(200),
  volumeUl: measurement,
  qubitNgPerUl: measurement,
  nanodropNgPerUl: measurement,
  a260_280: measurement,
  a260_230: measurement,
  concentrationNgPerUl: measurement,
});

export const llmDraftSchema = z.object({
  requesterName: text(200),
  requesterEmail: text(320),
  lab: text(500),
  form: llmFormSchema,
  rows: z.array(llmRowSchema).max(MAX_DRAFT_ROWS),
});
export type LlmDraft = z.infer<typeof llmDraftSchema>;

/** The JSON schema Ollama constrains the answer to. */
export const llmDraftJsonSchema = z.toJSONSchema(llmDraftSchema);

/** One scalar the model proposed, at its submission path (`form.sampleTypes[0]`, `rows[2].sampleName`). */
export interface ProposedValue {
  path: string;
  value: string | number | boolean;
}

/** The draft as paths and scalars; nulls (nothing proposed) are left out. */
export function flattenDraft(draft: LlmDraft): ProposedValue[] {
  const values: ProposedValue[] = [];
  const add = (path: string, value: string | number | boolean | null) => {
    if (value === null || (typeof value === 'string' && !value.trim())) return;
    values.push({ path, value });
  };
  add('requester.name', draft.requesterName);
  add('requester.email', draft.requesterEmail);
  add('lab', draft.lab);
  for (const [field, value] of Object.entries(draft.form)) {
    if (Array.isArray(value)) value.forEach((item, i) => add(`form.${field}[${i}]`, item));
    else add(`form.${field}`, value);
  }
  draft.rows.forEach((row, i) => {
    for (const [field, value] of Object.entries(row)) add(`rows[${i}].${field}`, value);
  });
  return values;
}
