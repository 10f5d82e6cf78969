// Confidence calibration: a monotone map from a reader's raw confidence (e.g. tesseract's word confidence) to the
// observed probability that the value is right, fitted on a labelled corpus and versioned as a JSON file, plus the
// expected and maximum calibration errors that say how far a confidence is from its observed accuracy.
//
// Method: isotonic regression by pool-adjacent-violators (PAV). It needs no bin count (histogram binning would
// need enough samples in every bin, and tesseract's confidences crowd between 0.85 and 0.97, leaving the low
// bins nearly empty), it is monotone by construction (a higher raw confidence never maps lower), and it is the
// maximum-likelihood monotone fit. Its blocks are joined by straight lines between their mean raw confidences, so
// the map is continuous rather than a staircase, and clamped to 0..1 outside the fitted range.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** One labelled reading: the reader's raw confidence and whether the value read was right. */
export interface Labelled {
  confidence: number;
  correct: boolean;
}

const pointSchema = z.object({ raw: z.number().min(0).max(1), calibrated: z.number().min(0).max(1) });

export const calibrationMapSchema = z
  .object({
    version: z.number().int().positive(),
    method: z.literal('isotonic-pav'),
    /** What was read to fit it, e.g. 'tesseract.js 7 eng word confidence, readScan at 300 dpi'. */
    source: z.string().min(1).max(500),
    fittedOn: z.object({
      /** The renditions (documents) the labelled readings came from. */
      renditions: z.array(z.string().max(200)).min(1).max(100),
      samples: z.number().int().positive(),
      correct: z.number().int().nonnegative(),
    }),
    /** Knots in increasing raw order; calibrated never decreases. */
    points: z.array(pointSchema).min(1).max(10_000),
  })
  .superRefine((map, context) => {
    for (let i = 1; i < map.points.length; i++) {
      const [before, after] = [map.points[i - 1]!, map.points[i]!];
      if (after.raw <= before.raw || after.calibrated < before.calibrated) {
        context.addIssue({
          code: 'custom',
          path: ['points', i],
          message: 'points must increase in raw and never decrease in calibrated',
        });
      }
    }
  });

export type CalibrationMap = z.infer<typeof calibrationMapSchema>;
export type CalibrationPoint = z.infer<typeof pointSchema>;

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/**
 * Pool-adjacent-violators: the non-decreasing step function closest (least squares) to the labels ordered by
 * confidence. Returns one knot per block: its mean raw confidence and its share of right readings.
 */
export function fitIsotonic(samples: readonly Labelled[]): CalibrationPoint[] {
  if (samples.length === 0) throw new Error('cannot fit a calibration map on no samples');
  const sorted = [...samples].sort((a, b) => a.confidence - b.confidence);
  // Equal confidences form one block first: they must map to one value.
  const blocks: { rawSum: number; correct: number; count: number }[] = [];
  for (const sample of sorted) {
    const last = blocks[blocks.length - 1];
    const raw = clamp01(sample.confidence);
    if (last && last.rawSum / last.count === raw) {
      last.rawSum += raw;
      last.correct += sample.correct ? 1 : 0;
      last.count += 1;
    } else {
      blocks.push({ rawSum: raw, correct: sample.correct ? 1 : 0, count: 1 });
    }
  }
  const stack: typeof blocks = [];
  for (const block of blocks) {
    let current = { ...block };
    // Merge back while the previous block's accuracy is above this one's (a violation of monotonicity).
    while (stack.length > 0) {
      const previous = stack[stack.length - 1]!;
      if (previous.correct / previous.count <= current.correct / current.count) break;
      stack.pop();
      current = {
        rawSum: previous.rawSum + current.rawSum,
        correct: previous.correct + current.correct,
        count: previous.count + current.count,
      };
    }
    stack.push(current);
  }
  return stack.map((b) => ({ raw: b.rawSum / b.count, calibrated: b.correct / b.count }));
}

/** The calibrated confidence of `raw`: linear between the map's knots, flat beyond its ends, within 0..1. */
export function calibrate(raw: number, map: Pick<CalibrationMap, 'points'>): number {
  const { points } = map;
  const x = clamp01(Number.isFinite(raw) ? raw : 0);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (x <= first.raw) return clamp01(first.calibrated);
  if (x >= last.raw) return clamp01(last.calibrated);
  // Binary search for the knots either side of x.
  let low = 0;
  let high = points.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (points[middle]!.raw <= x) low = middle;
    else high = middle;
  }
  const [a, b] = [points[low]!, points[high]!];
  return clamp01(a.calibrated + ((x - a.raw) / (b.raw - a.raw)) * (b.calibrated - a.calibrated));
}

export interface CalibrationError {
  /** Expected calibration error: the sample-weighted mean of |accuracy − mean confidence| over the bins. */
  ece: number;
  /** Maximum calibration error: the largest |accuracy − mean confidence| of a non-empty bin. */
  mce: number;
  bins: { from: number; to: number; count: number; meanConfidence: number; accuracy: number }[];
}

/** ECE and MCE over `binCount` equal-width confidence bins (the last bin includes 1). */
export function calibrationError(samples: readonly Labelled[], binCount = 15): CalibrationError {
  const sums = Array.from({ length: binCount }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (const sample of samples) {
    const confidence = clamp01(sample.confidence);
    const bin = sums[Math.min(binCount - 1, Math.floor(confidence * binCount))]!;
    bin.count += 1;
    bin.confidence += confidence;
    bin.correct += sample.correct ? 1 : 0;
  }
  let ece = 0;
  let mce = 0;
  const bins = sums.map((s, i) => {
    const meanConfidence = s.count ? s.confidence / s.count : 0;
    const accuracy = s.count ? s.correct / s.count : 0;
    const gap = Math.abs(accuracy - meanConfidence);
    if (s.count > 0) {
      ece += (s.count / samples.length) * gap;
      mce = Math.max(mce, gap);
    }
    return { from: i / binCount, to: (i + 1) / binCount, count: s.count, meanConfidence, accuracy };
  });
  return { ece, mce, bins };
}

/** A calibration map read from `path` and validated; any fault is an Error naming the file. */
export function loadCalibrationMap(path: string): CalibrationMap {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`calibration map ${path} could not be read: ${(error as Error).message}`);
  }
  const parsed = calibrationMapSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`calibration map ${path} is invalid: ${issues.slice(0, 5).join('; ')}`);
  }
  return parsed.data;
}

/** The newest version of the map `name` in `directory` (files <name>-v<version>.json), checked against its name. */
export function latestCalibrationMap(name: string, directory: string): { path: string; map: CalibrationMap } {
  const pattern = new RegExp(`^${name}-v(\\d+)\\.json$`);
  const versions = readdirSync(directory)
    .map((file) => ({ file, version: Number(pattern.exec(file)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.version))
    .sort((a, b) => b.version - a.version);
  const newest = versions[0];
  if (!newest) throw new Error(`no calibration map ${name}-v<n>.json in ${directory}`);
  const path = join(directory, newest.file);
  const map = loadCalibrationMap(path);
  if (map.version !== newest.version) {
    throw new Error(`calibration map ${path} says version ${map.version}, its name ${newest.version}`);
  }
  return { path, map };
}
