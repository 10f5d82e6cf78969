// Every value the model proposes is looked for in the document's own text. A value found there keeps the model's
// confidence and records where it was found (character offsets into the source text); a value not found there is
// treated as invented: its confidence is capped below the review threshold and it gets a NOT_IN_SOURCE issue, so
// no invented value reaches review looking confident.
//
// Matching is forgiving of presentation, not of content: case, accents, whitespace and punctuation are ignored, a
// number matches however it is written ("50" in "50 ng/µL", "50.0"), and a choice (HMW_DNA) matches the words a
// submitter writes for it ("high molecular weight DNA").
import type { ProposedValue } from './draft-schema.ts';

export interface SourceSpan {
  start: number;
  end: number;
}

export interface DraftValue {
  path: string;
  value: string | number | boolean | null;
  confidence: number;
  source: SourceSpan | null;
  method: 'LLM' | 'OCR' | 'PIXELS' | 'RULE';
}

export interface DraftIssue {
  path: string;
  code: string;
  message: string;
}

/** The model states no confidence of its own; a grounded value is still the model's reading, so under review. */
export const GROUNDED_CONFIDENCE = 0.7;
/** The most an ungrounded value may claim: well under the review threshold (0.8), so it is always reviewed. */
export const NOT_IN_SOURCE_CONFIDENCE = 0.3;

/** The words a submitter writes for a choice value (matched as normalised text, like any other value). */
const CHOICE_WORDS: Record<string, string[]> = {
  HMW_DNA: ['HMW DNA', 'high molecular weight', 'HMW', 'genomic DNA', 'gDNA'],
  FRAGMENTED_DNA: ['fragmented DNA', 'fragmented', 'sheared DNA', 'sheared'],
  PCR_AMPLICONS: ['PCR amplicons', 'amplicons', 'amplicon', 'PCR product'],
  CDNA: ['cDNA'],
  MINION: ['MinION'],
  PROMETHION: ['PromethION'],
  FLONGLE: ['Flongle'],
};

/** A yes/no field is grounded by the words that say what it is about (true or false alike). */
const BOOLEAN_WORDS: Record<string, string[]> = {
  'form.containsHumanDna': ['human'],
};

/** Letters and digits of a text, lower case and without accents, with µ as u; everything else one space. */
export interface NormalisedText {
  text: string;
  /** For each character of `text`, the index in the original it came from. */
  origin: number[];
}

function foldChar(char: string): string {
  if (char === 'µ' || char === 'μ') return 'u';
  return char.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Normalises a text and keeps the way back to the original's offsets. A change between letters and digits is a
 * word break too, so "50ng/uL" and "50 ng/µL" are both "50 ng ul".
 */
export function normalise(source: string): NormalisedText {
  const chars: string[] = [];
  const origin: number[] = [];
  const kind = (c: string) => (/[0-9]/.test(c) ? 'digit' : /[a-z]/.test(c) ? 'letter' : 'other');
  let last = 'space';
  for (let i = 0; i < source.length; i++) {
    for (const c of foldChar(source[i]!)) {
      const k = kind(c);
      if (k === 'other') {
        if (last !== 'space' && chars.length > 0) {
          chars.push(' ');
          origin.push(i);
        }
        last = 'space';
        continue;
      }
      if (last !== 'space' && last !== k) {
        chars.push(' ');
        origin.push(i);
      }
      chars.push(c);
      origin.push(i);
      last = k;
    }
  }
  while (chars.at(-1) === ' ') {
    chars.pop();
    origin.pop();
  }
  return { text: chars.join(''), origin };
}

/** The first span at or after `near` (a row's values follow its name), else the first anywhere. */
function pick(spans: Iterable<SourceSpan>, near: number): SourceSpan | null {
  let first: SourceSpan | null = null;
  for (const span of spans) {
    first ??= span;
    if (span.start >= near) return span;
  }
  return first;
}

const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);

/**
 * The whole-word occurrences of `needle` (already normalised) in the source, as original offsets. Whole words in
 * the original too: "S" is not found in "S10" (which normalises to "s 10").
 */
function* findNormalised(haystack: NormalisedText, original: string, needle: string): Generator<SourceSpan> {
  if (!needle) return;
  let from = 0;
  while (from <= haystack.text.length - needle.length) {
    const at = haystack.text.indexOf(needle, from);
    if (at < 0) return;
    const end = at + needle.length;
    const startsWord = at === 0 || haystack.text[at - 1] === ' ';
    const endsWord = end === haystack.text.length || haystack.text[end] === ' ';
    const span = { start: haystack.origin[at]!, end: haystack.origin[end - 1]! + 1 };
    const wholeInOriginal = !isWordChar(original[span.start - 1]) && !isWordChar(original[span.end]);
    if (startsWord && endsWord && wholeInOriginal) yield span;
    from = at + 1;
  }
}

interface SourceNumber extends SourceSpan {
  value: number;
}

/** Numbers as written in the source ("50", "2.5", "1,000", "1.85"), with their offsets. */
function sourceNumbers(source: string): SourceNumber[] {
  const numbers: SourceNumber[] = [];
  // Leftmost-longest: "150" is one number, never a 50.
  for (const match of source.matchAll(/\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+/g)) {
    const raw = match[0];
    const value = Number(/^\d{1,3}(,\d{3})+/.test(raw) ? raw.replace(/,/g, '') : raw.replace(',', '.'));
    numbers.push({ value, start: match.index, end: match.index + raw.length });
  }
  return numbers;
}

/** The source text, prepared once for the many values looked up in it. */
export class Source {
  readonly normalised: NormalisedText;
  private readonly numbers: SourceNumber[];
  constructor(readonly text: string) {
    this.normalised = normalise(text);
    this.numbers = sourceNumbers(text);
  }

  /** Where the value is written in the source (preferably at or after offset `near`), or null. */
  find(path: string, value: string | number | boolean, near = 0): SourceSpan | null {
    if (typeof value === 'number')
      return pick(
        this.numbers
          .filter((n) => Math.abs(n.value - value) < 1e-9)
          .map(({ start, end }) => ({ start, end })),
        near,
      );
    const phrases =
      typeof value === 'boolean' ? (BOOLEAN_WORDS[path] ?? []) : [value, ...(CHOICE_WORDS[value] ?? [])];
    for (const phrase of phrases) {
      const span = pick(findNormalised(this.normalised, this.text, normalise(phrase).text), near);
      if (span) return span;
    }
    return null;
  }
}

/** Checks each proposed value against the source: grounded values keep their confidence, others are capped. */
export function groundValues(
  proposed: ProposedValue[],
  source: Source,
): { values: DraftValue[]; issues: DraftIssue[] } {
  const values: DraftValue[] = [];
  const issues: DraftIssue[] = [];
  /** Where each row's sample name was found: its measurements are looked for from there on. */
  const rowStarts = new Map<string, number>();
  for (const { path, value } of proposed) {
    const row = /^rows\[\d+\]/.exec(path)?.[0];
    const span = source.find(path, value, row ? (rowStarts.get(row) ?? 0) : 0);
    if (row && span && path.endsWith('.sampleName')) rowStarts.set(row, span.start);
    values.push({
      path,
      value,
      confidence: span ? GROUNDED_CONFIDENCE : NOT_IN_SOURCE_CONFIDENCE,
      source: span,
      method: 'LLM',
    });
    if (!span)
      issues.push({
        path,
        code: 'NOT_IN_SOURCE',
        message: `The model proposed ${JSON.stringify(value).slice(0, 200)}, which the document does not say; check it against the document.`,
      });
  }
  return { values, issues };
}
