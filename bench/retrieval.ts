// `npx tsx bench/retrieval.ts`: the vocabulary task. Misspelled, abbreviated and reworded kit, organism, flow cell,
// sample type and buffer names, as people type them on quotes and sample sheets, each with the vocabulary entry
// it means; suggest() against a real Chroma server (from node_modules, temp directory) with the built-in
// embedding. Precision at 1: the first suggestion is the entry. At 3: the entry is among the first three (one
// right answer per query, so this is the hit rate at 3). Written to bench/results/latest-retrieval.{md,json}.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { freePort } from '../scripts/free-port.ts';
import { startChromaServer } from '../subgraphs/ai/retrieval/chroma-server.ts';
import { createLocalEmbedder } from '../subgraphs/ai/retrieval/embeddings.ts';
import { createRetrieval } from '../subgraphs/ai/retrieval/retrieval.ts';
import type { VocabularyField } from '../subgraphs/ai/retrieval/types.ts';
import { SEED_VOCABULARY } from '../subgraphs/ai/retrieval/vocabulary.ts';
import { root } from './processes.ts';
import { writeResults } from './report.ts';

type Case = [query: string, expected: string];

/** None of the queries is a seeded spelling (checked below): each is a typo, a shortening or a rewording. */
const CASES: Record<VocabularyField, Case[]> = {
  LIBRARY_KIT: [
    ['ligaton sequencing kit v14', 'SQK-LSK114'],
    ['LSK 114', 'SQK-LSK114'],
    ['sqk-lsk-114', 'SQK-LSK114'],
    ['ligation seq kit XL', 'SQK-LSK114-XL'],
    ['lsk109 ligation', 'SQK-LSK109'],
    ['native barcoding 96', 'SQK-NBD114.96'],
    ['NBD114-24', 'SQK-NBD114.24'],
    ['native barcodng kit 24', 'SQK-NBD114.24'],
    ['rapid barcoding kit 96 v14', 'SQK-RBK114.96'],
    ['RBK 114.24', 'SQK-RBK114.24'],
    ['rapid barcodin RBK004', 'SQK-RBK004'],
    ['rapid seq kit v14', 'SQK-RAD114'],
    ['RAD-004', 'SQK-RAD004'],
    ['ultra long DNA kit', 'SQK-ULK114'],
    ['ULK-114', 'SQK-ULK114'],
    ['cdna pcr sequencing v14', 'SQK-PCS114'],
    ['direct rna seq kit', 'SQK-RNA004'],
    ['direct cDNA kit DCS109', 'SQK-DCS109'],
    ['16s barcoding 24', 'SQK-16S114.24'],
    ['rapid pcr barcoding', 'SQK-RPB114.24'],
    ['PCR barcoding kit 004', 'SQK-PBK004'],
    ['multiplex ligation XL', 'SQK-MLK114.96-XL'],
    ['native barcoding expansion 1-12', 'EXP-NBD104'],
    ['flowcell wash kit', 'EXP-WSH004'],
    ['PCR barcoding expansion 96', 'EXP-PBC096'],
  ],
  ORGANISM: [
    ['E coli K12', 'Escherichia coli'],
    ['Eschericia coli', 'Escherichia coli'],
    ['homo sapien', 'Homo sapiens'],
    ['Human', 'Homo sapiens'],
    ['S cerevisiae', 'Saccharomyces cerevisiae'],
    ['Saccharomyces cerevisae', 'Saccharomyces cerevisiae'],
    ['yeast (bakers)', 'Saccharomyces cerevisiae'],
    ['A thaliana Col-0', 'Arabidopsis thaliana'],
    ['Arabidopsis', 'Arabidopsis thaliana'],
    ['Drosophila', 'Drosophila melanogaster'],
    ['C. elegans N2', 'Caenorhabditis elegans'],
    ['zebra fish', 'Danio rerio'],
    ['Staph aureus', 'Staphylococcus aureus'],
    ['P aeruginosa PAO1', 'Pseudomonas aeruginosa'],
    ['Klebsiella pneumonia', 'Klebsiella pneumoniae'],
    ['M tuberculosis H37Rv', 'Mycobacterium tuberculosis'],
    ['mouse C57BL/6', 'Mus musculus'],
    ['Mus musculis', 'Mus musculus'],
    ['sars cov 2', 'SARS-CoV-2'],
    ['lambda DNA', 'Escherichia phage lambda'],
    ['B subtilis 168', 'Bacillus subtilis'],
    ['Salmonella Typhimurium', 'Salmonella enterica'],
    ['Candida albican', 'Candida albicans'],
    ['maize B73', 'Zea mays'],
    ['P falciparum 3D7', 'Plasmodium falciparum'],
    ['Listeria', 'Listeria monocytogenes'],
    ['rice (Oryza)', 'Oryza sativa'],
    ['soil microbiome', 'Metagenome'],
  ],
  FLOW_CELL: [
    ['R10.4.1 minion', 'MINION'],
    ['FLO-PRO114', 'PROMETHION'],
    ['flongle', 'FLONGLE'],
    ['promethion flowcell', 'PROMETHION'],
    ['MIN114', 'MINION'],
  ],
  SAMPLE_TYPE: [
    ['genomic dna (HMW)', 'HMW_DNA'],
    ['amplicon', 'PCR_AMPLICONS'],
    ['sheared gDNA fragments', 'FRAGMENTED_DNA'],
    ['cdna', 'CDNA'],
  ],
  SAMPLE_BUFFER: [
    ['elution buffer', 'EB'],
    ['nuclease free water', 'NUCLEASE_FREE_WATER'],
    ['Tris EDTA', 'TE'],
    ['water', 'NUCLEASE_FREE_WATER'],
  ],
};

interface Miss {
  field: VocabularyField;
  query: string;
  expected: string;
  got: string[];
}

async function main(): Promise<void> {
  const seeded = new Set(
    SEED_VOCABULARY.flatMap((t) => [t.value, ...t.aliases].map((s) => `${t.field}:${s}`)),
  );
  for (const [field, cases] of Object.entries(CASES))
    for (const [query] of cases)
      if (seeded.has(`${field}:${query}`)) throw new Error(`'${query}' is a seeded spelling`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chroma-bench-'));
  const chroma = await startChromaServer({ dataDir, port: await freePort() });
  try {
    const embedder = createLocalEmbedder();
    const retrieval = createRetrieval({
      chromaUrl: chroma.url,
      embedder,
      log: pino({ level: 'silent' }),
    });
    const seedStarted = performance.now();
    const status = await retrieval.status();
    const seedMs = performance.now() - seedStarted;

    const rows: { field: VocabularyField; queries: number; at1: number; at3: number }[] = [];
    const misses: Miss[] = [];
    const latencies: number[] = [];
    for (const [field, cases] of Object.entries(CASES) as [VocabularyField, Case[]][]) {
      let at1 = 0;
      let at3 = 0;
      for (const [query, expected] of cases) {
        const started = performance.now();
        const got = (await retrieval.suggest(field, query, 3)).map((s) => s.value);
        latencies.push(performance.now() - started);
        if (got[0] === expected) at1++;
        if (got.includes(expected)) at3++;
        if (got[0] !== expected) misses.push({ field, query, expected, got });
      }
      rows.push({ field, queries: cases.length, at1, at3 });
    }
    const total = rows.reduce(
      (sum, r) => ({ queries: sum.queries + r.queries, at1: sum.at1 + r.at1, at3: sum.at3 + r.at3 }),
      { queries: 0, at1: 0, at3: 0 },
    );
    latencies.sort((a, b) => a - b);
    const median = latencies[latencies.length >> 1]!;
    const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
    const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;
    const date = new Date().toISOString();
    const vocabulary = status.collections.find((c) => c.name.includes('vocabulary'))!;

    const markdown = [
      '# Retrieval benchmark: the vocabulary task',
      '',
      `\`npx tsx bench/retrieval.ts\` on ${date}: Node ${process.version}, ${os.cpus().length} × ` +
        `${os.cpus()[0]?.model.trim()}. Chroma server from node_modules (chromadb-js-bindings 1.0.5), ` +
        `embedding \`${status.embeddingProvider}\` (${status.embeddingDimensions} dimensions), ` +
        `vocabulary collection of ${vocabulary.count} spellings (seeded in ${Math.round(seedMs)} ms).`,
      '',
      'Each query is a misspelled, abbreviated or reworded name (none is a seeded spelling) with the one ' +
        'vocabulary entry it means; `suggest(field, query, 3)`. P@1: the first suggestion is that entry. ' +
        'P@3: the entry is among the first three.',
      '',
      '| field | queries | P@1 | P@3 |',
      '| --- | ---: | ---: | ---: |',
      ...rows.map(
        (r) => `| ${r.field} | ${r.queries} | ${pct(r.at1, r.queries)} | ${pct(r.at3, r.queries)} |`,
      ),
      `| **all** | ${total.queries} | **${pct(total.at1, total.queries)}** | **${pct(total.at3, total.queries)}** |`,
      '',
      `suggest() latency (embed + Chroma query), one at a time: median ${median.toFixed(1)} ms, ` +
        `p95 ${p95.toFixed(1)} ms.`,
      '',
      misses.length ? '## First suggestion wrong' : 'Every first suggestion right.',
      '',
      ...(misses.length
        ? [
            '| field | query | expected | suggested (first three) |',
            '| --- | --- | --- | --- |',
            ...misses.map((m) => `| ${m.field} | ${m.query} | ${m.expected} | ${m.got.join(', ')} |`),
            '',
          ]
        : []),
    ].join('\n');
    console.log(markdown);
    const files = await writeResults(path.join(root, 'bench/results'), 'retrieval', markdown, {
      date,
      embedding: status.embeddingProvider,
      dimensions: status.embeddingDimensions,
      vocabularySpellings: vocabulary.count,
      seedMs: Math.round(seedMs),
      rows,
      total,
      latencyMs: { median, p95 },
      misses,
    });
    console.log(`written: ${files.map((f) => path.relative(root, f)).join(', ')}`);
    await retrieval.close();
  } finally {
    await chroma.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
