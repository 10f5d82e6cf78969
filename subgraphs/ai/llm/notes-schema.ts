// What the model returns for free-text comments: short notes, each an excerpt of the comments with a topic.
import { z } from 'zod';

export const NOTE_TOPICS = [
  'SAMPLE_HANDLING',
  'SEQUENCING',
  'DATA_DELIVERY',
  'DEADLINE',
  'BILLING',
  'CONTACT',
  'OTHER',
] as const;

export const MAX_NOTES = 50;

export const llmNotesSchema = z.object({
  notes: z.array(z.object({ topic: z.enum(NOTE_TOPICS), text: z.string().min(1).max(2000) })).max(MAX_NOTES),
});

export const llmNotesJsonSchema = z.toJSONSchema(llmNotesSchema);

/** A note as the caller gets it: grounded like a draft value. */
export interface StructuredNote {
  topic: (typeof NOTE_TOPICS)[number];
  text: string;
  confidence: number;
  source: { start: number; end: number } | null;
}
