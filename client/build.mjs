// Builds the @nanopore/client package (`npm run build` here; `npm pack` runs codegen first). The sources and the
// generated documents are staged in .build/ in the package's own layout, with nothing reaching outside it, then
// compiled to dist/ (JavaScript and declarations). The published package has no dependencies: the one type the
// generated documents import (DocumentTypeDecoration) comes from document-type.ts instead.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const generated = path.join(here, '..', 'generated', 'client');
const stage = path.join(here, '.build');
const dist = path.join(here, 'dist');

if (!existsSync(path.join(generated, 'graphql.ts'))) {
  throw new Error(`${generated}/graphql.ts is missing: run \`npm run codegen\` in the repository first`);
}

/** Replaces every `from` in a file's text, failing the build when it is not there (the layout changed). */
function rewrite(file, text, from, to) {
  if (!text.includes(from)) throw new Error(`${file}: expected to find ${from}`);
  return text.replaceAll(from, to);
}

/** Stages a source file, its relative imports of .ts files named .js as in the compiled package. */
function stageFile(name, text) {
  writeFileSync(path.join(stage, name), text.replace(/(from\s+'\.\/[^']+)\.ts'/g, "$1.js'"));
}

rmSync(stage, { recursive: true, force: true });
rmSync(dist, { recursive: true, force: true });
mkdirSync(stage);
const index = readFileSync(path.join(here, 'index.ts'), 'utf8');
stageFile('index.ts', rewrite('index.ts', index, `'../generated/client/`, `'./`));
stageFile('document-type.ts', readFileSync(path.join(here, 'document-type.ts'), 'utf8'));
const documents = readFileSync(path.join(generated, 'graphql.ts'), 'utf8');
stageFile(
  'graphql.ts',
  rewrite('graphql.ts', documents, `from '@graphql-typed-document-node/core'`, `from './document-type.ts'`),
);
copyFileSync(path.join(generated, 'persisted-documents.json'), path.join(stage, 'persisted-documents.json'));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
copyFileSync(path.join(stage, 'persisted-documents.json'), path.join(dist, 'persisted-documents.json'));
rmSync(stage, { recursive: true, force: true });

// What is published imports nothing but its own files.
for (const file of readdirSync(dist)) {
  const text = readFileSync(path.join(dist, file), 'utf8');
  for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    if (!specifier.startsWith('./')) throw new Error(`dist/${file} imports ${specifier}`);
  }
}
process.stdout.write(
  `built ${path.relative(process.cwd(), dist) || '.'}: ${readdirSync(dist).sort().join(', ')}\n`,
);
