import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, supergraphFileName } from '../../scripts/compose.ts';

const schemaDir = join(import.meta.dirname, '..', '..', 'schema');
const subgraphFiles = existsSync(schemaDir)
  ? readdirSync(schemaDir).filter((f) => f.endsWith('.graphql') && f !== supergraphFileName)
  : [];

describe('schema/supergraph.graphql', () => {
  it.skipIf(subgraphFiles.length === 0)(
    'equals a fresh composition of schema/*.graphql (run `npm run compose`)',
    () => {
      const result = composeSupergraph(schemaDir);
      expect('errors' in result ? result.errors : []).toEqual([]);
      const committed = join(schemaDir, supergraphFileName);
      expect(existsSync(committed), 'schema/supergraph.graphql is missing: run `npm run compose`').toBe(true);
      if ('supergraphSdl' in result) {
        expect(
          readFileSync(committed, 'utf8'),
          'schema/supergraph.graphql is stale: run `npm run compose`',
        ).toBe(result.supergraphSdl);
      }
    },
  );
});

describe('composeSupergraph', () => {
  it('reports composition errors with their codes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])';
      writeFileSync(join(dir, 'auth.graphql'), `${link}\ntype Query { a: String }\ntype Thing { id: ID! }`);
      writeFileSync(
        join(dir, 'samples.graphql'),
        `${link}\ntype Query { b: Int }\ntype Thing { id: String! }`,
      );
      const result = composeSupergraph(dir);
      expect('errors' in result && result.errors.map((e) => e.code)).toContain('INVALID_FIELD_SHARING');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names subgraphs after their files, with URLs from the port table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])';
      writeFileSync(join(dir, 'audit.graphql'), `${link}\ntype Query { a: String }`);
      writeFileSync(join(dir, 'unknown.graphql'), `${link}\ntype Query { b: String }`);
      expect(composeSupergraph(dir)).toEqual({
        errors: [{ code: 'UNKNOWN_SUBGRAPH', message: 'unknown.graphql: no port for subgraph "unknown"' }],
      });
      rmSync(join(dir, 'unknown.graphql'));
      const result = composeSupergraph(dir);
      expect('supergraphSdl' in result && result.supergraphSdl).toContain(
        'AUDIT @join__graph(name: "audit", url: "http://localhost:4005/graphql")',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
