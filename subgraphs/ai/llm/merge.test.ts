// The model never overrides a confident rule reading: the rule value stays and the disagreement is an issue.
import { describe, expect, it } from 'vitest';
import type { DraftValue } from './grounding.ts';
import { mergeWithRules } from './merge.ts';

const value = (
  path: string,
  v: DraftValue['value'],
  confidence: number,
  method: DraftValue['method'],
): DraftValue => ({ path, value: v, confidence, method, source: null });

describe('mergeWithRules', () => {
  it('keeps an OCR, geometric or pixel value of confidence >= 0.8 and reports the model’s disagreement', () => {
    const rules = [
      value('form.libraryKit', 'SQK-LSK114', 0.95, 'RULE'),
      value('rows[0].volumeUl', 50, 0.8, 'OCR'),
      value('form.flowCellFormats[0]', 'MINION', 0.9, 'PIXELS'),
    ];
    const llm = [
      value('form.libraryKit', 'SQK-RBK114', 0.7, 'LLM'),
      value('rows[0].volumeUl', 5, 0.7, 'LLM'),
      value('form.flowCellFormats[0]', 'PROMETHION', 0.7, 'LLM'),
    ];
    const merged = mergeWithRules(llm, rules);
    expect(merged.values).toEqual(rules);
    expect(merged.issues.map((i) => [i.path, i.code])).toEqual([
      ['form.libraryKit', 'LLM_DISAGREES'],
      ['rows[0].volumeUl', 'LLM_DISAGREES'],
      ['form.flowCellFormats[0]', 'LLM_DISAGREES'],
    ]);
    expect(merged.issues[0]!.message).toContain('SQK-LSK114');
  });

  it('adds values the rules do not have, and is quiet when both agree (however written)', () => {
    const rules = [value('form.libraryKit', 'SQK-LSK114', 0.95, 'RULE')];
    const llm = [
      value('form.libraryKit', 'sqk lsk114', 0.7, 'LLM'),
      value('form.sourceOrganism', 'Arabidopsis thaliana', 0.7, 'LLM'),
    ];
    const merged = mergeWithRules(llm, rules);
    expect(merged.values).toEqual([rules[0], llm[1]]);
    expect(merged.issues).toEqual([]);
  });

  it('lets a grounded model value replace a less confident rule value, never a more confident one', () => {
    const weak = value('form.sourceOrganism', 'Arabidopsis thalina', 0.4, 'OCR');
    const model = value('form.sourceOrganism', 'Arabidopsis thaliana', 0.7, 'LLM');
    expect(mergeWithRules([model], [weak]).values).toEqual([model]);
    const invented = value('form.sourceOrganism', 'Mus musculus', 0.3, 'LLM');
    const merged = mergeWithRules([invented], [weak]);
    expect(merged.values).toEqual([weak]);
    expect(merged.issues[0]!.code).toBe('LLM_DISAGREES');
  });
});
