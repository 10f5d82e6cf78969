// Text to vectors, for Chroma, which is given every vector explicitly (its default embedding function would
// download a model). Two embedders: a built-in one that needs nothing (hashed character n-grams: good at
// misspellings and abbreviations of kit codes and organism names, blind to synonyms), and Ollama's /api/embed
// when OLLAMA_HOST and OLLAMA_EMBED_MODEL are set.
import { Ollama } from 'ollama';
import { z } from 'zod';
import { RetrievalUnavailableError } from './errors.ts';
import { EMBED_BATCH } from './limits.ts';

export interface Embedder {
  /** Shown in aiStatus and part of every collection's name: `local-hashed-ngrams-v1`, `ollama:nomic-embed-text`. */
  readonly name: string;
  /** Vector length. Ollama's is learned from its first answer (a throwaway embedding when asked first). */
  dimensions(): Promise<number>;
  /** The length once known, without asking anyone (for status while the embedder is down). */
  knownDimensions(): number | null;
  /** One L2-normalised vector per text, in order. Throws RetrievalUnavailableError(EMBEDDER_UNAVAILABLE). */
  embed(texts: string[]): Promise<number[][]>;
}

export const LOCAL_EMBEDDER_NAME = 'local-hashed-ngrams-v1';
const LOCAL_DIMENSIONS = 384;

/** Lower case, accents dropped, anything but letters and digits a single space. */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** FNV-1a, 32 bits; `seed` varies the hash for the sign. */
function fnv1a(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The features of a text with their weights: character 2-, 3- and 4-grams over the whole normalised text with
 * spaces as word edges (so "nuclease free" and "nucleasefree" share most), and each word whole. A word mixing
 * letters and digits also counts its parts ("lsk114": "lsk", "114"), so "LSK 114" finds "SQK-LSK114".
 */
function features(text: string): Map<string, number> {
  const normal = normaliseText(text);
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  const padded = ` ${normal} `;
  for (const n of [2, 3, 4]) {
    const weight = n === 2 ? 0.5 : 1;
    for (let i = 0; i + n <= padded.length; i++) add(`${n}:${padded.slice(i, i + n)}`, weight);
  }
  for (const word of normal.split(' ').filter(Boolean)) {
    add(`w:${word}`, 1);
    const parts = word.match(/[a-z]+|[0-9]+/g) ?? [];
    if (parts.length > 1) for (const part of parts) add(`w:${part}`, 0.5);
  }
  return counts;
}

function l2Normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  // An empty text has no features; a fixed unit vector keeps cosine distance defined.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((x) => x / norm);
}

/** The feature-hashing embedding: each feature adds ±weight at a hashed position (the sign halves collisions). */
export function hashedNgramVector(text: string, dimensions = LOCAL_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, weight] of features(text)) {
    const index = fnv1a(feature, 0) % dimensions;
    const sign = fnv1a(feature, 0x5bd1e995) & 1 ? 1 : -1;
    vector[index]! += sign * weight;
  }
  return l2Normalise(vector);
}

export function createLocalEmbedder(): Embedder {
  return {
    name: LOCAL_EMBEDDER_NAME,
    dimensions: async () => LOCAL_DIMENSIONS,
    knownDimensions: () => LOCAL_DIMENSIONS,
    embed: async (texts) => texts.map((text) => hashedNgramVector(text)),
  };
}

export interface OllamaEmbedderOptions {
  /** e.g. http://127.0.0.1:11434 */
  host: string;
  /** e.g. nomic-embed-text */
  model: string;
  /** Per request. */
  timeoutMs: number;
}

/** Longest vector believed from Ollama; anything longer is not an embedding model's answer. */
const MAX_OLLAMA_DIMENSIONS = 8192;

const embedResponseSchema = z.object({
  embeddings: z.array(z.array(z.number().finite()).min(1).max(MAX_OLLAMA_DIMENSIONS)),
});

export function createOllamaEmbedder(options: OllamaEmbedderOptions): Embedder {
  // The client's own fetch, with a time budget per request (the client has no timeout of its own).
  const client = new Ollama({
    host: options.host,
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        signal: init?.signal
          ? AbortSignal.any([init.signal, AbortSignal.timeout(options.timeoutMs)])
          : AbortSignal.timeout(options.timeoutMs),
      }),
  });
  let dimensions: number | null = null;
  const unavailable = (message: string, cause?: unknown) =>
    new RetrievalUnavailableError(
      'EMBEDDER_UNAVAILABLE',
      `Ollama embeddings (${options.model}): ${message}`,
      { cause },
    );

  async function embedBatch(texts: string[]): Promise<number[][]> {
    let answer: unknown;
    try {
      answer = await client.embed({ model: options.model, input: texts, truncate: true });
    } catch (error) {
      throw unavailable(error instanceof Error ? error.message : String(error), error);
    }
    const parsed = embedResponseSchema.safeParse(answer);
    if (!parsed.success) throw unavailable('the answer is not a list of embeddings');
    const vectors = parsed.data.embeddings;
    if (vectors.length !== texts.length)
      throw unavailable(`asked for ${texts.length} embeddings, got ${vectors.length}`);
    const length = dimensions ?? vectors[0]!.length;
    if (vectors.some((v) => v.length !== length))
      throw unavailable(`embeddings of ${length} dimensions expected`);
    dimensions = length;
    return vectors.map(l2Normalise);
  }

  const embed = async (texts: string[]) => {
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH)
      vectors.push(...(await embedBatch(texts.slice(i, i + EMBED_BATCH))));
    return vectors;
  };

  return {
    name: `ollama:${options.model}`,
    dimensions: async () => dimensions ?? (await embed(['dimensions']))[0]!.length,
    knownDimensions: () => dimensions,
    embed,
  };
}
