import type { DocumentNode } from 'graphql';

export interface DocumentCache<T> {
  /** The value for (document, key), computed once; a computation that throws is not kept. */
  get(document: DocumentNode, key: string, compute: () => T): T;
  /** Forgets everything (a new supergraph changes what the values were computed from). */
  clear(): void;
}

/**
 * What a stage computes from a parsed operation, kept as long as the document itself: Apollo Server's document
 * store hands the same DocumentNode to every request with the same query text, so a repeated operation is
 * analysed once, and an evicted document takes its entries with it. `variantsPerDocument` bounds the keys kept
 * per document (variables, scope sets), since clients choose them.
 */
export function createDocumentCache<T>(variantsPerDocument = 64): DocumentCache<T> {
  let byDocument = new WeakMap<DocumentNode, Map<string, T>>();
  return {
    get(document, key, compute) {
      let variants = byDocument.get(document);
      if (!variants) byDocument.set(document, (variants = new Map()));
      if (variants.has(key)) return variants.get(key)!;
      const value = compute();
      if (variants.size >= variantsPerDocument) variants.delete(variants.keys().next().value!);
      variants.set(key, value);
      return value;
    },
    clear() {
      byDocument = new WeakMap();
    },
  };
}
