// How far a scanned page is turned, and turning it back. The estimate is a projection profile: ink projected onto
// the page's vertical axis at the right angle falls into a few sharp rows (the text lines), so the angle whose
// row histogram has the largest sum of squares is the page's skew.
import sharp from 'sharp';
import { paperAndInk } from './levels.ts';

/** With fewer ink samples than this (a page with a line or two) the profile has no peak worth trusting. */
const MIN_INK_SAMPLES = 200;
/** The profile is measured on ink sampled about this finely: finer costs time and gains nothing. */
const SAMPLE_DPI = 100;
const COARSE_STEP = 0.1;
const FINE_STEP = 0.01;
/** Below this the page is read as it is: turning it would only blur it. */
const STRAIGHT_ENOUGH = 0.05;

interface Ink {
  xs: Float64Array;
  ys: Float64Array;
  /** Histogram bin height, pixels of the full image. */
  bin: number;
  height: number;
  width: number;
}

function sampleInk(pixels: Uint8Array, width: number, height: number, dpi: number): Ink {
  const step = Math.max(1, Math.round(dpi / SAMPLE_DPI));
  const { threshold } = paperAndInk(pixels);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      if (pixels[y * width + x]! < threshold) {
        xs.push(x - width / 2);
        ys.push(y - height / 2);
      }
    }
  }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys), bin: step, height, width };
}

/** Sum of squared row counts of the ink, turned back by `degrees` (clockwise skew). */
function profileScore(ink: Ink, degrees: number): number {
  const radians = (degrees * Math.PI) / 180;
  const [sin, cos] = [Math.sin(radians), Math.cos(radians)];
  const diagonal = Math.hypot(ink.width, ink.height);
  const offset = diagonal / 2;
  const rows = new Uint32Array(Math.ceil(diagonal / ink.bin) + 1);
  for (let i = 0; i < ink.xs.length; i++) {
    const y = ink.ys[i]! * cos - ink.xs[i]! * sin;
    rows[Math.floor((y + offset) / ink.bin)]!++;
  }
  let score = 0;
  for (const count of rows) score += count * count;
  return score;
}

function bestAngle(ink: Ink, from: number, to: number, step: number): number {
  let [best, bestScore] = [0, -1];
  for (let degrees = from; degrees <= to + step / 2; degrees += step) {
    const score = profileScore(ink, degrees);
    if (score > bestScore) [best, bestScore] = [degrees, score];
  }
  return best;
}

/** The page's skew in degrees, clockwise as seen on the page, within ±maxDegrees; 0 for a page with little ink. */
export function estimateSkew(
  pixels: Uint8Array,
  width: number,
  height: number,
  dpi: number,
  maxDegrees: number,
): number {
  const ink = sampleInk(pixels, width, height, dpi);
  if (ink.xs.length < MIN_INK_SAMPLES) return 0;
  const coarse = bestAngle(ink, -maxDegrees, maxDegrees, COARSE_STEP);
  const fine = bestAngle(
    ink,
    Math.max(-maxDegrees, coarse - COARSE_STEP),
    Math.min(maxDegrees, coarse + COARSE_STEP),
    FINE_STEP,
  );
  return Math.round(fine * 100) / 100;
}

/**
 * The page turned by `degrees` clockwise about its centre, on white, cropped back to its own size (a scanner bed
 * the size of the page): page coordinates stay where they were, only the content turns.
 */
export async function turnPage(
  pixels: Uint8Array,
  width: number,
  height: number,
  degrees: number,
): Promise<Uint8Array> {
  const raw = { width, height, channels: 1 as const };
  const turned = await sharp(pixels, { raw })
    .rotate(degrees, { background: '#ffffff' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const cropped = await sharp(turned.data, {
    raw: { width: turned.info.width, height: turned.info.height, channels: 1 },
  })
    .extract({
      left: Math.floor((turned.info.width - width) / 2),
      top: Math.floor((turned.info.height - height) / 2),
      width,
      height,
    })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return new Uint8Array(cropped.buffer, cropped.byteOffset, cropped.length);
}

/** The page straightened, and the skew that was undone. */
export async function deskew(
  pixels: Uint8Array,
  width: number,
  height: number,
  dpi: number,
  maxDegrees: number,
): Promise<{ pixels: Uint8Array; skewDegrees: number }> {
  const skewDegrees = estimateSkew(pixels, width, height, dpi, maxDegrees);
  if (Math.abs(skewDegrees) < STRAIGHT_ENOUGH) return { pixels, skewDegrees };
  return { pixels: await turnPage(pixels, width, height, -skewDegrees), skewDegrees };
}
