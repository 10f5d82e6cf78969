// The facility vocabulary the retrieval seeds its vocabulary collection with: Oxford Nanopore kits and flow cells
// by their product codes and names, the submission form's sample types and buffers (by the values the form
// stores), and organisms a sequencing facility commonly sees. Accepted submissions add the spellings they used.
// Each spelling is its own record in Chroma, so a short query meets the alias closest to it instead of an average.
import type { VocabularyField } from './types.ts';

export interface VocabularyTerm {
  field: VocabularyField;
  /** The spelling a suggestion returns: a product code, a form value, a scientific name. */
  value: string;
  /** Other spellings that mean the same term (the value itself always counts). */
  aliases: readonly string[];
}

const kit = (value: string, ...aliases: string[]): VocabularyTerm => ({
  field: 'LIBRARY_KIT',
  value,
  aliases,
});
const organism = (value: string, ...aliases: string[]): VocabularyTerm => ({
  field: 'ORGANISM',
  value,
  aliases,
});

/** Bumped when the list changes, so a deployment can tell which seed its collection holds. */
export const VOCABULARY_VERSION = 'ont-vocabulary-1';

export const SEED_VOCABULARY: readonly VocabularyTerm[] = [
  // Library preparation kits (Kit 14 chemistry first, then the earlier kits still named on quotes).
  kit('SQK-LSK114', 'Ligation Sequencing Kit V14', 'LSK114'),
  kit('SQK-LSK114-XL', 'Ligation Sequencing Kit XL V14', 'LSK114-XL'),
  kit('SQK-LSK109', 'Ligation Sequencing Kit (R9.4.1)', 'LSK109'),
  kit('SQK-LSK110', 'Ligation Sequencing Kit LSK110', 'LSK110'),
  kit('SQK-NBD114.24', 'Native Barcoding Kit 24 V14', 'NBD114.24'),
  kit('SQK-NBD114.96', 'Native Barcoding Kit 96 V14', 'NBD114.96'),
  kit('SQK-RBK114.24', 'Rapid Barcoding Kit 24 V14', 'RBK114.24'),
  kit('SQK-RBK114.96', 'Rapid Barcoding Kit 96 V14', 'RBK114.96'),
  kit('SQK-RBK004', 'Rapid Barcoding Kit RBK004', 'RBK004'),
  kit('SQK-RAD114', 'Rapid Sequencing Kit V14', 'RAD114'),
  kit('SQK-RAD004', 'Rapid Sequencing Kit RAD004', 'RAD004'),
  kit('SQK-ULK114', 'Ultra-Long DNA Sequencing Kit V14', 'ULK114'),
  kit('SQK-PCS114', 'cDNA-PCR Sequencing Kit V14', 'PCS114'),
  kit('SQK-PCB114.24', 'cDNA-PCR Barcoding Kit 24 V14', 'PCB114.24'),
  kit('SQK-PCS111', 'cDNA-PCR Sequencing Kit PCS111', 'PCS111'),
  kit('SQK-DCS109', 'Direct cDNA Sequencing Kit', 'DCS109'),
  kit('SQK-RNA004', 'Direct RNA Sequencing Kit', 'RNA004'),
  kit('SQK-RNA002', 'Direct RNA Sequencing Kit RNA002', 'RNA002'),
  kit('SQK-16S114.24', '16S Barcoding Kit 24 V14', '16S114.24'),
  kit('SQK-16S024', '16S Barcoding Kit 1-24', '16S024'),
  kit('SQK-RPB114.24', 'Rapid PCR Barcoding Kit 24 V14', 'RPB114.24'),
  kit('SQK-PBK004', 'PCR Barcoding Kit PBK004', 'PBK004'),
  kit('SQK-MLK114.96-XL', 'Multiplex Ligation Sequencing Kit XL V14', 'MLK114.96-XL'),
  kit('EXP-NBD104', 'Native Barcoding Expansion 1-12', 'NBD104'),
  kit('EXP-NBD114', 'Native Barcoding Expansion 13-24', 'NBD114'),
  kit('EXP-NBD196', 'Native Barcoding Expansion 96', 'NBD196'),
  kit('EXP-PBC001', 'PCR Barcoding Expansion 1-12', 'PBC001'),
  kit('EXP-PBC096', 'PCR Barcoding Expansion 1-96', 'PBC096'),
  kit('EXP-WSH004', 'Flow Cell Wash Kit', 'WSH004'),

  // Flow cells, by the form's values; product codes and pore versions as aliases.
  {
    field: 'FLOW_CELL',
    value: 'MINION',
    aliases: ['MinION Flow Cell', 'FLO-MIN114', 'MinION R10.4.1', 'FLO-MIN106D', 'MinION R9.4.1'],
  },
  {
    field: 'FLOW_CELL',
    value: 'PROMETHION',
    aliases: ['PromethION Flow Cell', 'FLO-PRO114M', 'PromethION R10.4.1', 'FLO-PRO002'],
  },
  {
    field: 'FLOW_CELL',
    value: 'FLONGLE',
    aliases: ['Flongle Flow Cell', 'FLO-FLG114', 'Flongle R10.4.1', 'FLO-FLG001'],
  },

  // Sample types and buffers, by the form's values.
  {
    field: 'SAMPLE_TYPE',
    value: 'HMW_DNA',
    aliases: ['High Molecular Weight DNA', 'HMW DNA', 'gDNA', 'genomic DNA'],
  },
  {
    field: 'SAMPLE_TYPE',
    value: 'FRAGMENTED_DNA',
    aliases: ['Fragmented DNA', 'sheared DNA', 'cell-free DNA'],
  },
  {
    field: 'SAMPLE_TYPE',
    value: 'PCR_AMPLICONS',
    aliases: ['PCR Amplicons', 'amplicons', '16S amplicons', 'ITS amplicons'],
  },
  { field: 'SAMPLE_TYPE', value: 'CDNA', aliases: ['cDNA', 'complementary DNA'] },
  {
    field: 'SAMPLE_BUFFER',
    value: 'EB',
    aliases: ['Elution Buffer', 'EB buffer', '10 mM Tris-HCl pH 8.5'],
  },
  {
    field: 'SAMPLE_BUFFER',
    value: 'NUCLEASE_FREE_WATER',
    aliases: ['Nuclease-Free Water', 'NFW', 'molecular grade water'],
  },
  { field: 'SAMPLE_BUFFER', value: 'TE', aliases: ['TE buffer', 'Tris-EDTA', 'low TE'] },

  // Organisms, by scientific name; common names and the usual abbreviation as aliases.
  organism('Homo sapiens', 'human', 'H. sapiens'),
  organism('Mus musculus', 'mouse', 'M. musculus'),
  organism('Rattus norvegicus', 'rat', 'R. norvegicus'),
  organism('Escherichia coli', 'E. coli'),
  organism('Escherichia phage lambda', 'lambda phage', 'Lambda DNA control'),
  organism('Saccharomyces cerevisiae', "baker's yeast", 'S. cerevisiae'),
  organism('Candida albicans', 'C. albicans'),
  organism('Aspergillus fumigatus', 'A. fumigatus'),
  organism('Arabidopsis thaliana', 'thale cress', 'A. thaliana'),
  organism('Drosophila melanogaster', 'fruit fly', 'D. melanogaster'),
  organism('Caenorhabditis elegans', 'nematode', 'C. elegans'),
  organism('Danio rerio', 'zebrafish', 'D. rerio'),
  organism('Xenopus laevis', 'African clawed frog', 'X. laevis'),
  organism('Gallus gallus', 'chicken', 'G. gallus'),
  organism('Bos taurus', 'cattle', 'B. taurus'),
  organism('Sus scrofa', 'pig', 'S. scrofa'),
  organism('Canis lupus familiaris', 'dog'),
  organism('Macaca mulatta', 'rhesus macaque', 'M. mulatta'),
  organism('Zea mays', 'maize', 'corn'),
  organism('Oryza sativa', 'rice', 'O. sativa'),
  organism('Triticum aestivum', 'bread wheat', 'T. aestivum'),
  organism('Glycine max', 'soybean'),
  organism('Solanum lycopersicum', 'tomato'),
  organism('Nicotiana benthamiana', 'N. benthamiana'),
  organism('Staphylococcus aureus', 'S. aureus', 'MRSA'),
  organism('Pseudomonas aeruginosa', 'P. aeruginosa'),
  organism('Klebsiella pneumoniae', 'K. pneumoniae'),
  organism('Mycobacterium tuberculosis', 'M. tuberculosis', 'TB'),
  organism('Bacillus subtilis', 'B. subtilis'),
  organism('Salmonella enterica', 'S. enterica', 'Salmonella'),
  organism('Listeria monocytogenes', 'L. monocytogenes'),
  organism('Streptococcus pneumoniae', 'S. pneumoniae', 'pneumococcus'),
  organism('Enterococcus faecium', 'E. faecium'),
  organism('Acinetobacter baumannii', 'A. baumannii'),
  organism('Plasmodium falciparum', 'P. falciparum', 'malaria parasite'),
  organism('SARS-CoV-2', 'Severe acute respiratory syndrome coronavirus 2'),
  organism('Metagenome', 'mixed microbial community', 'microbiome'),
];
