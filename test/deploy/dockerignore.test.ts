// What `docker build` (context: the checkout, deploy/Dockerfile's `COPY . .`) would put into the image, decided
// by .dockerignore with Docker's own matching rules (moby/patternmatcher): a pattern is anchored at the context
// root, `*` and `?` stay within one path segment, `**` spans any number of them, `!` re-includes, the last
// matching pattern wins, and a path is excluded with its parent directory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more whole segments; a trailing `**` is anything.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function loadDockerignore(): (path: string) => boolean {
  const rules = readFileSync(new URL('.dockerignore', root), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      return { negated, regexp: patternRegExp(pattern) };
    });
  const matches = (path: string) => {
    let excluded = false;
    for (const rule of rules) if (rule.regexp.test(path)) excluded = !rule.negated;
    return excluded;
  };
  // Excluded when the path, or any directory above it, is.
  return (path) => {
    const parts = path.split('/');
    return parts.some((_, i) => matches(parts.slice(0, i + 1).join('/')));
  };
}

describe('.dockerignore', () => {
  const excluded = loadDockerignore();

  it.each([
    '.data/postgres/PG_VERSION',
    '.data/postgres/superuser-password',
    '.data/files/ab/abcdef',
    'node_modules/express/package.json',
    'subgraphs/files/node_modules/x/index.js',
    'generated/prisma/auth/client.ts',
    '.git/HEAD',
    '.env',
    '.env.production',
    'deploy/.env',
    'router.log',
    'subgraphs/auth/auth.log',
    'coverage/index.html',
    'dist/router/index.js',
    'dist/.tsbuildinfo',
    'client/dist/index.js',
    'bench/results/latest-router.json',
  ])('keeps %s out of the image', (path) => {
    expect(excluded(path)).toBe(true);
  });

  it.each([
    'package.json',
    'package-lock.json',
    'codegen.ts',
    'scripts/generate.mjs',
    'prisma/auth/schema.prisma',
    'schema/supergraph.graphql',
    'router/index.ts',
    'tsconfig.json',
    'tsconfig.build.json',
    'client/operations/auth.graphql',
    'subgraphs/auth/index.ts',
    'subgraphs/auth/common-passwords.sha256',
    'deploy/postgres/create-databases.sql',
  ])('keeps %s, which the image needs', (path) => {
    expect(excluded(path)).toBe(false);
  });

  it('is the context docker-compose builds with', () => {
    const compose = readFileSync(new URL('docker-compose.yml', root), 'utf8');
    expect(compose).toMatch(/build: \{ context: \., dockerfile: deploy\/Dockerfile \}/);
    expect(readFileSync(new URL('deploy/Dockerfile', root), 'utf8')).toMatch(/^COPY \. \.$/m);
  });
});
