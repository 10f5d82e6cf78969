import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { composeServices } from '@apollo/composition';
import {
  defaultPrintOptions,
  printSchema,
  shallowOrderPrintedDefinitions,
  type Schema,
} from '@apollo/federation-internals';
import { parse } from 'graphql';
import { readSupergraphMetadata } from '../router/supergraphMetadata.ts';
import { withAccessNote } from './access-notes.ts';
import { DEFAULT_PORT_BASE, PORT_OFFSETS } from './ports.ts';

/**
 * Where each subgraph listens by default: the default PORT_BASE plus its offset (scripts/ports.ts). The
 * supergraph's URLs and docker-compose use the same ports.
 */
export const defaultSubgraphPorts: Readonly<Record<string, number>> = Object.fromEntries(
  (['auth', 'samples', 'submission', 'files', 'audit', 'ai'] as const).map((name) => [
    name,
    DEFAULT_PORT_BASE + PORT_OFFSETS[`${name.toUpperCase() as Uppercase<typeof name>}_PORT`],
  ]),
);

export interface CompositionProblem {
  code: string;
  message: string;
}

export const supergraphFileName = 'supergraph.graphql';

/**
 * Ends the description of every type and field the router protects with its access note (scripts/access-notes.ts),
 * read from the composed supergraph's own directives, as the router reads them.
 */
function addAccessNotes(schema: Schema, supergraphSdl: string): void {
  const { access } = readSupergraphMetadata(supergraphSdl);
  // Every element, not only the protected ones: a note a subgraph's description carries without its directive goes.
  for (const type of schema.types()) {
    if (type.isBuiltIn) continue;
    type.description = withAccessNote(type.description, access.get(type.name) ?? []);
    if (type.kind !== 'ObjectType' && type.kind !== 'InterfaceType') continue;
    for (const field of type.fields()) {
      field.description = withAccessNote(field.description, access.get(field.coordinate) ?? []);
    }
  }
}

/**
 * Composes every `<dir>/<subgraph>.graphql` (except the supergraph itself) into supergraph SDL. The subgraph name
 * is the file name; its URL is `http://localhost:<port>/graphql` from `ports`. Protected types and fields get
 * their access note (addAccessNotes).
 */
export function composeSupergraph(
  dir: string,
  ports: Readonly<Record<string, number>> = defaultSubgraphPorts,
): { supergraphSdl: string } | { errors: CompositionProblem[] } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql') && f !== supergraphFileName)
    .sort();
  if (files.length === 0)
    return { errors: [{ code: 'NO_SUBGRAPHS', message: `no *.graphql files in ${dir}` }] };
  const errors: CompositionProblem[] = [];
  const services = [];
  for (const file of files) {
    const name = basename(file, '.graphql');
    const port = ports[name];
    if (port === undefined)
      errors.push({ code: 'UNKNOWN_SUBGRAPH', message: `${file}: no port for subgraph "${name}"` });
    try {
      const typeDefs = parse(readFileSync(join(dir, file), 'utf8'));
      services.push({ name, url: `http://localhost:${port ?? 0}/graphql`, typeDefs });
    } catch (error) {
      errors.push({ code: 'GRAPHQL_PARSE_FAILED', message: `${file}: ${(error as Error).message}` });
    }
  }
  if (errors.length > 0) return { errors };
  const result = composeServices(services);
  if (result.errors) {
    return {
      errors: result.errors.map((e) => ({
        code: String(e.extensions.code ?? 'COMPOSITION_ERROR'),
        message: e.message,
      })),
    };
  }
  addAccessNotes(result.schema, result.supergraphSdl);
  // Printed as composition prints it.
  const supergraphSdl = printSchema(result.schema, shallowOrderPrintedDefinitions(defaultPrintOptions));
  return { supergraphSdl: `${supergraphSdl.trimEnd()}\n` };
}

function main(): void {
  const dir = resolve(process.argv[2] ?? 'schema');
  const result = composeSupergraph(dir);
  if ('errors' in result) {
    for (const { code, message } of result.errors) console.error(`${code}: ${message.replace(/\n/g, ' ')}`);
    process.exit(1);
  }
  writeFileSync(join(dir, supergraphFileName), result.supergraphSdl);
  console.log(`wrote ${join(dir, supergraphFileName)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
