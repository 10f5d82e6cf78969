// Retrieval against a real Chroma server (the one from node_modules, in a temp directory) with the built-in
// embedding: the vocabulary is seeded and suggests; accepted submissions are indexed once each, found by meaning,
// filtered by owner, and grow the vocabulary; inputs are bounded.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestChroma, type TestChroma } from '../../../test/helpers/chroma.ts';
import type { SubmissionAccepted } from '../../kit/extraction-wire.ts';
import { startChromaServer } from './chroma-server.ts';
import { createLocalEmbedder, normaliseText } from './embeddings.ts';
import { RetrievalInputError } from './errors.ts';
import { MAX_FIRST, MAX_QUERY_CHARS } from './limits.ts';
import { createRetrieval } from './retrieval.ts';
import type { Retrieval } from './types.ts';
import { SEED_VOCABULARY } from './vocabulary.ts';

const log = pino({ level: 'silent' });
const alice = randomUUID();
const bob = randomUUID();

function accepted(overrides: Partial<SubmissionAccepted>): SubmissionAccepted {
  return {
    submissionId: randomUUID(),
    ownerId: alice,
    quoteIdentifier: null,
    lab: null,
    serviceRequested: null,
    libraryKit: null,
    sampleTypes: [],
    sourceOrganism: null,
    sampleBuffers: [],
    flowCellFormats: [],
    approxGenomeSize: null,
    approxCoverage: null,
    comments: null,
    sampleCount: 1,
    acceptedAt: '2026-11-30T10:00:00.000Z',
    ...overrides,
  };
}

const fungalOwn = accepted({
  lab: 'Mycology Lab',
  serviceRequested: 'Amplicon sequencing of fungal ITS regions',
  libraryKit: 'SQK-NBD114.24',
  sampleTypes: ['PCR_AMPLICONS'],
  sourceOrganism: 'Fungal ITS amplicons from soil',
  sampleBuffers: ['EB'],
  flowCellFormats: ['MINION'],
  approxCoverage: '50x',
  sampleCount: 24,
  comments: 'ITS1-ITS4 primers, about 600 bp',
});
const humanOwn = accepted({
  lab: 'Human Genetics',
  serviceRequested: 'Whole human genome sequencing',
  libraryKit: 'SQK-LSK114',
  sampleTypes: ['HMW_DNA'],
  sourceOrganism: 'Homo sapiens',
  flowCellFormats: ['PROMETHION'],
  approxGenomeSize: '3.1 Gb',
  approxCoverage: '30x',
  sampleCount: 2,
});
const fungalOther = accepted({
  ownerId: bob,
  lab: 'Plant Pathology',
  serviceRequested: 'Fungal ITS amplicon sequencing',
  libraryKit: 'SQK-RBK114.24',
  sampleTypes: ['PCR_AMPLICONS'],
  sourceOrganism: 'Fungal ITS amplicons from leaves',
  flowCellFormats: ['FLONGLE'],
  sampleCount: 12,
});

/** Spellings in the seed: the vocabulary collection's count before anything is accepted. */
const seedSpellings = new Set(
  SEED_VOCABULARY.flatMap((t) => [t.value, ...t.aliases].map((s) => `${t.field}:${normaliseText(s)}`)),
).size;

let chroma: TestChroma;
let retrieval: Retrieval;

beforeAll(async () => {
  chroma = await startTestChroma();
  retrieval = createRetrieval({ chromaUrl: chroma.url, embedder: createLocalEmbedder(), log });
});

afterAll(async () => {
  await retrieval?.close();
  await chroma?.stop();
});

const count = async (kind: 'submissions' | 'vocabulary') => {
  const status = await retrieval.status();
  return status.collections.find((c) => c.name.startsWith(`ai-${kind}-`))!.count;
};

describe('the vocabulary', () => {
  it('is seeded in collections named for the embedder and its dimensions', async () => {
    const status = await retrieval.status();
    expect(status).toMatchObject({
      embeddingProvider: 'local-hashed-ngrams-v1',
      embeddingDimensions: 384,
      vectorStoreReachable: true,
    });
    expect(status.collections).toEqual(
      expect.arrayContaining([
        { name: 'ai-submissions-local-hashed-ngrams-v1-384', count: 0 },
        { name: 'ai-vocabulary-local-hashed-ngrams-v1-384', count: seedSpellings },
      ]),
    );
  });

  it('suggests the vocabulary spelling for misspelled and abbreviated values, best first', async () => {
    const kits = await retrieval.suggest('LIBRARY_KIT', 'ligaton sequencing kit v14', 3);
    expect(kits[0]!.value).toBe('SQK-LSK114');
    expect(kits).toHaveLength(3);
    expect(kits.every((s) => s.field === 'LIBRARY_KIT' && s.score > 0 && s.score <= 1)).toBe(true);
    expect(kits.map((s) => s.score)).toEqual([...kits.map((s) => s.score)].sort((a, b) => b - a));
    expect(new Set(kits.map((s) => s.value)).size).toBe(3);

    expect((await retrieval.suggest('ORGANISM', 'E coli', 1))[0]!.value).toBe('Escherichia coli');
    expect((await retrieval.suggest('FLOW_CELL', 'FLO-PRO114M', 1))[0]!.value).toBe('PROMETHION');
    expect((await retrieval.suggest('SAMPLE_BUFFER', 'nuclease free water', 1))[0]!.value).toBe(
      'NUCLEASE_FREE_WATER',
    );
  });

  it('keeps fields apart: a kit query on organisms finds only organisms', async () => {
    const organisms = await retrieval.suggest('ORGANISM', 'SQK-LSK114', 5);
    expect(organisms.every((s) => s.field === 'ORGANISM')).toBe(true);
    expect(organisms.map((s) => s.value)).not.toContain('SQK-LSK114');
  });

  it('answers nothing for text with no letters or digits', async () => {
    expect(await retrieval.suggest('ORGANISM', '  -- ', 3)).toEqual([]);
  });
});

describe('accepted submissions', () => {
  beforeAll(async () => {
    for (const values of [fungalOwn, humanOwn, fungalOther]) await retrieval.indexAccepted(values);
  });

  it('are found by meaning, with the values they were indexed with', async () => {
    const found = await retrieval.similar({ text: 'fungal ITS amplicons', first: 3 });
    expect(
      found
        .map((f) => f.submissionId)
        .slice(0, 2)
        .sort(),
    ).toEqual([fungalOwn.submissionId, fungalOther.submissionId].sort());
    expect(found[2]!.submissionId).toBe(humanOwn.submissionId);
    expect(found[0]!.score).toBeGreaterThan(found[2]!.score);
    expect(found.find((f) => f.submissionId === fungalOther.submissionId)).toMatchObject({
      ownerId: bob,
      values: fungalOther,
    });
  });

  it("are filtered to one owner's for a SUBMITTER, and exclude the submission asked about", async () => {
    const own = await retrieval.similar({ text: 'fungal ITS amplicons', first: 10, ownerId: alice });
    expect(own.map((f) => f.ownerId)).toEqual([alice, alice]);
    expect(own[0]!.submissionId).toBe(fungalOwn.submissionId);

    const others = await retrieval.similar({
      text: 'fungal ITS amplicons',
      first: 10,
      excludeSubmissionId: fungalOwn.submissionId,
    });
    expect(others.map((f) => f.submissionId)).not.toContain(fungalOwn.submissionId);
    expect(others).toHaveLength(2);

    const both = await retrieval.similar({
      text: 'fungal ITS amplicons',
      first: 10,
      ownerId: alice,
      excludeSubmissionId: fungalOwn.submissionId,
    });
    expect(both.map((f) => f.submissionId)).toEqual([humanOwn.submissionId]);
    expect(await retrieval.similar({ text: 'fungal', first: 5, ownerId: randomUUID() })).toEqual([]);
  });

  it('are one document each: indexing again replaces, a correction included', async () => {
    const vocabularyBefore = await count('vocabulary');
    await retrieval.indexAccepted(fungalOwn);
    const corrected = { ...fungalOwn, libraryKit: 'SQK-NBD114.96', sampleCount: 96 };
    await retrieval.indexAccepted(corrected);
    expect(await count('submissions')).toBe(3);
    expect(await retrieval.indexed(fungalOwn.submissionId)).toEqual(corrected);
    // SQK-NBD114.96 is a seed spelling: nothing new in the vocabulary.
    expect(await count('vocabulary')).toBe(vocabularyBefore);
  });

  it('grow the vocabulary with the spellings they used, once', async () => {
    // The three accepted organisms 'Fungal ITS amplicons from soil/leaves' are new; Homo sapiens is seeded.
    expect(await count('vocabulary')).toBe(seedSpellings + 2);
    const niger = accepted({ sourceOrganism: 'Aspergillus niger', libraryKit: 'SQK-LSK114' });
    await retrieval.indexAccepted(niger);
    await retrieval.indexAccepted({ ...niger, submissionId: randomUUID() });
    expect(await count('vocabulary')).toBe(seedSpellings + 3);
    const suggested = await retrieval.suggest('ORGANISM', 'Aspergilus niger', 2);
    expect(suggested[0]!.value).toBe('Aspergillus niger');
    expect(suggested[1]!.value).toBe('Aspergillus fumigatus');
  });

  it('are read back by id, and an unknown or malformed id is null', async () => {
    expect(await retrieval.indexed(humanOwn.submissionId)).toEqual(humanOwn);
    expect(await retrieval.indexed(randomUUID())).toBeNull();
    expect(await retrieval.indexed('not-a-uuid')).toBeNull();
  });
});

describe('bounds', () => {
  const inputError = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetrievalInputError);
    return (error as RetrievalInputError).code;
  };

  it('refuses long text, a first out of range and values that are not an accepted submission', async () => {
    const long = 'x'.repeat(MAX_QUERY_CHARS + 1);
    expect(await inputError(retrieval.suggest('ORGANISM', long, 1))).toBe('TEXT_TOO_LONG');
    expect(await inputError(retrieval.similar({ text: long, first: 1 }))).toBe('TEXT_TOO_LONG');
    expect(await inputError(retrieval.suggest('ORGANISM', 'human', 0))).toBe('FIRST_OUT_OF_RANGE');
    expect(await inputError(retrieval.similar({ text: 'human', first: MAX_FIRST + 1 }))).toBe(
      'FIRST_OUT_OF_RANGE',
    );
    expect(await inputError(retrieval.suggest('ORGANISM', 'human', 1.5))).toBe('FIRST_OUT_OF_RANGE');
    const bad = { ...humanOwn, sampleTypes: new Array(11).fill('HMW_DNA') };
    expect(await inputError(retrieval.indexAccepted(bad))).toBe('INVALID_VALUES');
    expect(await retrieval.suggest('ORGANISM', 'x'.repeat(MAX_QUERY_CHARS), MAX_FIRST)).not.toHaveLength(0);
  });
});

describe('the Chroma server from node_modules', () => {
  it('refuses a port already in use instead of taking another server for its own', async () => {
    await expect(
      startChromaServer({ dataDir: `${chroma.dataDir}-unused`, port: chroma.port }),
    ).rejects.toThrow(/port \d+ .* is in use/);
  });
});
