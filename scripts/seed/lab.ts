// The demo lab's fixed reference data: its people (one or more of each role) and its projects. Every name here is a
// stable key: the seed finds users by email, projects by name, samples by lab sample id and runs by experiment id.

export type Role = 'ADMIN' | 'STAFF' | 'SUBMITTER' | 'VIEWER';
export type FlowCellFormat = 'MINION' | 'PROMETHION' | 'FLONGLE';
export type MaterialType = 'HMW_DNA' | 'FRAGMENTED_DNA' | 'PCR_AMPLICONS' | 'CDNA';

/** Every seeded account's email ends so; nothing else in a lab uses this (reserved, RFC 2606) domain. */
export const SEED_EMAIL_DOMAIN = 'demo-lab.example';
/** Every seeded sample's lab sample id starts so. */
export const SEED_SAMPLE_PREFIX = 'DEMO-';

export interface SeedUser {
  key: string;
  name: string;
  roles: Role[];
  /** For submitters: their lab. */
  lab?: string;
}

export const USERS: readonly SeedUser[] = [
  { key: 'dana.whitfield', name: 'Dana Whitfield', roles: ['ADMIN'] },
  { key: 'amara.okafor', name: 'Amara Okafor', roles: ['STAFF'] },
  { key: 'ben.hartley', name: 'Ben Hartley', roles: ['STAFF'] },
  { key: 'chen.wei', name: 'Chen Wei', roles: ['STAFF'] },
  { key: 'elif.kaya', name: 'Elif Kaya', roles: ['VIEWER'] },
  { key: 'farah.haddad', name: 'Farah Haddad', roles: ['SUBMITTER'], lab: 'Haddad Lab (Plant Genomics)' },
  { key: 'george.mensah', name: 'George Mensah', roles: ['SUBMITTER'], lab: 'Mensah Lab (Microbiology)' },
  { key: 'hana.sato', name: 'Hana Sato', roles: ['SUBMITTER'], lab: 'Sato Lab (Cancer Genomics)' },
  { key: 'ivan.petrov', name: 'Ivan Petrov', roles: ['SUBMITTER'], lab: 'Petrov Lab (Virology)' },
  { key: 'julia.santos', name: 'Julia Santos', roles: ['SUBMITTER'], lab: 'Santos Lab (Marine Biology)' },
  {
    key: 'kwame.asante',
    name: 'Kwame Asante',
    roles: ['SUBMITTER'],
    lab: 'Asante Lab (Population Genetics)',
  },
];

export const seedEmail = (key: string) => `${key}@${SEED_EMAIL_DOMAIN}`;
export const STAFF_KEYS = USERS.filter((u) => u.roles.includes('STAFF')).map((u) => u.key);

export interface SeedProject {
  /** Stable key and the project's name. */
  name: string;
  description: string;
  owner: string;
  nucleicAcid: 'DNA' | 'RNA';
  materialType: MaterialType;
  organisms: readonly string[];
  containsHumanDna: boolean;
  /** As submitters write it (MinKNOW's hyphenated form is made by the run). At most 24 samples per batch. */
  libraryKit: string;
  format: FlowCellFormat;
  /** Short sample-name stem. */
  stem: string;
}

export const PROJECTS: readonly SeedProject[] = [
  {
    name: 'DEMO Arabidopsis ecotype assemblies',
    description: 'Chromosome-scale assemblies of wild Arabidopsis ecotypes.',
    owner: 'farah.haddad',
    nucleicAcid: 'DNA',
    materialType: 'HMW_DNA',
    organisms: ['Arabidopsis thaliana'],
    containsHumanDna: false,
    libraryKit: 'SQK-NBD114.24',
    format: 'PROMETHION',
    stem: 'AT',
  },
  {
    name: 'DEMO Hospital isolate surveillance',
    description: 'Weekly whole-genome sequencing of carbapenem-resistant isolates.',
    owner: 'george.mensah',
    nucleicAcid: 'DNA',
    materialType: 'FRAGMENTED_DNA',
    organisms: ['Klebsiella pneumoniae', 'Escherichia coli', 'Acinetobacter baumannii'],
    containsHumanDna: false,
    libraryKit: 'SQK-RBK114.24',
    format: 'MINION',
    stem: 'ISO',
  },
  {
    name: 'DEMO Tumour structural variants',
    description: 'Long-read structural variant calling in matched tumour and normal tissue.',
    owner: 'hana.sato',
    nucleicAcid: 'DNA',
    materialType: 'HMW_DNA',
    organisms: ['Homo sapiens'],
    containsHumanDna: true,
    libraryKit: 'SQK-NBD114.24',
    format: 'PROMETHION',
    stem: 'TSV',
  },
  {
    name: 'DEMO Full-length transcript isoforms',
    description: 'cDNA sequencing of isoforms in cell-line time courses.',
    owner: 'hana.sato',
    nucleicAcid: 'RNA',
    materialType: 'CDNA',
    organisms: ['Homo sapiens'],
    containsHumanDna: true,
    libraryKit: 'SQK-PCB114.24',
    format: 'PROMETHION',
    stem: 'ISF',
  },
  {
    name: 'DEMO Wastewater virus amplicons',
    description: 'Tiled amplicons of respiratory viruses from municipal wastewater.',
    owner: 'ivan.petrov',
    nucleicAcid: 'RNA',
    materialType: 'PCR_AMPLICONS',
    organisms: ['SARS-CoV-2', 'Influenza A virus', 'Respiratory syncytial virus'],
    containsHumanDna: false,
    libraryKit: 'SQK-NBD114.24',
    format: 'MINION',
    stem: 'WW',
  },
  {
    name: 'DEMO Coral holobiont metagenomes',
    description: 'Metagenomes of bleached and healthy coral colonies.',
    owner: 'julia.santos',
    nucleicAcid: 'DNA',
    materialType: 'HMW_DNA',
    organisms: ['Acropora millepora metagenome'],
    containsHumanDna: false,
    libraryKit: 'SQK-NBD114.24',
    format: 'MINION',
    stem: 'COR',
  },
  {
    name: 'DEMO Haplotype amplicons',
    description: 'Phased amplicons of immune genes across a population cohort.',
    owner: 'kwame.asante',
    nucleicAcid: 'DNA',
    materialType: 'PCR_AMPLICONS',
    organisms: ['Homo sapiens'],
    containsHumanDna: true,
    libraryKit: 'SQK-RBK114.24',
    format: 'FLONGLE',
    stem: 'HAP',
  },
  {
    name: 'DEMO Wheat pan-genome pilot',
    description: 'A pilot of ultra-long reads for the wheat pan-genome.',
    owner: 'farah.haddad',
    nucleicAcid: 'DNA',
    materialType: 'HMW_DNA',
    organisms: ['Triticum aestivum'],
    containsHumanDna: false,
    libraryKit: 'SQK-NBD114.24',
    format: 'PROMETHION',
    stem: 'TA',
  },
];

export const PRODUCT_CODES: Record<FlowCellFormat, string> = {
  MINION: 'FLO-MIN114',
  PROMETHION: 'FLO-PRO114M',
  FLONGLE: 'FLO-FLG114',
};

export const FLOW_CELL_PREFIX: Record<FlowCellFormat, string> = {
  MINION: 'FAX',
  PROMETHION: 'PAW',
  FLONGLE: 'AXF',
};
