// The words people type for priority, sample type and flow cell, mapped to the domain's values (docs/domain.md). An
// unknown word is reported by the caller, never mapped to a near guess.
import type { FlowCellFormat, MaterialType, NucleicAcid, Priority } from './types.ts';

const key = (text: string): string =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const PRIORITIES = new Map<string, Priority>([
  ...['urgent', 'stat', 'rush', 'asap', 'critical', 'highest'].map((k) => [k, 'URGENT'] as const),
  ...['high', 'higher', 'elevated', 'expedited'].map((k) => [k, 'HIGH'] as const),
  ...['normal', 'standard', 'medium', 'routine', 'regular', 'default'].map((k) => [k, 'NORMAL'] as const),
  ...['low', 'lower', 'lowest'].map((k) => [k, 'LOW'] as const),
]);

/** null for an empty cell; `known: false` for a word that is no priority (the caller uses NORMAL and warns). */
export function readPriority(text: string): { value: Priority; known: boolean } | null {
  const k = key(text);
  if (k === '') return null;
  const value = PRIORITIES.get(k);
  return value ? { value, known: true } : { value: 'NORMAL', known: false };
}

export interface SampleTypeReading {
  nucleicAcid: NucleicAcid | null;
  materialType: MaterialType | null;
  /** The cell says the row is a control ("Control", "Negative control"). */
  control: boolean;
  known: boolean;
}

const DNA = (materialType: MaterialType | null = null): Omit<SampleTypeReading, 'known'> => ({
  nucleicAcid: 'DNA',
  materialType,
  control: false,
});

const SAMPLE_TYPES = new Map<string, Omit<SampleTypeReading, 'known'>>([
  ...['dna', 'dsdna', 'ssdna', 'plasmid', 'plasmiddna', 'bac', 'fosmid', 'mtdna'].map(
    (k) => [k, DNA()] as const,
  ),
  ...['gdna', 'genomicdna', 'hmwdna', 'hmw', 'hmwgdna', 'dnahmw', 'highmolecularweightdna', 'uhmwdna'].map(
    (k) => [k, DNA('HMW_DNA')] as const,
  ),
  ...['fragmenteddna', 'fragmented', 'sheareddna', 'sheared', 'cfdna', 'cellfreedna', 'ffpedna'].map(
    (k) => [k, DNA('FRAGMENTED_DNA')] as const,
  ),
  ...[
    'pcr',
    'pcrproduct',
    'pcrproducts',
    'amplicon',
    'amplicons',
    'pcramplicon',
    'pcramplicons',
    'ampliconsdna',
  ].map((k) => [k, DNA('PCR_AMPLICONS')] as const),
  ...['cdna', 'dscdna'].map((k) => [k, DNA('CDNA')] as const),
  ...['rna', 'totalrna', 'mrna', 'polyarna', 'directrna', 'dsrna', 'vrna', 'viralrna'].map(
    (k) => [k, { nucleicAcid: 'RNA', materialType: null, control: false }] as const,
  ),
  ...['control', 'positivecontrol', 'negativecontrol', 'ntc', 'blank'].map(
    (k) => [k, { nucleicAcid: null, materialType: null, control: true }] as const,
  ),
]);

/** null for an empty cell. */
export function readSampleType(text: string): SampleTypeReading | null {
  const k = key(text);
  if (k === '') return null;
  const reading = SAMPLE_TYPES.get(k);
  return reading
    ? { ...reading, known: true }
    : { nucleicAcid: null, materialType: null, control: false, known: false };
}

export interface FlowCellReading {
  chemistry: string | null;
  flowCellFormat: FlowCellFormat | null;
  productCode: string | null;
  known: boolean;
}

/** Product code number -> pore chemistry (Oxford Nanopore's catalogue). */
const CHEMISTRY_OF_CODE: Record<string, string> = {
  '114': 'R10.4.1',
  '114M': 'R10.4.1',
  '114HD': 'R10.4.1',
  '112': 'R10.4',
  '111': 'R10.3',
  '106': 'R9.4.1',
  '106D': 'R9.4.1',
  '002': 'R9.4.1',
  '001': 'R9.4.1',
};

const FORMAT_OF_CODE: Record<string, FlowCellFormat> = { MIN: 'MINION', PRO: 'PROMETHION', FLG: 'FLONGLE' };

/** "R10.4.1", "r9.4.1", "FLO-MIN114", "PromethION R10.4.1", "Flongle" -> chemistry, format and product code. */
export function readFlowCellType(text: string): FlowCellReading | null {
  const cell = text.normalize('NFKC').trim();
  if (cell === '') return null;
  const code = /\bFLO-?(MIN|PRO|FLG)-?(\d{3}[A-Z]*)\b/i.exec(cell);
  const productCode = code ? `FLO-${code[1]!.toUpperCase()}${code[2]!.toUpperCase()}` : null;
  const pore = /(?:^|[^A-Z0-9])R\s?(\d{1,2}(?:\.\d{1,2}){1,2})(?![\d.])/i.exec(cell);
  const chemistry = pore ? `R${pore[1]}` : code ? (CHEMISTRY_OF_CODE[code[2]!.toUpperCase()] ?? null) : null;
  const named = /promethion|minion|flongle/i.exec(cell)?.[0].toUpperCase() as FlowCellFormat | undefined;
  const flowCellFormat = named ?? (code ? FORMAT_OF_CODE[code[1]!.toUpperCase()]! : null);
  const known = chemistry !== null || flowCellFormat !== null || productCode !== null;
  return { chemistry, flowCellFormat, productCode, known };
}
