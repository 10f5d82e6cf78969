// Where ink begins on a greyscale page. Scans print grey text (the quote's footer is ~70 % grey) on paper that is
// not white. Otsu's threshold fails on a page that is nearly all paper (it splits the paper's own noise), so the
// paper is found as the histogram's peak and ink as what is clearly darker than the paper's noise. (Stretching the
// page's levels to match was tried: it amplifies the noise, and tesseract read half as many words.)

/** Ink is at least this much darker than the paper (a grey level difference), whatever the noise. */
const MIN_CONTRAST = 48;
/** ... and at least this many standard deviations of the paper's noise. */
const NOISE_SIGMAS = 5;

function histogram(pixels: Uint8Array): Float64Array {
  const counts = new Float64Array(256);
  for (let i = 0; i < pixels.length; i++) counts[pixels[i]!]!++;
  return counts;
}

/** The paper's grey level (the most common one) and where ink begins below it. */
export function paperAndInk(pixels: Uint8Array): { paper: number; threshold: number } {
  const counts = histogram(pixels);
  let paper = 255;
  for (let level = 0; level < 256; level++) if (counts[level]! > counts[paper]!) paper = level;
  // The paper's noise, from the side of its peak that ink does not reach.
  let [n, squares] = [0, 0];
  for (let level = paper + 1; level < 256; level++) {
    n += counts[level]!;
    squares += counts[level]! * (level - paper) ** 2;
  }
  const sigma = n > 0 ? Math.sqrt(squares / n) : 0;
  return { paper, threshold: paper - Math.max(MIN_CONTRAST, NOISE_SIGMAS * sigma) };
}

/**
 * The mean width of the ink's horizontal runs inside a box, pixels: the pen's stroke width, about 1.5 × wider in
 * bold print than in regular print of the same size. 0 for a box without ink.
 */
export function strokeWidth(
  pixels: Uint8Array,
  width: number,
  box: { x0: number; y0: number; x1: number; y1: number },
  threshold: number,
): number {
  let [ink, runs] = [0, 0];
  for (let y = Math.max(0, box.y0); y < box.y1; y++) {
    let inRun = false;
    for (let x = Math.max(0, box.x0); x < Math.min(width, box.x1); x++) {
      const isInk = pixels[y * width + x]! < threshold;
      if (isInk) ink++;
      if (isInk && !inRun) runs++;
      inRun = isInk;
    }
  }
  return runs === 0 ? 0 : ink / runs;
}
