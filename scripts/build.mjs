// `npm run build`: the app as JavaScript in dist/, at the source's paths with .ts -> .js (dist/router/index.js,
// dist/subgraphs/auth/index.js, dist/scripts/start.js, ...), run with plain `node`. TypeScript compiles
// (tsconfig.build.json, incremental: a build with nothing changed takes about a second); then the files the code
// reads beside itself at run time (SDL, migrations, worker boot script, GraphiQL page, ...) are copied to the
// same places under dist/. Plain JS, like generate.mjs, so that it runs before anything is built.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

/** Directories whose non-TypeScript files the code reads through import.meta.url (schema/: the subgraphs' SDL). */
const assetDirs = ['router', 'subgraphs', 'common', 'scripts', 'prisma', 'schema'];
/** Documentation, and TypeScript, which the compiler has emitted. */
const notAnAsset = (file) => file.endsWith('.ts') || file.endsWith('.md');

let copied = 0;
for (const dir of assetDirs) {
  for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || notAnAsset(entry.name)) continue;
    const from = path.join(entry.parentPath, entry.name);
    const to = path.join(dist, path.relative(root, from));
    if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied += 1;
  }
}
console.log(`built dist/ (${copied} asset${copied === 1 ? '' : 's'} copied)`);
