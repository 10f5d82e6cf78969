// Grounding: a proposed value is found in the source text however it is presented, its offsets point at it, and
// a value the text does not contain is capped below the review threshold with a NOT_IN_SOURCE issue.
import { describe, expect, it } from 'vitest';
import {
  GROUNDED_CONFIDENCE,
  groundValues,
  normalise,
  NOT_IN_SOURCE_CONFIDENCE,
  Source,
} from './grounding.ts';

const text = [
  'Organism: ARABIDOPSIS   thaliana (Col-0)',
  'Kit: SQK-LSK114; buffer: EB',
  'S1  Qubit 50ng/uL  volume 1,000 µL  ratio 1.80',
  'S10 Qubit 150 ng/µL volume 45 µL',
  'High molecular weight DNA on a PromethION. Not human.',
].join('\n');
const source = new Source(text);
const at = (path: string, value: string | number | boolean, near?: number) => {
  const span = source.find(path, value, near);
  return span ? text.slice(span.start, span.end) : null;
};

describe('normalise', () => {
  it('folds case, accents, µ, punctuation and letter-digit breaks, and maps back to the original', () => {
    const n = normalise('Qubit: 50ng/µL, Café');
    expect(n.text).toBe('qubit 50 ng ul cafe');
    expect(n.origin).toHaveLength(n.text.length);
    expect(n.origin[n.text.indexOf('ng')]).toBe('Qubit: 50'.length);
  });
});

describe('Source.find', () => {
  it('finds text whatever its case, spacing and punctuation', () => {
    expect(at('form.sourceOrganism', 'Arabidopsis thaliana')).toBe('ARABIDOPSIS   thaliana');
    expect(at('form.libraryKit', 'SQK LSK114')).toBe('SQK-LSK114');
    expect(at('form.libraryKit', 'sqk-lsk-114')).toBe('SQK-LSK114');
    expect(at('form.sampleBuffers[0]', 'EB')).toBe('EB');
  });

  it('finds numbers however they are written, never inside a longer number', () => {
    expect(at('rows[0].qubitNgPerUl', 50)).toBe('50');
    expect(at('rows[0].volumeUl', 1000)).toBe('1,000');
    expect(at('rows[0].a260_280', 1.8)).toBe('1.80');
    expect(at('rows[1].volumeUl', 150)).toBe('150');
    expect(source.find('rows[0].volumeUl', 15)).toBeNull();
    expect(at('form.approxGenomeSize', '50 ng/µL')).toBe('50ng/uL');
  });

  it('matches whole words only: S1 is not found inside S10', () => {
    const span = source.find('rows[0].sampleName', 'S1');
    expect(span && text.slice(span.start, span.end + 1)).toBe('S1 ');
    expect(source.find('rows[0].sampleName', 'S')).toBeNull();
  });

  it('prefers the occurrence after a given offset (a row’s value after its name)', () => {
    const s10 = text.indexOf('S10');
    expect(source.find('x', 'µL', s10)!.start).toBeGreaterThan(s10);
  });

  it('grounds choices by the words submitters use, and yes/no fields by their subject', () => {
    expect(at('form.sampleTypes[0]', 'HMW_DNA')).toBe('High molecular weight');
    expect(at('form.flowCellFormats[0]', 'PROMETHION')).toBe('PromethION');
    expect(at('form.containsHumanDna', false)).toBe('human');
    expect(source.find('form.sampleTypes[0]', 'CDNA')).toBeNull();
  });
});

describe('groundValues', () => {
  it('keeps grounded values with their offsets and caps an invented one with an issue', () => {
    const { values, issues } = groundValues(
      [
        { path: 'form.sourceOrganism', value: 'Arabidopsis thaliana' },
        { path: 'rows[0].sampleName', value: 'S10' },
        { path: 'rows[0].volumeUl', value: 45 },
        { path: 'form.libraryKit', value: 'SQK-RBK114.24' },
      ],
      source,
    );
    expect(values.map((v) => [v.path, v.confidence, v.method])).toEqual([
      ['form.sourceOrganism', GROUNDED_CONFIDENCE, 'LLM'],
      ['rows[0].sampleName', GROUNDED_CONFIDENCE, 'LLM'],
      ['rows[0].volumeUl', GROUNDED_CONFIDENCE, 'LLM'],
      ['form.libraryKit', NOT_IN_SOURCE_CONFIDENCE, 'LLM'],
    ]);
    expect(values[3]!.source).toBeNull();
    expect(NOT_IN_SOURCE_CONFIDENCE).toBeLessThan(0.8);
    expect(issues).toEqual([expect.objectContaining({ path: 'form.libraryKit', code: 'NOT_IN_SOURCE' })]);
  });

  it('looks for a row’s measurements after its sample name', () => {
    const t = 'A 50 uL\nB 50 uL';
    const { values } = groundValues(
      [
        { path: 'rows[1].sampleName', value: 'B' },
        { path: 'rows[1].volumeUl', value: 50 },
      ],
      new Source(t),
    );
    expect(values[1]!.source).toEqual({ start: t.lastIndexOf('50'), end: t.lastIndexOf('50') + 2 });
  });
});
