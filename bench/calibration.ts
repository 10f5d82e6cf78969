// `npx tsx bench/calibration.ts [--write]`: calibrates tesseract's word confidence on a labelled corpus made from the
// real quote. Every scanned rendition (the two committed in test/fixtures/scans/ and a few more made here by
// scripts/scan-quote.ts into a temporary directory) is read by readScan; each OCR word is labelled right when the
// digital quote has a word of the same text with its left edge and baseline within 8 pt (the tests' rule), wrong
// otherwise. The renditions are split into a fit set and a held-out set, by rendition and not by word, so the
// held-out error is that of scans the map never saw. Reports ECE and MCE before and after calibration on the
// held-out set, and how many wrong words stay at or above the review threshold. Writes
// bench/results/latest-calibration.md; with --write also the map (subgraphs/kit/calibration/ocr-word-v<n>.json,
// a new version only when the fit changed) and the held-out sample test/fixtures/calibration/ocr-word-heldout.json.
// OCR results are cached in $TMPDIR/calibration-ocr/<sha256 of the scan>-<dpi>.json, so reruns take seconds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readScan } from '../subgraphs/ai/ocr/read-scan.ts';
import { digitalWords, type DigitalWord } from '../subgraphs/ai/ocr/testing.ts';
import type { OcrPage } from '../subgraphs/ai/ocr/types.ts';
import {
  calibrate,
  calibrationError,
  fitIsotonic,
  latestCalibrationMap,
  type CalibrationMap,
  type Labelled,
} from '../subgraphs/kit/calibration.ts';
import { ISSUE_THRESHOLD } from '../subgraphs/submission/quote-pdf/confidence.ts';
import { scanPdf, type ScanOptions } from '../scripts/scan-quote.ts';
import { CSV_TEMPLATE, readFixture, REAL_QUOTE, SCAN_CLEAN, SCAN_NOISY } from '../test/helpers/fixtures.ts';
import { root } from './processes.ts';

const RADIUS = 8;
const MAP_NAME = 'ocr-word';
const MAP_DIR = path.join(root, 'subgraphs/kit/calibration');
const SAMPLE_FILE = path.join(root, 'test/fixtures/calibration/ocr-word-heldout.json');
const SAMPLE_SIZE = 400;
const CACHE = path.join(os.tmpdir(), 'calibration-ocr');
const SOURCE = 'tesseract.js 7 (eng 4.0.0_best_int, LSTM) word confidence from readScan at 300 dpi';

interface Rendition {
  name: string;
  set: 'fit' | 'held-out';
  /** A committed scan, or the options scripts/scan-quote.ts makes one with. */
  fixture?: string;
  scan?: Partial<ScanOptions>;
}

// Spread over resolution, turn, noise and JPEG loss; each set has a clean-ish and a hard rendition.
const RENDITIONS: Rendition[] = [
  { name: 'committed 300 dpi clean', set: 'fit', fixture: SCAN_CLEAN },
  {
    name: '150 dpi 0.5° noise 4 q75',
    set: 'fit',
    scan: { dpi: 150, angle: 0.5, noise: 4, quality: 75, seed: 11 },
  },
  {
    name: '300 dpi −1° noise 10 q55',
    set: 'fit',
    scan: { dpi: 300, angle: -1, noise: 10, quality: 55, seed: 12 },
  },
  {
    name: '200 dpi 2° noise 12 q50',
    set: 'fit',
    scan: { dpi: 200, angle: 2, noise: 12, quality: 50, seed: 13 },
  },
  { name: 'committed 200 dpi 1.5° noise 8 q60', set: 'held-out', fixture: SCAN_NOISY },
  {
    name: '150 dpi −2° noise 8 q60',
    set: 'held-out',
    scan: { dpi: 150, angle: -2, noise: 8, quality: 60, seed: 21 },
  },
  {
    name: '300 dpi 0.7° noise 6 q70',
    set: 'held-out',
    scan: { dpi: 300, angle: 0.7, noise: 6, quality: 70, seed: 22 },
  },
];

interface LabelledWord extends Labelled {
  rendition: string;
  text: string;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const normalise = (text: string): string => text.normalize('NFKC');

async function renditionBytes(rendition: Rendition, quote: Uint8Array): Promise<Uint8Array> {
  if (rendition.fixture) return readFixture(rendition.fixture);
  const key = sha256(Buffer.from(JSON.stringify(rendition.scan)));
  const file = path.join(CACHE, `scan-${key}.pdf`);
  if (existsSync(file)) return readFileSync(file);
  // Written then read back: mupdf's buffer is a view into its own memory, not bytes a worker can be sent.
  writeFileSync(file, await scanPdf(quote, rendition.scan));
  return readFileSync(file);
}

async function ocr(bytes: Uint8Array): Promise<OcrPage[]> {
  const file = path.join(CACHE, `ocr-${sha256(bytes)}-300.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as OcrPage[];
  const pages = await readScan(bytes, { dpi: 300 });
  writeFileSync(file, JSON.stringify(pages));
  return pages;
}

/** Every OCR word, right when a digital word of the same text lies within RADIUS of its left edge and baseline. */
function label(rendition: string, pages: OcrPage[], digital: DigitalWord[]): LabelledWord[] {
  return pages.flatMap((page) => {
    const own = digital.filter((d) => d.page === page.number);
    return page.words.map((word) => ({
      rendition,
      text: word.text,
      confidence: word.confidence,
      correct: own.some(
        (d) =>
          normalise(d.text) === normalise(word.text) &&
          Math.hypot(d.box.x - word.box.x, d.baseline - word.baseline) <= RADIUS,
      ),
    }));
  });
}

/** Words from sources read without OCR: the rendered quote variants' text layers and the CSV template's cells. */
function certainSources(): { name: string; words: number }[] {
  const quotes = ['full-grid', 'ligation-promethion', 'messy-cells', 'single-table', 'three-rows'];
  const rows = quotes.map((q) => ({
    name: `quotes/quote-${q}.pdf (text layer)`,
    words: digitalWords(readFixture(`quotes/quote-${q}.pdf`)).length,
  }));
  // The template has no quoted fields, so a plain split gives its cells.
  const lines = readFixture(CSV_TEMPLATE).toString('utf8').trim().split(/\r?\n/).slice(1);
  const cells = lines.flatMap((line) => line.split(',')).filter((c) => c.trim()).length;
  return [
    { name: 'ilab-quote (text layer)', words: digitalWords(readFixture(REAL_QUOTE)).length },
    ...rows,
    { name: `${CSV_TEMPLATE} (non-empty cells)`, words: cells },
  ];
}

interface Summary {
  samples: number;
  wrong: number;
  ece: number;
  mce: number;
  /** Wrong words at or above ISSUE_THRESHOLD (not sent to review). */
  wrongAbove: number;
  /** Right words below ISSUE_THRESHOLD (sent to review for nothing). */
  rightBelow: number;
}

function summarise(samples: Labelled[]): Summary {
  const { ece, mce } = calibrationError(samples, 15);
  return {
    samples: samples.length,
    wrong: samples.filter((s) => !s.correct).length,
    ece,
    mce,
    wrongAbove: samples.filter((s) => !s.correct && s.confidence >= ISSUE_THRESHOLD).length,
    rightBelow: samples.filter((s) => s.correct && s.confidence < ISSUE_THRESHOLD).length,
  };
}

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));

/** The committed map, or a new version of it when the fitted knots differ. */
function nextMap(
  points: CalibrationMap['points'],
  fit: LabelledWord[],
): { map: CalibrationMap; changed: boolean } {
  let previous: CalibrationMap | undefined;
  try {
    previous = latestCalibrationMap(MAP_NAME, MAP_DIR).map;
  } catch {
    previous = undefined;
  }
  const rounded = points.map((p) => ({ raw: round(p.raw), calibrated: round(p.calibrated) }));
  // Rounding can make two knots' raw equal; keep the later (higher calibrated) one.
  const knots = rounded.filter((p, i) => i === rounded.length - 1 || rounded[i + 1]!.raw > p.raw);
  const changed = JSON.stringify(previous?.points) !== JSON.stringify(knots);
  const map: CalibrationMap = {
    version: (previous?.version ?? 0) + (changed ? 1 : 0),
    method: 'isotonic-pav',
    source: SOURCE,
    fittedOn: {
      renditions: [...new Set(fit.map((w) => w.rendition))],
      samples: fit.length,
      correct: fit.filter((w) => w.correct).length,
    },
    points: knots,
  };
  return { map: changed || !previous ? map : previous, changed };
}

/** A seeded sample of held-out (raw, right) pairs, in the proportions of the held-out set. */
function sample(words: LabelledWord[], size: number): [number, 0 | 1][] {
  let state = 42;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const shuffled = words.map((w) => ({ w, key: next() })).sort((a, b) => a.key - b.key);
  return shuffled.slice(0, size).map(({ w }) => [round(w.confidence), w.correct ? 1 : 0]);
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  mkdirSync(CACHE, { recursive: true });
  const quote = readFixture(REAL_QUOTE);
  const digital = digitalWords(quote);
  const words: LabelledWord[] = [];
  const perRendition: { rendition: Rendition; words: number; right: number; seconds: number }[] = [];
  for (const rendition of RENDITIONS) {
    const started = performance.now();
    const pages = await ocr(await renditionBytes(rendition, quote));
    const labelled = label(rendition.name, pages, digital);
    words.push(...labelled);
    const seconds = (performance.now() - started) / 1000;
    perRendition.push({
      rendition,
      words: labelled.length,
      right: labelled.filter((w) => w.correct).length,
      seconds,
    });
    console.error(`${rendition.name}: ${labelled.length} words, ${seconds.toFixed(1)} s`);
  }
  const fit = words.filter((w) => RENDITIONS.find((r) => r.name === w.rendition)!.set === 'fit');
  const heldOut = words.filter((w) => RENDITIONS.find((r) => r.name === w.rendition)!.set === 'held-out');
  const { map, changed } = nextMap(fitIsotonic(fit), fit);
  const calibrated = (set: Labelled[]) =>
    set.map((w) => ({ ...w, confidence: calibrate(w.confidence, map) }));
  const before = summarise(heldOut);
  const after = summarise(calibrated(heldOut));
  const fitBefore = summarise(fit);
  const fitAfter = summarise(calibrated(fit));
  const certain = certainSources();
  const certainCount = certain.reduce((n, c) => n + c.words, 0);
  const pooled = (set: Labelled[]) =>
    summarise([...set, ...Array.from({ length: certainCount }, () => ({ confidence: 1, correct: true }))]);

  const percent = (part: number, whole: number) =>
    `${part} / ${whole} (${((100 * part) / whole).toFixed(1)} %)`;
  const row = (name: string, s: Summary) =>
    `| ${name} | ${s.samples} | ${s.wrong} | ${s.ece.toFixed(4)} | ${s.mce.toFixed(4)} | ` +
    `${percent(s.wrongAbove, s.wrong)} | ${percent(s.rightBelow, s.samples - s.wrong)} |`;
  const bins = calibrationError(calibrated(heldOut), 15).bins.filter((b) => b.count > 0);
  const rawBins = calibrationError(heldOut, 15).bins.filter((b) => b.count > 0);
  const markdown = [
    '# OCR word confidence calibration',
    '',
    `\`npx tsx bench/calibration.ts\` on ${new Date().toISOString()}: Node ${process.version}. ${SOURCE}. ` +
      `Map: \`subgraphs/kit/calibration/${MAP_NAME}-v${map.version}.json\` (isotonic regression, pool-adjacent-` +
      `violators, ${map.points.length} knots, linear between them)${changed ? ', refitted in this run' : ''}.`,
    '',
    `A word is right when the digital quote (mupdf text layer) has a word of the same text with left edge and ` +
      `baseline within ${RADIUS} pt; otherwise wrong (misread, split, merged, or noise read as text). Split by ` +
      'rendition: the map never saw a held-out scan. ECE and MCE over 15 equal-width bins. Review threshold ' +
      `${ISSUE_THRESHOLD}: below it a value becomes an issue.`,
    '',
    '## Renditions of the real quote',
    '',
    '| rendition | set | OCR words | right | s (0 when cached) |',
    '| --- | --- | ---: | ---: | ---: |',
    ...perRendition.map(
      (r) =>
        `| ${r.rendition.name} | ${r.rendition.set} | ${r.words} | ${r.right} | ${r.seconds.toFixed(1)} |`,
    ),
    '',
    '## Errors',
    '',
    '| set, confidence | words | wrong | ECE | MCE | wrong words at or above the threshold | right words below it |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('held-out, raw', before),
    row('held-out, calibrated', after),
    row('fit, raw', fitBefore),
    row('fit, calibrated', fitAfter),
    row('held-out + certain sources, raw', pooled(heldOut)),
    row('held-out + certain sources, calibrated', pooled(calibrated(heldOut))),
    '',
    'Held-out bins (raw → calibrated: count, mean confidence, accuracy):',
    '',
    ...rawBins.map(
      (b) =>
        `- raw ${b.from.toFixed(2)}-${b.to.toFixed(2)}: ${b.count} words, mean ${b.meanConfidence.toFixed(3)}, ` +
        `right ${b.accuracy.toFixed(3)}`,
    ),
    ...bins.map(
      (b) =>
        `- calibrated ${b.from.toFixed(2)}-${b.to.toFixed(2)}: ${b.count} words, mean ${b.meanConfidence.toFixed(3)}, ` +
        `right ${b.accuracy.toFixed(3)}`,
    ),
    '',
    '## Certain sources',
    '',
    'Words read without OCR: the text layers of the real quote and of the rendered variants (test/fixtures/quotes/, ' +
      'whose values their *.expected.json confirm) and the CSV template. Their confidence is 1 and they are right ' +
      'by construction, so their ECE is 0; they are not fitted on (they would only add mass at 1) and the map is ' +
      'never applied to them. The pooled rows above show what they do to a document-level figure: diluted by ' +
      `${certainCount} certain words, the scans' calibration error shrinks, which is why the held-out rows alone ` +
      'are the honest measure.',
    '',
    ...certain.map((c) => `- ${c.name}: ${c.words}`),
    '',
  ].join('\n');
  console.log(markdown);
  writeFileSync(path.join(root, 'bench/results/latest-calibration.md'), markdown);
  if (write) {
    if (changed) {
      const file = path.join(MAP_DIR, `${MAP_NAME}-v${map.version}.json`);
      writeFileSync(file, `${JSON.stringify(map, null, 2)}\n`);
      console.error(`written ${path.relative(root, file)}`);
    }
    mkdirSync(path.dirname(SAMPLE_FILE), { recursive: true });
    const sampled = sample(heldOut, SAMPLE_SIZE);
    writeFileSync(
      SAMPLE_FILE,
      `${JSON.stringify({ source: `held-out renditions of bench/calibration.ts, seeded sample`, pairs: sampled })}\n`,
    );
    console.error(`written ${path.relative(root, SAMPLE_FILE)}`);
  }
}

await main();
