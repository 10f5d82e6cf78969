// The manifest codegen writes for trusted documents (generated/client/persisted-documents.json) and the hashes the
// client sends agree: each key is the hex SHA-256 of its text (what Apollo's persisted-query protocol checks), and
// every generated operation document is listed under the hash it carries.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kind, parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import * as client from '../../client/index.ts';

const manifest = JSON.parse(
  readFileSync(new URL('../../generated/client/persisted-documents.json', import.meta.url), 'utf8'),
) as Record<string, string>;

const documents = Object.entries(client).filter(
  ([name, value]) => name.endsWith('Document') && value instanceof client.TypedDocumentString,
) as [string, client.TypedDocument<unknown, unknown>][];

describe('persisted documents', () => {
  test('each key is the hex SHA-256 of its text, and each text is one named operation', () => {
    expect(Object.keys(manifest).length).toBeGreaterThan(40);
    for (const [hash, text] of Object.entries(manifest)) {
      expect(createHash('sha256').update(text).digest('hex')).toBe(hash);
      const operations = parse(text).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      expect(operations).toHaveLength(1);
      expect(operations[0]!.name?.value).toBeTruthy();
    }
  });

  test('every generated document carries the hash of its manifest entry, for the same operation', () => {
    expect(documents).toHaveLength(Object.keys(manifest).length);
    for (const [name, document] of documents) {
      const hash = document.__meta__?.hash as string;
      expect(manifest[hash], name).toBeDefined();
      expect(manifest[hash]).toContain(` ${name.replace(/Document$/, '')}`);
    }
  });
});
