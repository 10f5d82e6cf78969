// Child processes: `npm run schema` writing the API schema from the committed supergraph (no router running),
// and a router whose trusted documents manifest is unusable refusing to start.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSchemaSdl } from '../../common/api-schema.ts';

const root = resolve(import.meta.dirname, '../..');
const supergraphPath = join(root, 'schema/supergraph.graphql');
// tsx by path: the scripts may run from a directory with no node_modules.
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

function run(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', tsx, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => done({ code, output }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'schema-script-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run schema', () => {
  it('writes the API schema of the committed supergraph to --out', { timeout: 60_000 }, async () => {
    const out = join(dir, 'nested/api.graphql');
    const { code, output } = await run(['scripts/schema.ts', '--out', out]);
    expect(output).toContain(`wrote the API schema`);
    expect(code).toBe(0);
    const sdl = await readFile(out, 'utf8');
    expect(sdl).toBe(apiSchemaSdl(await readFile(supergraphPath, 'utf8')));
    for (const internal of ['join__', 'link__', '@link', '@join', 'directive @'])
      expect(sdl).not.toContain(internal);
    // Descriptions kept, and the whole graph is there.
    expect(sdl).toContain('"""OK or DEGRADED."""');
    const schema = buildSchema(sdl);
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(
      expect.arrayContaining(['me', 'samples', 'auditEvents']),
    );
  });

  it(
    'writes generated/schema.graphql by default, relative to where it runs',
    { timeout: 60_000 },
    async () => {
      const { code } = await run([join(root, 'scripts/schema.ts'), '--supergraph', supergraphPath], {
        cwd: dir,
      });
      expect(code).toBe(0);
      expect(await readFile(join(dir, 'generated/schema.graphql'), 'utf8')).toBe(
        apiSchemaSdl(await readFile(supergraphPath, 'utf8')),
      );
    },
  );

  it('fails with a message when the supergraph cannot be read', { timeout: 60_000 }, async () => {
    const { code, output } = await run(['scripts/schema.ts', '--supergraph', join(dir, 'nope.graphql')]);
    expect(code).toBe(1);
    expect(output).toMatch(/^schema: ENOENT/m);
  });
});

describe('a router with an unusable trusted documents manifest', () => {
  it('does not start, and says which variable', { timeout: 60_000 }, async () => {
    const manifest = join(dir, 'persisted-documents.json');
    await writeFile(manifest, '{"sha256:abc": 42}');
    const { code, output } = await run(['router/index.ts', '--port', '0'], {
      env: { ROUTER_TRUSTED_DOCUMENTS: 'enforce', ROUTER_TRUSTED_DOCUMENTS_MANIFEST: manifest },
    });
    expect(code).toBe(1);
    expect(output).toContain('router: invalid configuration');
    expect(output).toContain(
      `ROUTER_TRUSTED_DOCUMENTS_MANIFEST: ${manifest}: the document "sha256:abc" is not a string (needed by ROUTER_TRUSTED_DOCUMENTS=enforce)`,
    );
  });
});
