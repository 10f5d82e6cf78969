// The benchmark's supergraph, composed at run time from the four subgraphs' SDL (bench/federation/subgraphs/*.graphql)
// with the subgraphs' actual URLs, into a temporary file that every gateway reads.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPH_NAMES, type SubgraphName } from './subgraphs/resolvers.ts';

export function composeBenchSupergraph(urls: Record<SubgraphName, string>): string {
  const services = SUBGRAPH_NAMES.map((name) => ({
    name,
    url: urls[name],
    typeDefs: parse(readFileSync(new URL(`./subgraphs/${name}.graphql`, import.meta.url), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors)
    throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.supergraphSdl;
}

/** Writes the supergraph into a fresh temporary directory; returns the file and how to remove it. */
export async function writeSupergraphFile(
  sdl: string,
): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-federation-'));
  const file = path.join(dir, 'supergraph.graphql');
  await writeFile(file, sdl);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
