// `npx tsx scripts/scan-quote.ts <in.pdf> <out.pdf> [--dpi 200] [--angle 1.5] [--noise 12] [--quality 60] [--seed 1]`
// A digital PDF as a flatbed scanner would return it: every page rendered in greyscale at --dpi, turned by
// --angle degrees (clockwise, about the page centre, on a bed the size of the page), speckled with --noise (standard
// deviation of the grey-level noise, 0-255) and saved as a JPEG of --quality, one image per page of a new PDF of the
// same page size. The same arguments give the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import * as mupdf from 'mupdf';
import sharp from 'sharp';
import { turnPage } from '../subgraphs/ai/ocr/deskew.ts';

export interface ScanOptions {
  dpi: number;
  /** Degrees, clockwise as seen on the page. */
  angle: number;
  /** Standard deviation of the added grey-level noise (0: none). */
  noise: number;
  /** JPEG quality, 1-100. */
  quality: number;
  seed: number;
}

const DEFAULTS: ScanOptions = { dpi: 200, angle: 0, noise: 0, quality: 85, seed: 1 };

/** mulberry32: a small seeded generator, so the noise is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian grey noise plus a sprinkle of dark specks (dust), in place. */
function addNoise(pixels: Uint8Array, sigma: number, next: () => number): void {
  if (sigma <= 0) return;
  for (let i = 0; i < pixels.length; i++) {
    // Box-Muller needs two uniforms per sample; one sample per pixel is enough.
    const gaussian = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
    const speck = next() < 0.0005 ? -120 : 0;
    pixels[i] = Math.max(0, Math.min(255, Math.round(pixels[i]! + gaussian * sigma + speck)));
  }
}

async function scanPage(page: mupdf.Page, options: ScanOptions, next: () => number): Promise<Uint8Array> {
  const scale = options.dpi / 72;
  const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceGray, false);
  const width = pixmap.getWidth();
  const height = pixmap.getHeight();
  // A stride wider than the width would need repacking; mupdf's greyscale pixmaps have none.
  if (pixmap.getStride() !== width) throw new Error('unexpected pixmap stride');
  const pixels = await turnPage(new Uint8Array(pixmap.getPixels()), width, height, options.angle);
  addNoise(pixels, options.noise, next);
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .jpeg({ quality: options.quality, chromaSubsampling: '4:4:4' })
    .withMetadata({ density: options.dpi })
    .toBuffer();
}

/** A PDF of one JPEG per page, each page the size of the original's. */
export async function scanPdf(input: Uint8Array, partial: Partial<ScanOptions> = {}): Promise<Uint8Array> {
  const options = { ...DEFAULTS, ...partial };
  const next = random(options.seed);
  const source = mupdf.Document.openDocument(input, 'application/pdf');
  const output = new mupdf.PDFDocument();
  for (let i = 0; i < source.countPages(); i++) {
    const page = source.loadPage(i);
    const [x0, y0, x1, y1] = page.getBounds();
    const [w, h] = [x1 - x0, y1 - y0];
    const jpeg = await scanPage(page, options, next);
    const resources = output.addObject({ XObject: { Scan: output.addImage(new mupdf.Image(jpeg)) } });
    const contents = `q ${w} 0 0 ${h} 0 0 cm /Scan Do Q`;
    output.insertPage(-1, output.addPage([0, 0, w, h], 0, resources, contents));
  }
  return output.saveToBuffer('compress').asUint8Array();
}

function parseArgs(argv: string[]): { input: string; output: string; options: Partial<ScanOptions> } {
  const positional: string[] = [];
  const options: Partial<ScanOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2) as keyof ScanOptions;
    const value = Number(argv[++i]);
    if (!(name in DEFAULTS) || !Number.isFinite(value)) throw new Error(`bad option ${arg} ${argv[i]}`);
    options[name] = value;
  }
  if (positional.length !== 2)
    throw new Error('usage: scan-quote.ts <in.pdf> <out.pdf> [--dpi n] [--angle deg] ...');
  const { dpi, angle, quality } = { ...DEFAULTS, ...options };
  if (dpi < 72 || dpi > 600) throw new Error('--dpi must be 72-600');
  if (Math.abs(angle) > 5) throw new Error('--angle must be within ±5 degrees');
  if (quality < 1 || quality > 100) throw new Error('--quality must be 1-100');
  return { input: positional[0]!, output: positional[1]!, options };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { input, output, options } = parseArgs(process.argv.slice(2));
  const bytes = await scanPdf(readFileSync(input), options);
  writeFileSync(output, bytes);
  console.log(`${output}: ${bytes.length} bytes`);
}
