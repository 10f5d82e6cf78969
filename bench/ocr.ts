// `npx tsx bench/ocr.ts`: OCR of the real quote's scanned renditions (test/fixtures/scans/), each case in a fresh
// process so its peak resident memory (VmHWM, the tesseract worker thread included) is its own: seconds per page,
// peak memory, the turn measured, how many of the digital quote's words were read at their places, and, read into
// page models by scanToPages and then by the quote reader, how many form fields and grid cells come out as the
// digital quote's reading (the wrong cells with their confidences).
// Printed and written to bench/results/latest-ocr.{md,json}.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareParses, type FieldDifference } from '../subgraphs/ai/ocr/compare-parses-testing.ts';
import { readScan } from '../subgraphs/ai/ocr/read-scan.ts';
import { scanToPages } from '../subgraphs/ai/ocr/scan-to-pages.ts';
import { ISSUE_THRESHOLD } from '../subgraphs/submission/quote-pdf/confidence.ts';
import { readQuote, readQuoteFromModel } from '../subgraphs/submission/quote-pdf/parse-quote.ts';
import { digitalWords, matchWords } from '../subgraphs/ai/ocr/testing.ts';
import { readFixture, REAL_QUOTE, SCAN_CLEAN, SCAN_NOISY } from '../test/helpers/fixtures.ts';
import { root } from './processes.ts';
import { writeResults } from './report.ts';

/** As the tests count a word found: same text, left edge and baseline within this many points. */
const RADIUS = 8;

const CASES = {
  'clean 300 dpi, read at 300': { fixture: SCAN_CLEAN, dpi: 300 },
  'noisy 200 dpi turned 1.5°, read at 300': { fixture: SCAN_NOISY, dpi: 300 },
  'noisy 200 dpi turned 1.5°, read at 200': { fixture: SCAN_NOISY, dpi: 200 },
} as const;
type CaseName = keyof typeof CASES;

interface CaseResult {
  pages: number;
  totalSeconds: number;
  secondsPerPage: number;
  /** Recognition alone (tesseract), median over pages. */
  recognizeSecondsMedian: number;
  idleRssMiB: number;
  peakRssMiB: number;
  skewDegrees: number[];
  wordsFound: number;
  digitalWords: number;
  /** scanToPages (words, shapes, cells re-read) then readQuoteFromModel, against the digital reading. */
  pagesSecondsPerPage: number;
  pagesPeakRssMiB: number;
  headerExact: string;
  formExact: string;
  cellsExact: string;
  wrong: FieldDifference[];
}

function peakRssMiB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Math.round((Number(/^VmHWM:\s+(\d+)/m.exec(status)![1]) / 1024) * 10) / 10;
}

async function measureOne(name: CaseName): Promise<void> {
  const { fixture, dpi } = CASES[name];
  const bytes = readFixture(fixture);
  const idle = peakRssMiB();
  const started = performance.now();
  const pages = await readScan(bytes, { dpi });
  const totalSeconds = (performance.now() - started) / 1000;
  const peak = peakRssMiB();
  const digital = digitalWords(readFixture(REAL_QUOTE));
  const found = matchWords(digital, pages, RADIUS).filter((m) => m.ocr).length;
  const recognize = pages.map((p) => p.recognizeMs / 1000).sort((a, b) => a - b);
  const pagesStarted = performance.now();
  const scanned = await scanToPages(bytes, { dpi });
  const pagesSeconds = (performance.now() - pagesStarted) / 1000;
  const pagesPeak = peakRssMiB();
  const reading = readQuoteFromModel({
    pages: scanned.pages,
    meta: { title: null, creator: null, producer: null },
    vectorLayer: 'complete',
  });
  const original = await readQuote(readFixture(REAL_QUOTE));
  if (!reading.ok || !original.ok) throw new Error('the quote was not read');
  const comparison = compareParses(original.submission, reading.submission);
  const ratio = (part: { exact: number; total: number }) => `${part.exact} / ${part.total}`;
  const result: CaseResult = {
    pages: pages.length,
    totalSeconds: Math.round(totalSeconds * 10) / 10,
    secondsPerPage: Math.round((totalSeconds / pages.length) * 100) / 100,
    recognizeSecondsMedian: Math.round(recognize[recognize.length >> 1]! * 100) / 100,
    idleRssMiB: idle,
    peakRssMiB: peak,
    skewDegrees: pages.map((p) => p.skewDegrees),
    wordsFound: found,
    digitalWords: digital.length,
    pagesSecondsPerPage: Math.round((pagesSeconds / scanned.pages.length) * 100) / 100,
    pagesPeakRssMiB: pagesPeak,
    headerExact: ratio(comparison.header),
    formExact: ratio(comparison.form),
    cellsExact: ratio(comparison.cells),
    wrong: [...comparison.header.wrong, ...comparison.form.wrong, ...comparison.cells.wrong],
  };
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

function inChild(name: CaseName): CaseResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/ocr.ts', '--one', name], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the ${name} run:\n${out}`);
  return JSON.parse(line.slice('RESULT '.length)) as CaseResult;
}

async function main(): Promise<void> {
  const rows = (Object.keys(CASES) as CaseName[]).map((name) => ({
    name,
    bytes: readFixture(CASES[name].fixture).length,
    ...inChild(name),
  }));
  const date = new Date().toISOString();
  const percent = (r: CaseResult) => `${((100 * r.wordsFound) / r.digitalWords).toFixed(1)} %`;
  const markdown = [
    '# OCR benchmark',
    '',
    `\`npx tsx bench/ocr.ts\` on ${date}: Node ${process.version}, ${os.cpus().length} × ` +
      `${os.cpus()[0]?.model.trim()}. Each case in a fresh process, one run of all 5 pages: render (mupdf), ` +
      'straighten, recognise (tesseract.js 7, eng 4.0.0_best_int, LSTM). Peak resident memory (VmHWM) of the ' +
      'whole process, the tesseract worker thread included.',
    '',
    '| scan | bytes | s / page | recognise s / page (median) | peak RSS MiB | turn measured (°) | words found |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.bytes} | ${r.secondsPerPage} | ${r.recognizeSecondsMedian} | ${r.peakRssMiB} | ` +
        `${r.skewDegrees.join(', ')} | ${r.wordsFound} / ${r.digitalWords} (${percent(r)}) |`,
    ),
    '',
    '## One set of layout rules: scanToPages, then the quote reader',
    '',
    '`scanToPages` (words, ruling lines and controls found in the render worker, ruled cells re-read one by one in ' +
      'a stacked pass) then `readQuoteFromModel`, compared with the digital quote read by `readQuote`: header and ' +
      'summary fields, the 14 form fields, and the 99 × 6 grid cells (rows paired by their printed number). Peak ' +
      `RSS is the process's after both readings. Review threshold: ${ISSUE_THRESHOLD}.`,
    '',
    '| scan | s / page | peak RSS MiB | header exact | form exact | cells exact | wrong values at or above the threshold |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.pagesSecondsPerPage} | ${r.pagesPeakRssMiB} | ${r.headerExact} | ${r.formExact} | ` +
        `${r.cellsExact} | ${r.wrong.filter((w) => w.confidence >= ISSUE_THRESHOLD).length} / ${r.wrong.length} |`,
    ),
    '',
    ...rows.flatMap((r) => [
      `Wrong on the ${r.name} (path: digital → scanned, confidence, method):`,
      '',
      ...r.wrong
        .slice(0, 40)
        .map(
          (w) =>
            `- \`${w.path}\`: ${JSON.stringify(w.expected)} → ${JSON.stringify(w.actual)}, ${w.confidence}, ${w.method}`,
        ),
      ...(r.wrong.length > 40 ? [`- … and ${r.wrong.length - 40} more`] : []),
      '',
    ]),
    `Words found: the digital quote's words (mupdf structured text) read with the same text, left edge and ` +
      `baseline within ${RADIUS} pt. Idle RSS of a child before reading: ` +
      `${rows.map((r) => `${r.idleRssMiB} MiB`).join(', ')}.`,
    '',
  ].join('\n');
  console.log(markdown);
  const files = await writeResults(path.join(root, 'bench/results'), 'ocr', markdown, { date, rows });
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
}

const [flag, name] = process.argv.slice(2);
if (flag === '--one') await measureOne(name as CaseName);
else await main();
