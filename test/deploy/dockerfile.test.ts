// deploy/Dockerfile, read as Docker reads it (instructions per stage; no daemon needed): the image that runs is
// the compiled app under plain node with production dependencies only, as a non-root user, with the files
// volume's directory its own. (test/deploy/build.int.test.ts runs the same dist/ commands under plain node.)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface Stage {
  name: string | undefined;
  instructions: { keyword: string; args: string }[];
}

function readStages(): Stage[] {
  const text = readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(trimmed) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1], instructions: [] });
    }
    stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const stages = readStages();
const final = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build')!;
const argsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('deploy/Dockerfile', () => {
  it('builds in a stage of its own and prunes the dev dependencies there', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = argsOf(build, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
  });

  it('runs the compiled router with plain node, no TypeScript loader in the final stage', () => {
    const [cmd] = argsOf(final, 'CMD');
    expect(JSON.parse(cmd!)).toEqual(['node', 'dist/router/index.js']);
    expect(final.instructions.map((i) => i.args).join('\n')).not.toMatch(/tsx|\.ts\b/);
  });

  it('copies only from the build stage what it produced, or what the checkout holds', () => {
    const copies = argsOf(final, 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy).toMatch(/^--from=build\s/);
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        const relative = source.replace(/^\/app\//, '');
        // Produced in the build stage (npm ci, its postinstall, npm run build), or committed.
        const produced = ['node_modules', 'dist', 'generated/client/persisted-documents.json'];
        expect(produced.includes(relative) || existsSync(path.join(root, relative)), source).toBe(true);
      }
    }
  });

  it('runs as the node user, owner of the files directory it points FILES_DIR at', () => {
    expect(argsOf(final, 'USER')).toEqual(['node']);
    expect(argsOf(final, 'ENV').join(' ')).toMatch(/\bFILES_DIR=\/var\/lib\/nanopore\/files\b/);
    expect(argsOf(final, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    const runs = argsOf(final, 'RUN').join('\n');
    expect(runs).toMatch(/mkdir -p \/var\/lib\/nanopore\/files/);
    expect(runs).toMatch(/chown node:node \/var\/lib\/nanopore\/files/);
    // USER comes after the RUN that needs root.
    const keywords = final.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('USER')).toBeGreaterThan(keywords.lastIndexOf('RUN'));
  });
});
