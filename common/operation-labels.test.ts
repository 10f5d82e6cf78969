import { describe, expect, it } from 'vitest';
import { createOperationLabels } from './operation-labels.ts';

describe('createOperationLabels', () => {
  it('keeps a labelled name, refuses names not admitted, too long or past the bound', () => {
    const label = createOperationLabels(2);
    expect(label('A', false)).toBe('other');
    expect(label('A', true)).toBe('A');
    expect(label('A', false)).toBe('A');
    expect(label('x'.repeat(101), true)).toBe('other');
    expect(label('B', true)).toBe('B');
    expect(label('C', true)).toBe('other');
  });
});
