// `npx tsx bench/intake.ts`: intake end to end, with every subgraph and the router in their own processes.
// - A 10,000-row CSV sheet imported through the router (upload, original stored in the files subgraph, parse,
//   rows and issues stored): rows per second, beside parsing the same sheet alone in this process.
// - The real 96-sample quote imported and accepted through the router, timed until all 96 samples are visible in
//   the samples subgraph (delivered by the command outbox), beside creating 96 samples with createSample calls.
// Printed and written to bench/results/latest-intake.{md,json}. Database as bench/run.ts.
import os from 'node:os';
import path from 'node:path';
import { parseSampleSheet } from '../subgraphs/submission/sheet/parse-sheet.ts';
import { largeSheet, readFixture, REAL_QUOTE } from '../test/helpers/fixtures.ts';
import { expectData, send } from './load.ts';
import { benchSettings } from './measure.ts';
import { isReady, root, waitFor } from './processes.ts';
import { writeResults } from './report.ts';
import { runBenchmark } from './run-benchmark.ts';
import { startBenchRouter, startBenchSubgraphs } from './subgraphs.ts';

const settings = benchSettings();
const SHEET_ROWS = 10_000;
const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';
const IMPORT = 'mutation($file: Upload!) { importSubmission(file: $file) { id status rows { kind } } }';
const ACCEPT = 'mutation($id: ID!) { acceptSubmission(id: $id) { status } }';
const SAMPLE_COUNT = 'query($id: ID!) { samples(filter: { submissionId: $id }, first: 1) { totalCount } }';
const CREATE = 'mutation($name: String!) { createSample(input: { name: $name }) { id } }';

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = process.hrtime.bigint();
  const result = await run();
  return { result, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10 };
}

async function importFile(url: string, token: string, bytes: Uint8Array, name: string, type: string) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([bytes], { type }), name);
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = (await response.json()) as {
    data?: { importSubmission?: { id: string; rows: { kind: string }[] } };
    errors?: unknown;
  };
  if (!body.data?.importSubmission) throw new Error(`import ${name}: ${JSON.stringify(body.errors)}`);
  return body.data.importSubmission;
}

async function main(): Promise<boolean> {
  const stack = await startBenchSubgraphs({ logLevel: settings.logLevel, tokenTtlSeconds: 3600 });
  const { child: router, origin, url } = startBenchRouter(stack, settings.logLevel);
  await waitFor('the router to be ready', () => isReady(`${origin}/ready`), router);
  const login = expectData(
    'login',
    await send(stack.subgraphs.auth.url, { query: LOGIN, variables: stack.admin }),
  );
  const token = (login.json!.data!.login as { accessToken: string }).accessToken;
  const headers = { authorization: `Bearer ${token}` };

  // A 10,000-row sheet: end to end through the router, against parsing alone.
  const sheet = largeSheet(SHEET_ROWS);
  const parsed = await timed(() => parseSampleSheet(sheet));
  const imported = await timed(() => importFile(url, token, sheet, 'large-sheet.csv', 'text/csv'));
  if (imported.result.rows.length !== SHEET_ROWS)
    throw new Error(`imported ${imported.result.rows.length} rows`);
  const rowsPerSecond = (ms: number) => Math.round(SHEET_ROWS / (ms / 1000));

  // The real quote: import, accept, and wait until its 96 samples are in the samples subgraph.
  const quote = await importFile(url, token, readFixture(REAL_QUOTE), 'quote.pdf', 'application/pdf');
  const expected = quote.rows.filter((r) => r.kind !== 'EMPTY').length;
  const accepted = await timed(async () => {
    expectData('accept', await send(url, { query: ACCEPT, variables: { id: quote.id }, headers }));
    for (;;) {
      const reply = expectData(
        'count',
        await send(url, { query: SAMPLE_COUNT, variables: { id: quote.id }, headers }),
      );
      if ((reply.json!.data!.samples as { totalCount: number }).totalCount === expected) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  const created = await timed(async () => {
    for (let i = 0; i < expected; i++) {
      expectData(
        'createSample',
        await send(url, { query: CREATE, variables: { name: `bench ${i}` }, headers }),
      );
    }
  });

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    database: stack.databaseSource,
    sheet: {
      rows: SHEET_ROWS,
      bytes: sheet.length,
      importMs: imported.ms,
      importRowsPerSecond: rowsPerSecond(imported.ms),
      parseOnlyMs: parsed.ms,
      parseOnlyRowsPerSecond: rowsPerSecond(parsed.ms),
    },
    accept: { samples: expected, acceptToVisibleMs: accepted.ms, createSampleCallsMs: created.ms },
  };
  const markdown = [
    '# Intake benchmark',
    '',
    `\`npx tsx bench/intake.ts\` on ${results.date}: Node ${results.node}, ${results.cpus} × ${results.cpuModel}; ` +
      'every subgraph and the router in their own processes.',
    '',
    '| what | time (ms) | rows/s | baseline | baseline time (ms) | baseline rows/s |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
    `| import of a ${SHEET_ROWS}-row CSV through the router | ${imported.ms} | ${results.sheet.importRowsPerSecond} | ` +
      `parsing it alone | ${parsed.ms} | ${results.sheet.parseOnlyRowsPerSecond} |`,
    `| accept of the real quote until its ${expected} samples are visible | ${accepted.ms} | ` +
      `${Math.round(expected / (accepted.ms / 1000))} | ${expected} createSample calls, one at a time | ${created.ms} | ` +
      `${Math.round(expected / (created.ms / 1000))} |`,
    '',
  ].join('\n');
  console.log(`\n${markdown}`);
  const files = await writeResults(path.join(root, 'bench/results'), 'intake', markdown, results);
  console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  return true;
}

await runBenchmark(main);
