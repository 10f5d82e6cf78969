// Retrieval over Chroma (types.ts): two collections per embedder, accepted submissions (one document each, its
// verified values in the metadata) and the facility vocabulary (one record per spelling). Vectors come from our
// Embedder, never from Chroma. Connects lazily: the ai subgraph starts while Chroma is down, and retrieval calls
// fail with RetrievalUnavailableError(VECTOR_STORE_UNAVAILABLE) until it is back.
import { createHash } from 'node:crypto';
import { ChromaClient, type Collection, type Metadata, type Where } from 'chromadb';
import { submissionAcceptedSchema, type SubmissionAccepted } from '../../kit/extraction-wire.ts';
import type { Logger } from '../../kit/logger.ts';
import { normaliseText, type Embedder } from './embeddings.ts';
import { RetrievalInputError, RetrievalUnavailableError } from './errors.ts';
import { MAX_FIRST, MAX_QUERY_CHARS, MAX_TERM_CHARS } from './limits.ts';
import type { Retrieval, RetrievalStatus, SimilarSubmission, Suggestion, VocabularyField } from './types.ts';
import { SEED_VOCABULARY, VOCABULARY_VERSION } from './vocabulary.ts';

export interface RetrievalOptions {
  /** e.g. http://127.0.0.1:8000 */
  chromaUrl: string;
  embedder: Embedder;
  log: Logger;
  /** Budget of each Chroma call. @default 10_000 */
  timeoutMs?: number;
  /** Starts every collection name (tests and benches keep theirs apart). @default ai */
  collectionPrefix?: string;
}

interface Collections {
  submissions: Collection;
  vocabulary: Collection;
}

/** Records per upsert call (Chroma's own limit is far above; this keeps one request small). */
const UPSERT_BATCH = 256;

/** Vocabulary records fetched per wanted suggestion: several spellings of one term may come first. */
const SPELLINGS_PER_SUGGESTION = 4;

/** The text a submission is embedded as: its values with their names, so a query in words meets them. */
export function describeSubmission(values: SubmissionAccepted): string {
  const line = (name: string, value: string | null | undefined | string[]) => {
    const text = Array.isArray(value) ? value.join(', ') : value;
    return text ? `${name}: ${text}` : null;
  };
  return [
    line('Lab', values.lab),
    line('Service', values.serviceRequested),
    line('Library kit', values.libraryKit),
    line('Sample types', values.sampleTypes),
    line('Organism', values.sourceOrganism),
    line('Sample buffers', values.sampleBuffers),
    line('Flow cells', values.flowCellFormats),
    line('Genome size', values.approxGenomeSize),
    line('Coverage', values.approxCoverage),
    line('Samples', String(values.sampleCount)),
    line('Comments', values.comments),
  ]
    .filter((l): l is string => l !== null)
    .join('\n');
}

/** Collection names allow letters, digits, `-` and `_`; an embedder's name may hold `:` or `/`. */
function slug(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (cleaned.length <= 60) return cleaned;
  return `${cleaned.slice(0, 48)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** One id per field and spelling (as normalised), so a spelling seen twice is one record. */
function spellingId(field: VocabularyField, spelling: string): string {
  const digest = createHash('sha256')
    .update(`${field}\n${normaliseText(spelling)}`)
    .digest('hex');
  return `${field}-${digest.slice(0, 32)}`;
}

interface SpellingRecord {
  id: string;
  field: VocabularyField;
  value: string;
  spelling: string;
  source: 'seed' | 'accepted';
}

function seedRecords(): SpellingRecord[] {
  const records = new Map<string, SpellingRecord>();
  for (const term of SEED_VOCABULARY) {
    for (const spelling of [term.value, ...term.aliases]) {
      const id = spellingId(term.field, spelling);
      if (!records.has(id))
        records.set(id, { id, field: term.field, value: term.value, spelling, source: 'seed' });
    }
  }
  return [...records.values()];
}

/** The spellings an accepted submission used, per vocabulary field (free text longer than a term left out). */
function acceptedSpellings(values: SubmissionAccepted): [VocabularyField, string][] {
  const pairs: [VocabularyField, string | null | undefined][] = [
    ['LIBRARY_KIT', values.libraryKit],
    ['ORGANISM', values.sourceOrganism],
    ...values.sampleTypes.map((v): [VocabularyField, string] => ['SAMPLE_TYPE', v]),
    ...values.sampleBuffers.map((v): [VocabularyField, string] => ['SAMPLE_BUFFER', v]),
    ...values.flowCellFormats.map((v): [VocabularyField, string] => ['FLOW_CELL', v]),
  ];
  return pairs
    .map(([field, value]): [VocabularyField, string] => [field, (value ?? '').trim()])
    .filter(([, value]) => value.length > 0 && value.length <= MAX_TERM_CHARS && normaliseText(value));
}

/** Cosine distance (0..2) as a 0..1 closeness. */
const scoreOf = (distance: number | null | undefined) => Math.max(0, Math.min(1, 1 - (distance ?? 1)));

function checkQuery(text: string, first: number): void {
  if (text.length > MAX_QUERY_CHARS)
    throw new RetrievalInputError(
      'TEXT_TOO_LONG',
      `text: at most ${MAX_QUERY_CHARS} characters (got ${text.length})`,
    );
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST)
    throw new RetrievalInputError('FIRST_OUT_OF_RANGE', `first: a whole number from 1 to ${MAX_FIRST}`);
}

function chromaClient(chromaUrl: string): ChromaClient {
  const url = new URL(chromaUrl);
  const ssl = url.protocol === 'https:';
  return new ChromaClient({ host: url.hostname, port: Number(url.port || (ssl ? 443 : 80)), ssl });
}

export function createRetrieval(options: RetrievalOptions): Retrieval {
  const { embedder, log } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const prefix = options.collectionPrefix ?? 'ai';
  const client = chromaClient(options.chromaUrl);
  const seed = seedRecords();
  const seedIds = new Set(seed.map((r) => r.id));
  let collections: Promise<Collections> | null = null;

  /** Runs one Chroma call within the time budget; any failure is the vector store being unavailable. */
  async function chroma<T>(what: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RetrievalUnavailableError(
              'VECTOR_STORE_UNAVAILABLE',
              `Chroma did not answer ${what} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (error) {
      // A restarted or emptied Chroma has other collection ids: look them up again next time.
      collections = null;
      if (error instanceof RetrievalUnavailableError) throw error;
      log.warn({ err: error, chromaUrl: options.chromaUrl }, `Chroma failed ${what}`);
      throw new RetrievalUnavailableError(
        'VECTOR_STORE_UNAVAILABLE',
        `the vector store is unavailable (${what})`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function names(): Promise<{ submissions: string; vocabulary: string }> {
    const suffix = `${slug(embedder.name)}-${await embedder.dimensions()}`;
    return {
      submissions: `${prefix}-submissions-${suffix}`,
      vocabulary: `${prefix}-vocabulary-${suffix}`,
    };
  }

  async function upsertSpellings(collection: Collection, records: SpellingRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += UPSERT_BATCH) {
      const batch = records.slice(i, i + UPSERT_BATCH);
      const embeddings = await embedder.embed(batch.map((r) => r.spelling));
      await chroma('adding vocabulary', () =>
        collection.upsert({
          ids: batch.map((r) => r.id),
          embeddings,
          documents: batch.map((r) => r.spelling),
          metadatas: batch.map((r) => ({ field: r.field, value: r.value, source: r.source })),
        }),
      );
    }
  }

  async function openCollections(): Promise<Collections> {
    const { submissions: submissionsName, vocabulary: vocabularyName } = await names();
    const metadata = {
      'hnsw:space': 'cosine',
      embedder: embedder.name,
      dimensions: await embedder.dimensions(),
    };
    const open = (name: string) =>
      chroma(`opening ${name}`, () =>
        client.getOrCreateCollection({ name, metadata, embeddingFunction: null }),
      );
    const opened = { submissions: await open(submissionsName), vocabulary: await open(vocabularyName) };
    // Idempotent (ids per spelling): a restart re-seeds in a fraction of a second and adds new seed terms.
    await upsertSpellings(opened.vocabulary, seed);
    log.info(
      { vocabulary: vocabularyName, submissions: submissionsName, seed: VOCABULARY_VERSION },
      'retrieval collections ready',
    );
    return opened;
  }

  function ready(): Promise<Collections> {
    if (!collections) {
      const opening = openCollections();
      collections = opening;
      opening.catch(() => {
        if (collections === opening) collections = null;
      });
    }
    return collections;
  }

  async function embedOne(text: string): Promise<number[]> {
    return (await embedder.embed([text]))[0]!;
  }

  function parseValues(raw: unknown): SubmissionAccepted | null {
    if (typeof raw !== 'string') return null;
    try {
      const parsed = submissionAcceptedSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  return {
    async indexAccepted(input) {
      const parsed = submissionAcceptedSchema.safeParse(input);
      if (!parsed.success)
        throw new RetrievalInputError('INVALID_VALUES', `values: ${parsed.error.issues[0]?.message}`);
      const values = parsed.data;
      const { submissions, vocabulary } = await ready();
      const document = describeSubmission(values);
      const embedding = await embedOne(document);
      const metadata: Metadata = {
        submissionId: values.submissionId,
        ownerId: values.ownerId,
        acceptedAt: values.acceptedAt,
        values: JSON.stringify(values),
      };
      await chroma('indexing a submission', () =>
        submissions.upsert({
          ids: [values.submissionId],
          embeddings: [embedding],
          documents: [document],
          metadatas: [metadata],
        }),
      );
      // A spelling the seed already has keeps the seed's value; a new one becomes a term of its own.
      const grown = acceptedSpellings(values)
        .map(([field, spelling]): SpellingRecord => ({
          id: spellingId(field, spelling),
          field,
          value: spelling,
          spelling,
          source: 'accepted',
        }))
        .filter((r) => !seedIds.has(r.id));
      await upsertSpellings(vocabulary, grown);
    },

    async suggest(field, text, first) {
      checkQuery(text, first);
      if (!normaliseText(text)) return [];
      const { vocabulary } = await ready();
      const embedding = await embedOne(text);
      const result = await chroma('suggesting', () =>
        vocabulary.query({
          queryEmbeddings: [embedding],
          nResults: first * SPELLINGS_PER_SUGGESTION,
          where: { field },
          include: ['metadatas', 'distances'],
        }),
      );
      const best = new Map<string, Suggestion>();
      const metadatas = result.metadatas[0] ?? [];
      const distances = result.distances[0] ?? [];
      metadatas.forEach((metadata, i) => {
        const value = metadata?.value;
        if (typeof value !== 'string') return;
        const score = scoreOf(distances[i]);
        if ((best.get(value)?.score ?? -1) < score) best.set(value, { value, field, score });
      });
      return [...best.values()].sort((a, b) => b.score - a.score).slice(0, first);
    },

    async similar({ text, first, ownerId, excludeSubmissionId }) {
      checkQuery(text, first);
      if (!normaliseText(text)) return [];
      const { submissions } = await ready();
      const embedding = await embedOne(text);
      const conditions: Where[] = [];
      if (ownerId !== undefined) conditions.push({ ownerId });
      if (excludeSubmissionId !== undefined) conditions.push({ submissionId: { $ne: excludeSubmissionId } });
      const where =
        conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { $and: conditions };
      const result = await chroma('finding similar submissions', () =>
        submissions.query({
          queryEmbeddings: [embedding],
          nResults: first,
          where,
          include: ['metadatas', 'distances'],
        }),
      );
      const found: SimilarSubmission[] = [];
      (result.metadatas[0] ?? []).forEach((metadata, i) => {
        const values = parseValues(metadata?.values);
        if (!values) {
          log.warn({ id: result.ids[0]?.[i] }, 'an indexed submission has unreadable values; skipped');
          return;
        }
        found.push({
          submissionId: values.submissionId,
          ownerId: values.ownerId,
          score: scoreOf(result.distances[0]?.[i]),
          values,
        });
      });
      return found;
    },

    async indexed(submissionId) {
      // Only uuids are ever indexed; anything else cannot be there (and is not sent to Chroma).
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(submissionId)) return null;
      const { submissions } = await ready();
      const result = await chroma('reading a submission', () =>
        submissions.get({ ids: [submissionId], include: ['metadatas'] }),
      );
      return parseValues(result.metadatas[0]?.values);
    },

    async status(): Promise<RetrievalStatus> {
      const dimensions = embedder.knownDimensions() ?? (await embedder.dimensions().catch(() => null));
      const base = {
        embeddingProvider: embedder.name,
        embeddingDimensions: dimensions ?? 0,
      };
      try {
        await chroma('its heartbeat', () => client.heartbeat());
      } catch {
        return { ...base, vectorStoreReachable: false, collections: [] };
      }
      try {
        const { submissions, vocabulary } = await ready();
        const counted = await Promise.all(
          [submissions, vocabulary].map(async (c) => ({
            name: c.name,
            count: await chroma(`counting ${c.name}`, () => c.count()),
          })),
        );
        return { ...base, vectorStoreReachable: true, collections: counted };
      } catch (error) {
        // Reachable, but the collections cannot be opened (the embedder is down, or Chroma failed meanwhile).
        const reachable = !(
          error instanceof RetrievalUnavailableError && error.code === 'VECTOR_STORE_UNAVAILABLE'
        );
        return { ...base, vectorStoreReachable: reachable, collections: [] };
      }
    },

    async close() {
      // The client holds no connections of its own (plain fetch); forget the handles.
      collections = null;
    },
  };
}
