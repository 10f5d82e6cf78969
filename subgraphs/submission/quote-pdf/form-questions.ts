// The form's checkbox and radio questions: where each is (its heading) and what each option means. This is the
// data to edit when the facility changes "HTSF Nanopore Submission Form DNA"; form-fields.ts reads it.
import { classifyByOptions, type ChoiceOption, type ChoiceSpec } from './choices.ts';
import type {
  Basecalling,
  DataRetrieval,
  FileFormat,
  FlowCellFormat,
  SampleBuffer,
  SampleType,
} from './types.ts';

const options = <T>(...list: Array<[T, string, RegExp]>): ChoiceOption<T>[] =>
  list.map(([value, label, loose]) => ({ value, label, loose }));

function spec<T>(path: string, heading: RegExp, required: boolean, list: ChoiceOption<T>[]): ChoiceSpec<T> {
  return {
    path,
    heading,
    required,
    classify: classifyByOptions(list),
    expected: list.map((option) => option.value),
  };
}

/** The red asterisk of a required question; a scan may read it as a quote mark or a caret. */
const REQUIRED_MARK = `[*"“”'’^]?`;

/** The kit code printed in the option, e.g. "Rapid Sequencing with Barcoding (SQK-RBK114.24)". */
const KIT_CODE = /\b(SQK-[A-Z0-9]+(?:[.-]\d+)?)\b/;

export const LIBRARY_KIT: ChoiceSpec<string> = {
  path: 'form.libraryKit',
  heading: /[Il1|] will be submitting DNA for/i,
  required: true,
  classify: (text) => {
    const code = KIT_CODE.exec(text)?.[1];
    return code ? { value: code, exact: true } : null;
  },
  expected: ['SQK-LSK114', 'SQK-NBD114.96', 'SQK-RAD114', 'SQK-RBK114.24'],
};

export const SAMPLE_TYPES = spec<SampleType>(
  'form.sampleTypes',
  new RegExp(`^${REQUIRED_MARK}\\s*Type of Sample`, 'i'),
  true,
  options(
    ['HMW_DNA', 'High Molecular Weight DNA / gDNA', /high molecular weight|\bhmw\b|\bgdna\b/i],
    ['FRAGMENTED_DNA', 'Fragmented DNA', /fragment/i],
    ['PCR_AMPLICONS', 'PCR Amplicons', /amplicon/i],
    ['CDNA', 'cDNA', /^c\s?DNA\b/i],
  ),
);

export const HUMAN_DNA = spec<boolean>(
  'form.containsHumanDna',
  /contain human DNA/i,
  true,
  options([true, 'Yes', /^y(es)?\b/i], [false, 'No', /^no?\b/i]),
);

export const SAMPLE_BUFFERS = spec<SampleBuffer>(
  'form.sampleBuffers',
  new RegExp(`^${REQUIRED_MARK}\\s*Sample Buffer`, 'i'),
  false,
  options(
    ['EB', 'EB', /^EB\b|elution buffer/i],
    ['NUCLEASE_FREE_WATER', 'Nuclease-Free Water', /nuclease.?free/i],
  ),
);

export const FLOW_CELLS = spec<FlowCellFormat>(
  'form.flowCellFormats',
  new RegExp(`^${REQUIRED_MARK}\\s*Flow Cell Selection`, 'i'),
  true,
  options(['MINION', 'MinION Flow Cell', /minion/i], ['PROMETHION', 'PromethION Flow Cell', /promethion/i]),
);

export const BASECALLING = spec<Basecalling>(
  'form.basecalling',
  /basecalled using/i,
  false,
  options(
    ['HAC', 'HAC (High Accuracy - Usually sufficient for most applications)', /^HAC\b|high accuracy/i],
    [
      'SUP',
      'SUP (Super-High Accuracy - Computing intensive and may add 1-2 weeks to data delivery)',
      /^SUP\b|super.?high/i,
    ],
    ['METHYLATION', 'Methylation', /methylation|modified bases/i],
  ),
);

export const FILE_FORMATS = spec<FileFormat>(
  'form.fileFormats',
  new RegExp(`^${REQUIRED_MARK}\\s*File Format`, 'i'),
  false,
  options(
    ['FASTQ_BAM', 'FASTQ / BAM', /fastq|\bbam\b/i],
    ['POD5', 'POD5 (only necessary if you wish to do basecalling on your own)', /pod5/i],
  ),
);

export const DATA_RETRIEVAL = spec<DataRetrieval>(
  'form.dataRetrieval',
  /retrieve your data/i,
  false,
  options(
    ['ITS_PROJ', 'Deliver my data to ITS Research Computing storage (/proj)', /research computing|\/proj/i],
    ['WEB_URL', 'Provide me with a URL to download my data via the web', /\bURL\b|via the web/i],
    ['PREARRANGED', 'Pre-arranged data delivery method for this project', /pre-?arranged/i],
    ['OTHER', 'Other', /^other\b/i],
  ),
);
