// `npx tsx bench/files.ts`: uploads and downloads with every subgraph in its own process.
// - A 200 MB file (BENCH_FILE_MB) uploaded and downloaded through our router, beside the same directly against the
//   files subgraph: MB/s, and the resident memory of the router and of the files subgraph sampled every 50 ms
//   (it must stay flat, not grow with the file).
// - Small-file (10 KiB) uploads per second through the router and directly.
// Printed and written to bench/results/latest-files.{md,json}. Settings as bench/run.ts (BENCH_DATABASE_URL or
// TEST_DATABASE_URL, BENCH_DURATION_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS, BENCH_LOG_LEVEL).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import autocannon from 'autocannon';
import { expectData, send } from './load.ts';
import { benchSettings } from './measure.ts';
import { readMemory, root, waitFor, isReady, type Child } from './processes.ts';
import { writeResults } from './report.ts';
import { cleanups, runBenchmark } from './run-benchmark.ts';
import { startBenchRouter, startBenchSubgraphs } from './subgraphs.ts';

const settings = benchSettings();
const FILE_MB = Number(process.env.BENCH_FILE_MB || 200);
const SMALL_FILE_BYTES = 10 * 1024;

const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';
const CREATE_SAMPLE = 'mutation { createSample(input: { name: "bench files" }) { id } }';
const UPLOAD =
  'mutation($file: Upload!, $sampleId: ID!) { uploadFile(file: $file, attachTo: { sampleId: $sampleId }, kind: OTHER) { id size sha256 downloadUrl } }';

interface Uploaded {
  id: string;
  size: number;
  sha256: string;
  downloadUrl: string;
}

/** The multipart request's parts around the file (graphql-multipart-request-spec), for a body streamed in between. */
function multipartParts(sampleId: string, fileName: string, boundary: string) {
  const operations = JSON.stringify({ query: UPLOAD, variables: { file: null, sampleId } });
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${fileName}"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  return { head: Buffer.from(head), tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

/** Samples a process's resident memory every 50 ms while `run` runs; returns run's result and the peak RSS. */
async function withPeakRss<T>(children: Child[], run: () => Promise<T>) {
  const before = await Promise.all(children.map(async (c) => (await readMemory(c.pid)).rssKiB));
  const peak = [...before];
  const timer = setInterval(() => {
    children.forEach((c, i) => {
      readMemory(c.pid).then(
        (m) => (peak[i] = Math.max(peak[i]!, m.rssKiB)),
        () => {},
      );
    });
  }, 50);
  try {
    const result = await run();
    return {
      result,
      memory: children.map((c, i) => ({
        process: c.name,
        beforeMiB: mib(before[i]!),
        peakMiB: mib(peak[i]!),
      })),
    };
  } finally {
    clearInterval(timer);
  }
}

const mib = (kiB: number) => Math.round((kiB / 1024) * 10) / 10;
const perSecond = (bytes: number, ms: number) => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10;

async function uploadFile(
  url: string,
  token: string,
  sampleId: string,
  filePath: string,
  size: number,
): Promise<Uploaded> {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const { head, tail } = multipartParts(sampleId, path.basename(filePath), boundary);
  async function* body() {
    yield head;
    yield* createReadStream(filePath, { highWaterMark: 256 * 1024 });
    yield tail;
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${token}`,
    },
    body: Readable.from(body()) as unknown as RequestInit['body'],
    duplex: 'half',
  } as RequestInit);
  const json = (await response.json()) as { data?: { uploadFile?: Uploaded }; errors?: unknown };
  if (!json.data?.uploadFile)
    throw new Error(`upload to ${url}: HTTP ${response.status} ${JSON.stringify(json)}`);
  return json.data.uploadFile;
}

/** Streams the download to a hash; returns the hex sha256 and the bytes read. */
async function download(url: string): Promise<{ sha256: string; bytes: number }> {
  const response = await fetch(url);
  if (response.status !== 200 || !response.body) throw new Error(`download ${url}: HTTP ${response.status}`);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = process.hrtime.bigint();
  const result = await run();
  return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** Small uploads per second with autocannon: one fixed multipart body, sent again and again. */
async function smallUploads(url: string, token: string, sampleId: string) {
  const boundary = 'benchsmall';
  const { head, tail } = multipartParts(sampleId, 'small.bin', boundary);
  const body = Buffer.concat([head, randomBytes(SMALL_FILE_BYTES), tail]);
  const headers = {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'apollo-require-preflight': 'true',
    authorization: `Bearer ${token}`,
  };
  const run = (duration: number) =>
    autocannon({ url, method: 'POST', headers, body, connections: settings.connections, duration });
  await run(settings.warmupSeconds);
  const result = await run(settings.durationSeconds);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<boolean> {
  const stack = await startBenchSubgraphs({ logLevel: settings.logLevel, tokenTtlSeconds: 3600 });
  const { subgraphs } = stack;
  const {
    child: router,
    origin: routerOrigin,
    url: routerUrl,
  } = startBenchRouter(stack, settings.logLevel, {
    ROUTER_MAX_FILE_BYTES: String((FILE_MB + 10) * 1024 * 1024),
  });
  await waitFor('the router to be ready', () => isReady(`${routerOrigin}/ready`), router);

  const login = expectData('login', await send(subgraphs.auth.url, { query: LOGIN, variables: stack.admin }));
  const token = (login.json!.data!.login as { accessToken: string }).accessToken;
  const created = expectData(
    'createSample',
    await send(routerUrl, { query: CREATE_SAMPLE, headers: { authorization: `Bearer ${token}` } }),
  );
  const sampleId = (created.json!.data!.createSample as { id: string }).id;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-upload-'));
  cleanups.push({ what: 'removing the test file', run: () => rm(dir, { recursive: true, force: true }) });
  const size = FILE_MB * 1024 * 1024;
  const big = path.join(dir, `big-${FILE_MB}mb.bin`);
  const hash = createHash('sha256');
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < FILE_MB; i++) {
          const chunk = randomBytes(1024 * 1024);
          hash.update(chunk);
          yield chunk;
        }
      })(),
    ),
    createWriteStream(big),
  );
  const expected = hash.digest('hex');
  console.log(`bench: ${FILE_MB} MB file written`);

  const files = subgraphs.files;
  const large = [];
  for (const [target, url, watched] of [
    ['files subgraph (direct)', files.url, [files.child]],
    ['our router', routerUrl, [router, files.child]],
  ] as const) {
    const up = await withPeakRss([...watched], () =>
      timed(() => uploadFile(url, token, sampleId, big, size)),
    );
    if (up.result.result.sha256 !== expected) throw new Error(`${target}: stored sha256 differs`);
    const downloadUrl = new URL(up.result.result.downloadUrl);
    // Through the router: the URL as issued; direct: the same path and signature at the subgraph's origin.
    const source =
      target === 'our router'
        ? downloadUrl.toString()
        : `${files.origin}${downloadUrl.pathname}${downloadUrl.search}`;
    const down = await withPeakRss([...watched], () => timed(() => download(source)));
    if (down.result.result.sha256 !== expected) throw new Error(`${target}: downloaded bytes differ`);
    large.push({
      target,
      uploadMBps: perSecond(size, up.result.ms),
      uploadMs: Math.round(up.result.ms),
      uploadMemory: up.memory,
      downloadMBps: perSecond(size, down.result.ms),
      downloadMs: Math.round(down.result.ms),
      downloadMemory: down.memory,
    });
    console.log(
      `bench: ${target}: upload ${large.at(-1)!.uploadMBps} MB/s, download ${large.at(-1)!.downloadMBps} MB/s`,
    );
  }

  const small = [
    { target: 'files subgraph (direct)', ...(await smallUploads(files.url, token, sampleId)) },
    { target: 'our router', ...(await smallUploads(routerUrl, token, sampleId)) },
  ];

  const memoryCells = (m: { process: string; beforeMiB: number; peakMiB: number }[]) =>
    m.map((x) => `${x.process} ${x.beforeMiB} → ${x.peakMiB}`).join('; ');
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    database: stack.databaseSource,
    fileMB: FILE_MB,
    large,
    small: {
      bytes: SMALL_FILE_BYTES,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      targets: small,
    },
  };
  const markdown = [
    '# Files benchmark',
    '',
    `\`npx tsx bench/files.ts\` on ${results.date}: Node ${results.node}, ${results.cpus} × ${results.cpuModel}; ` +
      'every subgraph and the router in their own processes, files on the local disk.',
    '',
    `## One ${FILE_MB} MB file`,
    '',
    'Resident memory (MiB) before → peak during the transfer, sampled every 50 ms.',
    '',
    '| target | upload MB/s | download MB/s | memory during upload | memory during download |',
    '| --- | ---: | ---: | --- | --- |',
    ...large.map(
      (l) =>
        `| ${l.target} | ${l.uploadMBps} | ${l.downloadMBps} | ${memoryCells(l.uploadMemory)} | ${memoryCells(l.downloadMemory)} |`,
    ),
    '',
    `## ${SMALL_FILE_BYTES / 1024} KiB uploads`,
    '',
    `${settings.connections} connections, ${settings.warmupSeconds} s warm-up, ${settings.durationSeconds} s measured.`,
    '',
    '| target | uploads/s | p50 ms | p99 ms | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...small.map(
      (s) => `| ${s.target} | ${Math.round(s.requestsPerSecond)} | ${s.p50} | ${s.p99} | ${s.non2xx} |`,
    ),
    '',
  ].join('\n');
  console.log(`\n${markdown}`);
  const written = await writeResults(path.join(root, 'bench/results'), 'files', markdown, results);
  console.log(`written: ${written.map((f) => path.relative(root, f)).join(', ')}`);
  return small.every((s) => s.non2xx === 0 && s.errors === 0);
}

await runBenchmark(main);
