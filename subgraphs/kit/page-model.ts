// The page model the quote reader's layout rules read (subgraphs/submission/quote-pdf/): positioned text items
// and painted shapes, in PDF points from the page's top-left corner. A digital PDF gives it from its text and
// vector content; a scan gives it from OCR words and the shapes found in its pixels (subgraphs/ai/ocr/), so one
// set of layout rules reads both. It crosses from the ai subgraph to the submission subgraph, hence the schema.
import { z } from 'zod';

const finite = z.number().finite();

export const boxSchema = z.object({ x: finite, y: finite, w: finite.nonnegative(), h: finite.nonnegative() });

const rgb = z.tuple([finite, finite, finite]).readonly();

export const textItemSchema = boxSchema.extend({
  page: z.number().int().positive(),
  text: z.string().max(2000),
  /** y of the baseline, points from the top. */
  baseline: finite,
  /** Approximate font size, points. */
  size: finite.nonnegative(),
  bold: z.boolean(),
  /** 0..1 from the recognizer; absent for a digital text layer (certain). */
  confidence: z.number().min(0).max(1).optional(),
});
export type TextItem = z.infer<typeof textItemSchema>;

export const paintedShapeSchema = z.object({
  /** Bounding box in points, origin top-left of the page. */
  box: boxSchema,
  fill: rgb.nullable(),
  stroke: rgb.nullable(),
  /** Stroke width in points (0 when not stroked). */
  lineWidth: finite.nonnegative(),
  /** The path has Bézier segments (circles, rounded marks). */
  curved: z.boolean(),
  /** Paint order on the page: later shapes cover earlier ones. */
  order: z.number().int().nonnegative(),
});
export type PaintedShape = z.infer<typeof paintedShapeSchema>;

export const pageModelSchema = z.object({
  number: z.number().int().positive(),
  width: finite.positive(),
  height: finite.positive(),
  texts: z.array(textItemSchema).max(20_000),
  shapes: z.array(paintedShapeSchema).max(20_000),
  images: z.number().int().nonnegative(),
  /** The page's drawings were read in full. */
  vectorComplete: z.boolean(),
  /** Where the page came from: a digital text layer, or OCR of its pixels. */
  origin: z.enum(['TEXT_LAYER', 'OCR']).optional(),
});
export type PageModel = z.infer<typeof pageModelSchema>;
