// `npm run schema [-- --out <file>] [--supergraph <file>]`: writes the API schema (the SDL clients see, as
// GET /graphql/schema.graphql serves it) from the committed supergraph, for integrators' own codegen. No router
// or subgraph needs to run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { apiSchemaSdl } from '../common/api-schema.ts';

const defaultSchemaOut = 'generated/schema.graphql';
const defaultSupergraph = 'schema/supergraph.graphql';

/** Writes the API schema of `supergraph` to `out` (directories created); returns the path written. */
function writeApiSchema(options: { out?: string; supergraph?: string } = {}): {
  path: string;
  bytes: number;
} {
  const path = resolve(options.out ?? defaultSchemaOut);
  const sdl = apiSchemaSdl(readFileSync(options.supergraph ?? defaultSupergraph, 'utf8'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, sdl);
  return { path, bytes: Buffer.byteLength(sdl) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { out: { type: 'string' }, supergraph: { type: 'string' } },
    });
    const { path, bytes } = writeApiSchema(values);
    console.log(`schema: wrote the API schema (${bytes} bytes) to ${path}`);
  } catch (error) {
    console.error(`schema: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
