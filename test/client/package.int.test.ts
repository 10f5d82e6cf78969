// The @nanopore/client package as an integrator gets it: built and packed from client/, installed from the tarball
// into a project outside the repository (offline: it has no dependencies), a TypeScript script type-checked
// against the package's declarations, compiled, and run against the whole stack through the router.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const run = promisify(execFile);
const clientDir = fileURLToPath(new URL('../../client/', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * The integrator's script. Lines marked @ts-expect-error must fail to type-check (tsc fails on an unused one):
 * the package's types are real, not `any`.
 */
const consumer = `
import {
  createClient,
  CreateSampleDocument,
  DashboardDocument,
  GraphQLRequestError,
  LoginDocument,
  LookUpIdentifiersDocument,
  MeDocument,
  SamplesDocument,
  type LookUpIdentifiersQuery,
  type SampleFieldsFragment,
} from '@nanopore/client';

declare const process: { env: Record<string, string | undefined> };
const url = process.env.ROUTER_URL!;

const { login } = await createClient({ url }).request(LoginDocument, {
  email: process.env.EMAIL!,
  password: process.env.PASSWORD!,
});
const expiresAt: string = login.expiresAt; // DateTime arrives as an ISO string, typed as one
const client = createClient({ url, accessToken: () => login.accessToken });

const { me } = await client.request(MeDocument);
const createdAt: string | undefined = me?.createdAt;
// @ts-expect-error: no such field in the Me document
void me?.password;

const labSampleId = 'PKG-' + Date.now();
const { createSample } = await client.request(CreateSampleDocument, {
  input: { name: 'From the package', labSampleId, priority: 'HIGH' },
});
const { samples } = await client.request(SamplesDocument, { filter: { search: labSampleId }, first: 5 });
const found: SampleFieldsFragment[] = samples.edges.map((e) => e.node);

function neverCalled() {
  // @ts-expect-error: first is an Int
  void client.request(SamplesDocument, { first: 'ten' });
  // @ts-expect-error: an unknown priority
  void client.request(CreateSampleDocument, { input: { name: 'x', priority: 'WHENEVER' } });
  // @ts-expect-error: the variables are required
  void client.request(CreateSampleDocument);
}
void neverCalled;

// One field fails (an identifier over its limit), the other resolves: both arrive.
const variables = { labSampleId, quoteIdentifier: 'Q'.repeat(5000) };
const partial = await client.execute(LookUpIdentifiersDocument, variables);
const partialSample = partial.data?.sampleByLabId?.labSampleId;
let thrown: { codes: string[]; data: LookUpIdentifiersQuery | null } | undefined;
try {
  await client.request(LookUpIdentifiersDocument, variables);
} catch (error) {
  if (error instanceof GraphQLRequestError) {
    thrown = { codes: error.codes, data: error.data as LookUpIdentifiersQuery | null };
  }
}

// Persisted queries: the hash alone; the router learns the text once (Apollo's protocol) unless it knows it.
const bodies: Record<string, unknown>[] = [];
const hashOnly = createClient({
  url,
  accessToken: login.accessToken,
  persistedQueries: 'hash-only',
  fetch: (input, init) => {
    bodies.push(JSON.parse(init.body) as Record<string, unknown>);
    return fetch(input, init);
  },
});
const first = await hashOnly.request(DashboardDocument);
const sentFirst = bodies.length;
const again = await hashOnly.request(DashboardDocument);

console.log(
  JSON.stringify({
    expiresAt,
    me: { email: me?.email, createdAt },
    created: { id: createSample.id, createdAt: createSample.createdAt, priority: createSample.priority },
    found: found.map((s) => s.id),
    partial: { data: partial.data, errors: partial.errors, status: partial.status, partialSample },
    thrown,
    hashOnly: { bodies, sentFirst, totals: [first.dashboard.total, again.dashboard.total] },
  }),
);
`;

const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    types: [],
    outDir: 'out',
  },
  files: ['consumer.ts'],
};

let stack: TestStack;
let project: string;
let packedFiles: string[];
beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'client-consumer-'));
  const packed = (async () => {
    await run(process.execPath, [path.join(clientDir, 'build.mjs')], { cwd: clientDir });
    // The build ran above; `npm pack` alone also runs codegen first (prepack), which would rewrite generated/
    // under the other tests' feet.
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', project],
      {
        cwd: clientDir,
      },
    );
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const tarball = path.join(project, info!.filename);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project });
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    await writeFile(path.join(project, 'consumer.ts'), consumer);
    return info!.files.map((f) => f.path).sort();
  })();
  const [files] = await Promise.all([packed, startTestStack().then((s) => (stack = s))]);
  packedFiles = files;
}, 240_000);
afterAll(async () => {
  await stack?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the client package', () => {
  test('packs its build, declarations and manifest, with no dependencies', async () => {
    expect(packedFiles).toEqual([
      'README.md',
      'dist/document-type.d.ts',
      'dist/document-type.js',
      'dist/graphql.d.ts',
      'dist/graphql.js',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/persisted-documents.json',
      'package.json',
    ]);
    const installed = JSON.parse(
      await readFile(path.join(project, 'node_modules/@nanopore/client/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(installed.dependencies).toBeUndefined();
    // The manifest a trusted-documents router reads is the one the package sends hashes from.
    expect(
      await readFile(
        path.join(project, 'node_modules/@nanopore/client/dist/persisted-documents.json'),
        'utf8',
      ),
    ).toBe(
      await readFile(new URL('../../generated/client/persisted-documents.json', import.meta.url), 'utf8'),
    );
  });

  test(
    'a TypeScript project outside the repository type-checks against it and uses it through the router',
    { timeout: 180_000 },
    async () => {
      // Type errors (including an unused @ts-expect-error) fail here.
      await run(process.execPath, [tsc, '-p', project], { cwd: project });
      const { stdout } = await run(process.execPath, [path.join(project, 'out/consumer.js')], {
        cwd: project,
        env: {
          ...process.env,
          ROUTER_URL: stack.routerUrl,
          EMAIL: stack.admin.email,
          PASSWORD: stack.admin.password,
        },
      });
      const result = JSON.parse(stdout);
      const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
      expect(result.expiresAt).toMatch(iso);
      expect(result.me).toEqual({ email: stack.admin.email, createdAt: expect.stringMatching(iso) });
      expect(result.created).toMatchObject({ createdAt: expect.stringMatching(iso), priority: 'HIGH' });
      expect(result.found).toEqual([result.created.id]);

      // Partial data: the sample arrived, the over-long quote id is an error on its own path.
      expect(result.partial.status).toBe(200);
      expect(result.partial.partialSample).toMatch(/^PKG-/);
      expect(result.partial.data).toMatchObject({
        sampleByLabId: { id: result.created.id },
        submissionByQuoteId: null,
      });
      expect(result.partial.errors).toEqual([
        expect.objectContaining({
          path: ['submissionByQuoteId'],
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      ]);
      expect(result.thrown).toEqual({ codes: ['BAD_USER_INPUT'], data: result.partial.data });

      // Hash only: the first request carries no text; the router either knows the hash or asks for the text once.
      const { bodies, sentFirst, totals } = result.hashOnly;
      expect(bodies[0].query).toBeUndefined();
      expect(bodies[0].extensions.persistedQuery.sha256Hash).toMatch(/^[0-9a-f]{64}$/);
      expect(sentFirst).toBeLessThanOrEqual(2);
      expect(bodies.at(-1).query).toBeUndefined();
      expect(totals[0]).toBeGreaterThanOrEqual(1);
    },
  );
});
