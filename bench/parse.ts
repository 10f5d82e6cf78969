// `npx tsx bench/parse.ts`: parse time and peak memory of the intake parsers, each case in a fresh process (so
// its peak resident memory is its own), beside a baseline that does only the library's part of the work:
// - the real iLab quote and the 99-row corpus quote: parseQuotePdf against pdf2json's plain text extraction;
// - a 10,000-row CSV sheet: parseSampleSheet against csv-parse alone.
// Printed and written to bench/results/latest-parse.{md,json}.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import PDFParser from 'pdf2json';
import { parseQuotePdf } from '../subgraphs/submission/quote-pdf/parse-quote.ts';
import { parseSampleSheet } from '../subgraphs/submission/sheet/parse-sheet.ts';
import { largeSheet, readFixture, REAL_QUOTE } from '../test/helpers/fixtures.ts';
import { root } from './processes.ts';
import { writeResults } from './report.ts';

const RUNS = 10;
const CSV_ROWS = 10_000;

function pdf2jsonText(bytes: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const parser = new PDFParser();
    parser.on('pdfParser_dataReady', (data) => resolve(data.Pages.reduce((n, p) => n + p.Texts.length, 0)));
    parser.on('pdfParser_dataError', (error) => reject(error));
    parser.parseBuffer(Buffer.from(new Uint8Array(bytes)));
  });
}

type CaseName = 'quote' | 'quote-99' | 'csv-10k';
const documents: Record<CaseName, () => Uint8Array> = {
  quote: () => readFixture(REAL_QUOTE),
  'quote-99': () => readFileSync(path.join(root, 'test/fixtures/quotes/quote-full-grid.pdf')),
  'csv-10k': () => largeSheet(CSV_ROWS),
};
const ours: Record<CaseName, (bytes: Uint8Array) => Promise<unknown>> = {
  quote: async (bytes) => assertOk(await parseQuotePdf(bytes)),
  'quote-99': async (bytes) => assertOk(await parseQuotePdf(bytes)),
  'csv-10k': async (bytes) => assertOk(await parseSampleSheet(bytes)),
};
const baselines: Record<CaseName, { name: string; run: (bytes: Uint8Array) => Promise<unknown> }> = {
  quote: { name: 'pdf2json text only', run: pdf2jsonText },
  'quote-99': { name: 'pdf2json text only', run: pdf2jsonText },
  'csv-10k': { name: 'csv-parse only', run: async (bytes) => parseCsv(Buffer.from(bytes)) },
};

function assertOk(result: { ok: boolean }): unknown {
  if (!result.ok) throw new Error(`parse failed: ${JSON.stringify(result)}`);
  return result;
}

function peakRssMiB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Math.round((Number(/^VmHWM:\s+(\d+)/m.exec(status)![1]) / 1024) * 10) / 10;
}

/** In the child: RUNS parses of one case, by ours or the baseline; prints { medianMs, peakRssMiB }. */
async function measureOne(name: CaseName, which: 'ours' | 'baseline'): Promise<void> {
  const bytes = documents[name]();
  const run = which === 'ours' ? ours[name] : baselines[name].run;
  const idle = peakRssMiB();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    await run(bytes);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const result = {
    medianMs: Math.round(times[RUNS >> 1]! * 10) / 10,
    idleRssMiB: idle,
    peakRssMiB: peakRssMiB(),
  };
  // pdf2json writes its own warnings to stdout: the result is the line that starts with RESULT.
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

function inChild(name: CaseName, which: 'ours' | 'baseline') {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/parse.ts', '--one', name, which], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the ${name} ${which} run:\n${out}`);
  return JSON.parse(line.slice('RESULT '.length)) as {
    medianMs: number;
    idleRssMiB: number;
    peakRssMiB: number;
  };
}

async function main(): Promise<void> {
  const cases = Object.keys(documents) as CaseName[];
  const rows = cases.map((name) => ({
    name,
    bytes: documents[name]().length,
    ours: inChild(name, 'ours'),
    baseline: { name: baselines[name].name, ...inChild(name, 'baseline') },
  }));
  const date = new Date().toISOString();
  const markdown = [
    '# Parse benchmark',
    '',
    `\`npx tsx bench/parse.ts\` on ${date}: Node ${process.version}, ${os.cpus().length} × ` +
      `${os.cpus()[0]?.model.trim()}. Each case in a fresh process, ${RUNS} runs, median time; peak resident ` +
      'memory (VmHWM) of the whole process, worker threads included.',
    '',
    '| document | bytes | ours: median ms | ours: peak RSS MiB | baseline | baseline: median ms | baseline: peak RSS MiB |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.bytes} | ${r.ours.medianMs} | ${r.ours.peakRssMiB} | ${r.baseline.name} | ` +
        `${r.baseline.medianMs} | ${r.baseline.peakRssMiB} |`,
    ),
    '',
    `quote: the real 5-page iLab quote; quote-99: test/fixtures/quotes/quote-full-grid.pdf (99 grid rows); ` +
      `csv-10k: the CSV template repeated to ${CSV_ROWS} rows. Idle RSS of a child before parsing: ` +
      `${rows.map((r) => `${r.name} ${r.ours.idleRssMiB} MiB`).join(', ')}.`,
    '',
  ].join('\n');
  console.log(markdown);
  const files = await writeResults(path.join(root, 'bench/results'), 'parse', markdown, {
    date,
    runs: RUNS,
    rows,
  });
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
}

const [flag, name, which] = process.argv.slice(2);
if (flag === '--one') await measureOne(name as CaseName, which as 'ours' | 'baseline');
else await main();
