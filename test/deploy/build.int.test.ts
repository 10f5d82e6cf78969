// `npm run build`: the app compiled to dist/ runs under plain node, as the image runs it (deploy/Dockerfile):
// no TypeScript loader, no .ts file loaded, in the main thread or in a worker. Every process is checked under a
// loader hook that refuses tsx and any .ts module (workers inherit it through execArgv), so a compiled module that
// still reached for its source fails here.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { dropDatabase, ensureDatabase, withDatabase } from '../../scripts/embedded-postgres.ts';
import { freePort } from '../../scripts/free-port.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'dist');

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'build-test-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** node's flags that load the refusing hook (written to a temp dir by beforeAll). */
let noTypeScript: string[] = [];

beforeAll(async () => {
  await run(process.execPath, ['scripts/build.mjs'], { cwd: root });
  const dir = await tempDir();
  await writeFile(
    path.join(dir, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
      if (specifier === 'tsx' || specifier.startsWith('tsx/') || /\\.[cm]?ts$/.test(specifier))
        throw new Error('compiled code loaded ' + specifier);
      return next(specifier, context);
    }\n`,
  );
  await writeFile(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
  );
  noTypeScript = ['--import', path.join(dir, 'register.mjs')];
}, 180_000);

/** The environment of a compiled process: no NODE_OPTIONS (a loader could hide there). */
function plainEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = { ...process.env, ...env };
  delete base.NODE_OPTIONS;
  return base;
}

function compiledFiles(): string[] {
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('npm run build', () => {
  test('emits the contract paths', () => {
    const expected = [
      'router/index.js',
      'scripts/start.js',
      'scripts/migrate.js',
      'scripts/lifeline.mjs',
      'subgraphs/kit/worker-boot.mjs',
      'subgraphs/audit/purge.js',
      ...['auth', 'samples', 'submission', 'files', 'audit', 'ai'].map((s) => `subgraphs/${s}/index.js`),
      ...listDomains().flatMap((d) => [`prisma/${d}/prisma.config.js`, `prisma/${d}/schema.prisma`]),
    ];
    const missing = expected.filter((file) => !existsSync(path.join(dist, file)));
    expect(missing).toEqual([]);
  });

  test('leaves no relative .ts import, and every relative import and import.meta.url path exists in dist', () => {
    const problems: string[] = [];
    // import ... from './x.js', export ... from, import('./x.js'), and new URL('./x', import.meta.url).
    const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;
    const urls = /new URL\(\s*(['"])(\.{1,2}\/[^'"]*)\1\s*,\s*import\.meta\.url\s*\)/g;
    for (const file of compiledFiles()) {
      const code = readFileSync(file, 'utf8');
      const relative = path.relative(dist, file);
      for (const [, , specifier] of code.matchAll(specifiers)) {
        if (/\.[cm]?ts$/.test(specifier!)) problems.push(`${relative}: imports ${specifier}`);
        else if (!existsSync(path.resolve(path.dirname(file), specifier!)))
          problems.push(`${relative}: ${specifier} is not in dist`);
      }
      for (const [, , target] of code.matchAll(urls)) {
        // A worker script is named by its source (.ts); kit/worker-pool.ts loads the .js beside it.
        const resolved = path.resolve(path.dirname(file), target!.replace(/\.ts$/, '.js'));
        if (!existsSync(resolved)) problems.push(`${relative}: new URL('${target}') is not in dist`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('the compiled auth subgraph answers under plain node, its Prisma client and SDL loaded from dist', async () => {
    const db = await createTestDatabase('auth');
    cleanup.push(() => db.drop());
    const port = await freePort();
    const password = `a compiled-code passphrase ${randomUUID()}`;
    const child = spawn(process.execPath, [...noTypeScript, 'dist/subgraphs/auth/index.js'], {
      cwd: root,
      env: plainEnv({
        AUTH_DATABASE_URL: db.url,
        AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        AUTH_PORT: String(port),
        ADMIN_EMAIL: 'operator@lab.test',
        ADMIN_PASSWORD: password,
        LOG_LEVEL: 'warn',
      }),
    });
    const output = collect(child);
    cleanup.push(() => stop(child));
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(`${url}/health`, child, output);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }',
        variables: { email: 'operator@lab.test', password },
      }),
    });
    const body = (await response.json()) as { data?: { login: { accessToken: string } }; errors?: unknown };
    expect(body.errors, output()).toBeUndefined();
    expect(body.data!.login.accessToken.split('.')).toHaveLength(3);
    expect(output()).not.toMatch(/compiled code loaded/);
  }, 120_000);

  test('a compiled worker pool loads its compiled worker script', async () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { DocumentWorkerPool } from '${dist}/subgraphs/submission/document-worker/pool.js';
      const pool = new DocumentWorkerPool({ size: 1, timeoutMs: 60000, memoryLimitMb: 256 });
      const bytes = readFileSync('test/fixtures/csv/nanopore-sample-submission-template.csv');
      const outcome = await pool.run({ kind: 'CSV', bytes, options: {} });
      pool.close();
      console.log(JSON.stringify(outcome.ok ? { ok: true, parsed: outcome.result.ok } : outcome));`;
    // A file, not --eval: workers inherit execArgv, and --input-type means nothing to them.
    const file = path.join(await tempDir(), 'run-worker.mjs');
    await writeFile(file, script);
    const { stdout } = await run(process.execPath, [...noTypeScript, file], {
      cwd: root,
      env: plainEnv({}),
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ ok: true, parsed: true });
  }, 120_000);

  test('node dist/scripts/migrate.js applies every migration from dist', async () => {
    const adminUrl = inject('postgresAdminUrl');
    const env: NodeJS.ProcessEnv = {};
    for (const domain of listDomains()) {
      const name = `build_${domain}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      await ensureDatabase(adminUrl, name);
      cleanup.push(() => dropDatabase(adminUrl, name));
      env[databaseUrlVariable(domain)] = withDatabase(adminUrl, name);
    }
    const { stdout } = await run(process.execPath, [...noTypeScript, 'dist/scripts/migrate.js'], {
      cwd: root,
      env: plainEnv(env),
    });
    for (const domain of listDomains()) expect(stdout).toContain(`${domain}: migrations applied`);
  }, 300_000);
});

/** Until `url` answers 200; fails with the process's output if it exits first or takes over a minute. */
async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
      throw new Error(`${url} did not answer (exit ${child.exitCode ?? child.signalCode}):\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function collect(child: ChildProcess): () => string {
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return () => output;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
